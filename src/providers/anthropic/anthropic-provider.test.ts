import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatCompletionChunk, ChatRequest } from '../../core/chat-types.js';
import { UpstreamError } from '../../core/switchyard-error.js';
import {
  type FixtureReply,
  type FixtureUpstream,
  loadFixture,
  type RecordedRequest,
  replay,
  startFixtureUpstream,
} from '../fixture-upstream.case.js';
import { createAnthropicProvider } from './anthropic-provider.js';

const KEY = 'sk-ant-api03-Zx8Cv6Bn4Mq2Wr0Ty8Ui6Op4';
const REQUEST: ChatRequest = {
  model: 'client-model-name',
  messages: [
    { role: 'system', content: 'Be terse.' },
    { role: 'user', content: 'What is the capital of France?' },
  ],
};

let upstream: FixtureUpstream | undefined;
let dispatcher: Agent | undefined;

afterEach(async () => {
  await dispatcher?.destroy();
  await upstream?.close();
  dispatcher = undefined;
  upstream = undefined;
});

async function setup(
  handler: (request: RecordedRequest) => FixtureReply,
  options: {
    baseSuffix?: string;
    defaultMaxTokens?: number;
    headers?: Record<string, string>;
  } = {},
) {
  upstream = await startFixtureUpstream(handler);
  dispatcher = new Agent({ connect: { timeout: 2_000 } });
  const provider = createAnthropicProvider({
    baseUrl: `${upstream.url}${options.baseSuffix ?? ''}`,
    model: 'claude-sonnet-4-5',
    apiKey: KEY,
    headers: options.headers,
    dispatcher,
    defaultMaxTokens: options.defaultMaxTokens,
  });
  return { provider, upstream };
}

const signal = (): AbortSignal => new AbortController().signal;

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UpstreamError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('anthropic provider on the wire', () => {
  it('posts the translated request to /v1/messages with x-api-key and anthropic-version', async () => {
    const { provider, upstream } = await setup(
      () => replay(loadFixture('anthropic-message-text')),
      {
        headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' },
        defaultMaxTokens: 1000,
      },
    );
    const { completion, status } = await provider.doComplete(REQUEST, { signal: signal() });
    expect(status).toBe(200);
    expect(completion.choices[0]?.message.content).toBe('Paris is the capital of France.');
    expect(completion.usage).toEqual({
      prompt_tokens: 18,
      completion_tokens: 10,
      total_tokens: 28,
    });
    const [received] = upstream.requests;
    expect(received?.path).toBe('/v1/messages');
    expect(received?.headers['x-api-key']).toBe(KEY);
    expect(received?.headers['anthropic-version']).toBe('2023-06-01');
    expect(received?.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    expect(received?.headers.authorization).toBeUndefined();
    expect(received?.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 1000,
      system: 'Be terse.',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'What is the capital of France?' }] },
      ],
    });
  });

  it('accepts a base URL that already ends in /v1', async () => {
    const { provider, upstream } = await setup(
      () => replay(loadFixture('anthropic-message-text')),
      {
        baseSuffix: '/v1/',
      },
    );
    await provider.doComplete(REQUEST, { signal: signal() });
    expect(upstream.requests[0]?.path).toBe('/v1/messages');
  });

  it('asks for a stream and translates it, whatever the byte boundaries', async () => {
    const { provider, upstream } = await setup(() =>
      replay(loadFixture('anthropic-stream-tool-use'), { split: 11 }),
    );
    const chunks = await collect(await provider.doStream(REQUEST, { signal: signal() }));
    expect(upstream.requests[0]?.body).toMatchObject({ stream: true, max_tokens: 4096 });
    expect(upstream.requests[0]?.headers.accept).toBe('text/event-stream');
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Let me check the weather.');
    const args = chunks
      .flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])
      .map((delta) => delta.function?.arguments ?? '')
      .join('');
    expect(JSON.parse(args)).toEqual({ city: 'Paris' });
    expect(chunks.at(-1)?.usage).toEqual({
      prompt_tokens: 472,
      completion_tokens: 89,
      total_tokens: 561,
    });
  });

  it('throws server_error for an overloaded_error event after content has streamed', async () => {
    const { provider } = await setup(() =>
      replay(loadFixture('anthropic-stream-error'), { split: 'events' }),
    );
    const stream = await provider.doStream(REQUEST, { signal: signal() });
    const seen: ChatCompletionChunk[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of stream) seen.push(chunk);
      })(),
    );
    expect(error.errorClass).toBe('server_error');
    expect(error.message).toContain('overloaded_error');
    expect(seen.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe('Paris');
  });

  it('classifies HTTP errors by status and Anthropic error type', async () => {
    const replies: Array<[FixtureReply, string, number | null]> = [
      [replay(loadFixture('anthropic-error-overloaded')), 'server_error', null],
      [replay(loadFixture('anthropic-error-rate-limited')), 'rate_limited', 3000],
      [replay(loadFixture('anthropic-error-prompt-too-long')), 'context_length_exceeded', null],
      [
        {
          status: 400,
          headers: { 'content-type': 'application/json' },
          chunks: [
            '{"type":"error","error":{"type":"invalid_request_error","message":"input length and `max_tokens` exceed context limit: 198000 + 8192 > 200000, decrease input length or `max_tokens` and try again"}}',
          ],
        },
        'context_length_exceeded',
        null,
      ],
      [
        {
          status: 500,
          headers: { 'content-type': 'application/json' },
          chunks: [
            '{"type":"error","error":{"type":"api_error","message":"Internal server error"}}',
          ],
        },
        'server_error',
        null,
      ],
      [
        {
          status: 401,
          headers: { 'content-type': 'application/json' },
          chunks: [
            '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}',
          ],
        },
        'auth_error',
        null,
      ],
      [
        {
          status: 400,
          headers: { 'content-type': 'application/json' },
          chunks: [
            '{"type":"error","error":{"type":"invalid_request_error","message":"messages: roles must alternate"}}',
          ],
        },
        'bad_request',
        null,
      ],
    ];
    let position = 0;
    const { provider } = await setup(() => replies[position++]?.[0] as FixtureReply);
    for (const [, errorClass, retryAfterMs] of replies) {
      const error = await rejection(provider.doComplete(REQUEST, { signal: signal() }));
      expect(error.errorClass).toBe(errorClass);
      expect(error.retryAfterMs).toBe(retryAfterMs);
    }
  });

  it('keeps the pacing headers of a 429', async () => {
    const { provider } = await setup(() => replay(loadFixture('anthropic-error-rate-limited')));
    const error = await rejection(provider.doStream(REQUEST, { signal: signal() }));
    expect(error.status).toBe(429);
    expect(error.headers['retry-after']).toBe('3');
    expect(error.headers['request-id']).toBe('req_011CQrEfG8hIjK9lMnO0pQrS');
    expect(error.headers['anthropic-ratelimit-requests-remaining']).toBe('0');
    expect(error.message).toContain('would exceed the rate limit');
  });

  it('rejects a request it cannot translate as bad_request without calling the upstream', async () => {
    const { provider, upstream } = await setup(() => replay(loadFixture('anthropic-message-text')));
    const error = await rejection(
      provider.doComplete(
        {
          ...REQUEST,
          messages: [
            {
              role: 'user',
              content: [{ type: 'image_url', image_url: { url: 'file:///etc/passwd' } }],
            },
          ],
        },
        { signal: signal() },
      ),
    );
    expect(error.errorClass).toBe('bad_request');
    expect(upstream.requests).toHaveLength(0);
  });

  it('masks the key that an upstream echoes in an error body, header or stream event', async () => {
    const echoes = (request: RecordedRequest): string => String(request.headers['x-api-key']);
    let call = 0;
    const { provider } = await setup(
      (request): FixtureReply =>
        call++ === 0
          ? {
              status: 401,
              headers: {
                'content-type': 'application/json',
                'request-id': `req-${echoes(request)}`,
              },
              chunks: [
                JSON.stringify({
                  type: 'error',
                  error: {
                    type: 'authentication_error',
                    message: `invalid x-api-key ${echoes(request)}`,
                  },
                  echoed: request.headers,
                }),
              ],
            }
          : {
              status: 200,
              headers: { 'content-type': 'text/event-stream' },
              chunks: [
                `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message: `key ${echoes(request)}` } })}\n\n`,
              ],
            },
    );
    const httpError = await rejection(provider.doComplete(REQUEST, { signal: signal() }));
    const streamError = await rejection(
      collect(await provider.doStream(REQUEST, { signal: signal() })),
    );
    for (const error of [httpError, streamError]) {
      expect(error.message).not.toContain(KEY);
      expect(error.body ?? '').not.toContain(KEY);
      expect(JSON.stringify(error.headers)).not.toContain(KEY);
      expect(error.body).toContain('[redacted]');
    }
    expect(httpError.errorClass).toBe('auth_error');
    expect(streamError.errorClass).toBe('server_error');
  });
});
