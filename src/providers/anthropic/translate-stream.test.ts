import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk } from '../../core/chat-types.js';
import { UpstreamError } from '../../core/switchyard-error.js';
import { loadFixture } from '../fixture-upstream.case.js';
import { parseSseText, type SseEvent } from '../sse-parser.js';
import { translateAnthropicStream } from './translate-stream.js';

const CONTEXT = { label: 'anthropic test', secret: null };

async function* fromArray(events: SseEvent[]): AsyncGenerator<SseEvent> {
  yield* events;
}

async function translate(sse: string): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of translateAnthropicStream(
    fromArray(parseSseText(sse)),
    'claude',
    CONTEXT,
  )) {
    chunks.push(chunk);
  }
  return chunks;
}

async function failure(
  sse: string,
): Promise<{ error: UpstreamError; chunks: ChatCompletionChunk[] }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of translateAnthropicStream(
      fromArray(parseSseText(sse)),
      'claude',
      CONTEXT,
    )) {
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof UpstreamError) return { error, chunks };
    throw error;
  }
  throw new Error('expected the stream to fail');
}

const event = (name: string, data: unknown): string =>
  `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

const START = event('message_start', {
  type: 'message_start',
  message: {
    id: 'msg_1',
    model: 'claude-x',
    usage: { input_tokens: 5, cache_read_input_tokens: 20, output_tokens: 1 },
  },
});

describe('translateAnthropicStream', () => {
  it('turns a text stream into role, content, finish and usage chunks', async () => {
    const chunks = await translate(loadFixture('anthropic-stream-text').body);
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(
      'Paris is the capital of France.',
    );
    const finish = chunks[chunks.length - 2];
    expect(finish?.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    const last = chunks[chunks.length - 1];
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual({ prompt_tokens: 18, completion_tokens: 10, total_tokens: 28 });
    expect(new Set(chunks.map((chunk) => chunk.id))).toEqual(
      new Set(['msg_01TqH8zV3kXbY6nWcP2rLsFd']),
    );
    expect(chunks.every((chunk) => chunk.model === 'claude-sonnet-4-5-20250929')).toBe(true);
  });

  it('numbers tool calls among tool calls, not among content blocks, and streams their arguments', async () => {
    const chunks = await translate(loadFixture('anthropic-stream-tool-use').body);
    const toolDeltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(toolDeltas[0]).toEqual({
      index: 0,
      id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    expect(toolDeltas.every((delta) => delta.index === 0)).toBe(true);
    expect(toolDeltas.map((delta) => delta.function?.arguments ?? '').join('')).toBe(
      '{"city": "Paris"}',
    );
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe(
      'tool_calls',
    );
  });

  it('sends `{}` as the arguments of a tool that streamed no input', async () => {
    const chunks = await translate(
      START +
        event('content_block_start', {
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'tool_use', id: 'toolu_a', name: 'now', input: {} },
        }) +
        event('content_block_stop', { type: 'content_block_stop', index: 0 }) +
        event('content_block_start', {
          type: 'content_block_start',
          index: 1,
          content_block: { type: 'tool_use', id: 'toolu_b', name: 'today', input: {} },
        }) +
        event('content_block_delta', {
          type: 'content_block_delta',
          index: 1,
          delta: { type: 'input_json_delta', partial_json: '{"tz":"UTC"}' },
        }) +
        event('content_block_stop', { type: 'content_block_stop', index: 1 }) +
        event('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: 'tool_use' },
          usage: { output_tokens: 9 },
        }) +
        event('message_stop', { type: 'message_stop' }),
    );
    const toolDeltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    const argumentsByIndex = ['', ''];
    for (const delta of toolDeltas)
      argumentsByIndex[delta.index] += delta.function?.arguments ?? '';
    expect(argumentsByIndex).toEqual(['{}', '{"tz":"UTC"}']);
    expect(chunks[chunks.length - 1]?.usage).toEqual({
      prompt_tokens: 25,
      completion_tokens: 9,
      total_tokens: 34,
    });
  });

  it('skips ping, thinking deltas and unknown event types', async () => {
    const chunks = await translate(
      START +
        event('ping', { type: 'ping' }) +
        event('content_block_start', {
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'thinking', thinking: '' },
        }) +
        event('content_block_delta', {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'thinking_delta', thinking: 'hmm' },
        }) +
        event('content_block_stop', { type: 'content_block_stop', index: 0 }) +
        event('brand_new_event', { type: 'brand_new_event' }) +
        event('content_block_start', {
          type: 'content_block_start',
          index: 1,
          content_block: { type: 'text', text: '' },
        }) +
        event('content_block_delta', {
          type: 'content_block_delta',
          index: 1,
          delta: { type: 'text_delta', text: 'Hi' },
        }) +
        event('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: 'max_tokens' },
          usage: { output_tokens: 2 },
        }) +
        event('message_stop', { type: 'message_stop' }),
    );
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Hi');
    expect(
      chunks
        .flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason))
        .filter(Boolean),
    ).toEqual(['length']);
  });

  it('never sends a finish chunk when message_stop is missing, and throws stream_truncated', async () => {
    const body = loadFixture('anthropic-stream-text').body.replace(
      /event: message_stop\n[^\n]*\n\n/,
      '',
    );
    const { error, chunks } = await failure(body);
    expect(error.errorClass).toBe('stream_truncated');
    expect(chunks.some((chunk) => chunk.choices[0]?.finish_reason)).toBe(false);
  });

  const errorTypes: Array<[string, string, string]> = [
    ['overloaded_error', 'Overloaded', 'server_error'],
    ['api_error', 'Internal server error', 'server_error'],
    ['rate_limit_error', 'Slow down', 'rate_limited'],
    [
      'invalid_request_error',
      'prompt is too long: 210000 tokens > 200000 maximum',
      'context_length_exceeded',
    ],
    ['invalid_request_error', 'max_tokens: must be positive', 'bad_request'],
    ['authentication_error', 'invalid x-api-key', 'auth_error'],
  ];
  for (const [type, message, errorClass] of errorTypes) {
    it(`throws ${errorClass} for an in-band ${type} event`, async () => {
      const { error, chunks } = await failure(
        START + event('error', { type: 'error', error: { type, message } }),
      );
      expect(error.errorClass).toBe(errorClass);
      expect(error.message).toContain(message);
      expect(chunks).toHaveLength(1);
    });
  }

  it('throws malformed_stream for an event that is not JSON', async () => {
    const { error } = await failure(`${START}event: content_block_delta\ndata: {"type":\n\n`);
    expect(error.errorClass).toBe('malformed_stream');
  });

  it('throws malformed_stream for content before message_start', async () => {
    const { error } = await failure(
      event('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: 'x' },
      }),
    );
    expect(error.errorClass).toBe('malformed_stream');
  });
});
