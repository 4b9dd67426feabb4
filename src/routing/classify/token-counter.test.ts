import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/chat-types.js';
import {
  countMessageTokens,
  countPromptTokens,
  countSystemPromptTokens,
  countTextTokens,
  IMAGE_TOKENS,
  LOW_DETAIL_IMAGE_TOKENS,
  MESSAGE_OVERHEAD_TOKENS,
  REPLY_PRIMING_TOKENS,
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
});
