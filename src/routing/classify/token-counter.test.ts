import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/chat-types.js';
import {
  countMessageTokens,
  countPromptTokens,
  countPromptTokensYielding,
  countSystemPromptTokens,
  countTextTokens,
  IMAGE_TOKENS,
  LOW_DETAIL_IMAGE_TOKENS,
  MAX_RUN_CHARS,
  MESSAGE_OVERHEAD_TOKENS,
  promptTokenUpperBound,
  REPLY_PRIMING_TOKENS,
  YIELD_ABOVE_CHARS,
} from './token-counter.js';

describe('token counter', () => {
  it('counts text with the o200k encoding', () => {
    expect(countTextTokens('hello world')).toBe(2);
    expect(countTextTokens(' hello'.repeat(10))).toBe(10);
    expect(countTextTokens('')).toBe(0);
  });

  it('counts repeated system prompts like any text, past the cache bound too', () => {
    const prompts = Array.from(
      { length: 80 },
      (_, index) => `You are assistant number ${index}.${' Be brief.'.repeat(index % 7)}`,
    );
    for (let round = 0; round < 2; round++) {
      for (const prompt of prompts) {
        expect(countSystemPromptTokens(prompt)).toBe(countTextTokens(prompt));
      }
    }
    const long = ' word'.repeat(70_000);
    expect(countSystemPromptTokens(long)).toBe(70_000);
    expect(
      countMessageTokens({ role: 'system', content: prompts[3] as string }) -
        MESSAGE_OVERHEAD_TOKENS,
    ).toBe(countTextTokens(prompts[3] as string));
    expect(countMessageTokens({ role: 'developer', content: 'hello world' })).toBe(
      2 + MESSAGE_OVERHEAD_TOKENS,
    );
  });

  it('counts special-token text as plain text instead of throwing', () => {
    expect(countTextTokens('a <|endoftext|> b')).toBeGreaterThan(3);
  });

  it('adds the per-message overhead and the name', () => {
    expect(countMessageTokens({ role: 'user', content: 'hello world' })).toBe(
      2 + MESSAGE_OVERHEAD_TOKENS,
    );
    expect(
      countMessageTokens({ role: 'user', content: 'hello world', name: 'ann' }),
    ).toBeGreaterThan(2 + MESSAGE_OVERHEAD_TOKENS + 1);
  });

  it('counts a fixed estimate per image, smaller for low detail', () => {
    const message = (detail?: 'low' | 'high') =>
      countMessageTokens({
        role: 'user',
        content: [
          { type: 'text', text: 'hello world' },
          {
            type: 'image_url',
            image_url: { url: 'data:image/png;base64,AAAA', ...(detail ? { detail } : {}) },
          },
        ],
      });
    expect(message()).toBe(2 + IMAGE_TOKENS + MESSAGE_OVERHEAD_TOKENS);
    expect(message('high')).toBe(2 + IMAGE_TOKENS + MESSAGE_OVERHEAD_TOKENS);
    expect(message('low')).toBe(2 + LOW_DETAIL_IMAGE_TOKENS + MESSAGE_OVERHEAD_TOKENS);
  });

  it('counts assistant tool calls and tool results', () => {
    const call = countMessageTokens({
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: 'c1',
          type: 'function',
          function: { name: 'lookup', arguments: '{"q":"hello world"}' },
        },
      ],
    });
    expect(call).toBeGreaterThan(MESSAGE_OVERHEAD_TOKENS * 2);
    expect(
      countMessageTokens({ role: 'tool', tool_call_id: 'c1', content: 'hello world' }),
    ).toBeGreaterThan(2 + MESSAGE_OVERHEAD_TOKENS);
  });

  it('sums messages, tool definitions and the reply priming for a request', () => {
    const request: ChatRequest = {
      model: 'auto',
      messages: [
        { role: 'system', content: 'hello world' },
        { role: 'user', content: ' hello'.repeat(10) },
      ],
    };
    expect(countPromptTokens(request)).toBe(
      REPLY_PRIMING_TOKENS + 2 * MESSAGE_OVERHEAD_TOKENS + 2 + 10,
    );
    const tools: ChatRequest['tools'] = [
      {
        type: 'function',
        function: { name: 'lookup', parameters: { type: 'object', properties: {} } },
      },
    ];
    expect(countPromptTokens({ ...request, tools })).toBe(
      countPromptTokens(request) + countTextTokens(JSON.stringify(tools)),
    );
  });

  it('counts a short prompt at once, with the same result as countPromptTokens', () => {
    const request: ChatRequest = {
      model: 'auto',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello world' },
      ],
    };
    const counted = countPromptTokensYielding(request);
    expect(typeof counted).toBe('number');
    expect(counted).toBe(countPromptTokens(request));
  });

  it('counts a long prompt in slices, letting other work run in between', async () => {
    const paragraph = 'The quick brown fox jumps over the lazy dog, again and again. ';
    const lines = Array.from({ length: 12_000 }, (_, index) => `${index}: ${paragraph}`);
    const request: ChatRequest = {
      model: 'auto',
      messages: [
        { role: 'system', content: 'Summarize.' },
        { role: 'user', content: `${lines.join('\n')}\n${'x'.repeat(200_000)}` },
      ],
    };
    const userText = request.messages[1]?.content as string;
    expect(userText.length).toBeGreaterThan(YIELD_ABOVE_CHARS);
    let turnsDuringCount = 0;
    let counting = true;
    const tick = (): void => {
      if (!counting) return;
      turnsDuringCount += 1;
      setImmediate(tick);
    };
    setImmediate(tick);
    const counted = countPromptTokensYielding(request);
    expect(counted).toBeInstanceOf(Promise);
    const total = await counted;
    counting = false;
    expect(turnsDuringCount).toBeGreaterThan(5);
    // Sliced at newlines (and, in the run of x's, at the slice limit): within 0.01% of one pass.
    const exact = countPromptTokens(request);
    expect(Math.abs(total - exact)).toBeLessThanOrEqual(Math.ceil(exact / 10_000));
  });

  it('keeps surrogate pairs whole when a slice has no whitespace to end at', async () => {
    const emoji = '😀'.repeat(200_000);
    const request: ChatRequest = { model: 'auto', messages: [{ role: 'user', content: emoji }] };
    const total = await countPromptTokensYielding(request);
    const exact = countPromptTokens(request);
    expect(Math.abs(total - exact)).toBeLessThanOrEqual(Math.ceil(exact / 1_000));
  });

  it('cuts runs without whitespace into pieces, without splitting a surrogate pair', () => {
    const whole = (text: string) => countTokens(text, { disallowedSpecial: new Set() });
    // Eight x's are one token and the pieces are a multiple of eight long: the same count.
    const xs = 'x'.repeat(MAX_RUN_CHARS * 8);
    expect(countTextTokens(xs)).toBe(whole(xs));
    // One ASCII letter first puts every cut on a high surrogate; each emoji stays one token.
    const emoji = `a${'😀'.repeat(2_000)}`;
    expect(countTextTokens(emoji)).toBe(whole(emoji));
    // Ordinary text longer than a run is counted whole.
    const prose = 'The quick brown fox jumps over the lazy dog. '.repeat(100);
    expect(countTextTokens(prose)).toBe(whole(prose));
    // A pathological run far past what byte-pair encoding does in one piece in reasonable time.
    expect(countTextTokens('😀'.repeat(200_000))).toBe(200_000);
  });
});

describe('promptTokenUpperBound', () => {
  it('is the fixed costs plus the UTF-8 bytes of the counted text', () => {
    const request: ChatRequest = {
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'héllo 😀' },
      ],
    };
    const fixed = REPLY_PRIMING_TOKENS + 2 * MESSAGE_OVERHEAD_TOKENS;
    expect(promptTokenUpperBound(request)).toBe(fixed + 9 + Buffer.byteLength('héllo 😀'));
  });

  it('is never below the count, whatever the text, images, tools and schemas', () => {
    let seed = 3;
    const random = () => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed / 2 ** 32;
    };
    const alphabet = [...'ab Z9\n.,:{}"\'', 'é', '中', '😀', '\ud800', ' ', ' '];
    const text = () => {
      let value = '';
      const length = Math.floor(random() * 300);
      for (let index = 0; index < length; index++) {
        value += alphabet[Math.floor(random() * alphabet.length)];
      }
      return value;
    };
    for (let round = 0; round < 300; round++) {
      const request: ChatRequest = {
        model: 'm',
        messages: [
          { role: 'system', content: text() },
          {
            role: 'user',
            content: [
              { type: 'text', text: text() },
              {
                type: 'image_url',
                image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' },
              },
            ],
            name: 'ann',
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'c1', type: 'function', function: { name: 'f', arguments: text() } },
            ],
          },
          { role: 'tool', content: text(), tool_call_id: 'c1' },
        ],
        tools: [{ type: 'function', function: { name: 'f', description: text() } }],
      };
      expect(promptTokenUpperBound(request)).toBeGreaterThanOrEqual(countPromptTokens(request));
    }
  });
});
