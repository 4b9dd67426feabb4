import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
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
  withoutEvents,
} from '../fixture-upstream.case.js';
import { createOpenAICompatibleProvider } from './openai-compatible-provider.js';

const KEY = 'sk-test-5Gh7Jk9Lm1Np3Qr5St7Vw9Xy';
const REQUEST: ChatRequest = {
  model: 'client-model-name',
  messages: [{ role: 'user', content: 'What is the capital of France?' }],
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
  handler: (request: RecordedRequest) => FixtureReply | Promise<FixtureReply>,
  options: { apiKey?: string | null; headers?: Record<string, string>; agent?: Agent } = {},
) {
  upstream = await startFixtureUpstream(handler);
  dispatcher = options.agent ?? new Agent({ connect: { timeout: 2_000 } });
  const provider = createOpenAICompatibleProvider({
    baseUrl: `${upstream.url}/v1/`,
    model: 'gpt-4o-mini',
    apiKey: options.apiKey === undefined ? KEY : options.apiKey,
    headers: options.headers,
    dispatcher,
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

async function streamError(stream: AsyncIterable<ChatCompletionChunk>): Promise<UpstreamError> {
  return rejection(collect(stream));
}

function sse(...events: unknown[]): FixtureReply {
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream' },
    chunks: events.map(
      (event) => `data: ${typeof event === 'string' ? event : JSON.stringify(event)}\n\n`,
    ),
  };
}

describe('openai-compatible provider on the wire', () => {
  it('posts to {baseUrl}/chat/completions with the bearer key and the target model, without stream fields', async () => {
    const { provider, upstream } = await setup(
      () => replay(loadFixture('openai-completion-text')),
      {
        headers: { 'OpenAI-Organization': 'org-1' },
      },
    );
    const { completion, status } = await provider.doComplete(
      { ...REQUEST, stream: true, stream_options: { include_usage: true }, temperature: 0.3 },
      {
        signal: signal(),
        headers: { 'x-trace': 'abc', authorization: 'Bearer not-this-one', 'content-length': '1' },
      },
    );
    expect(status).toBe(200);
    expect(completion.choices[0]?.message.content).toBe('Paris is the capital of France.');
    const [received] = upstream.requests;
    expect(received?.method).toBe('POST');
    expect(received?.path).toBe('/v1/chat/completions');
    expect(received?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(received?.headers['openai-organization']).toBe('org-1');
    expect(received?.headers['x-trace']).toBe('abc');
    expect(received?.headers['content-type']).toBe('application/json');
    expect(received?.body).toEqual({
      model: 'gpt-4o-mini',
      messages: REQUEST.messages,
      temperature: 0.3,
    });
  });

  it('sends no Authorization header when the target has no key', async () => {
    const { provider, upstream } = await setup(
      () => replay(loadFixture('openai-completion-text')),
      {
        apiKey: null,
      },
    );
    await provider.doComplete(REQUEST, { signal: signal() });
    expect(upstream.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('streams with stream: true and stream_options.include_usage, keeping other stream options', async () => {
    const { provider, upstream } = await setup(() =>
      replay(loadFixture('openai-stream-text'), { split: 'events' }),
    );
    const chunks = await collect(
      await provider.doStream(
        {
          ...REQUEST,
          stream_options: { include_usage: false, continuous_usage_stats: true } as never,
        },
        { signal: signal() },
      ),
    );
    expect(upstream.requests[0]?.headers.accept).toBe('text/event-stream');
    expect(upstream.requests[0]?.body).toMatchObject({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true, continuous_usage_stats: true },
    });
    expect(chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: 24,
      completion_tokens: 8,
      total_tokens: 32,
    });
  });

  it('parses the stream identically whatever the byte boundaries', async () => {
    const { provider } = await setup(() =>
      replay(loadFixture('openai-stream-tool-call'), { split: 7 }),
    );
    const chunks = await collect(await provider.doStream(REQUEST, { signal: signal() }));
    const argumentsText = chunks
      .flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])
      .map((delta) => delta.function?.arguments ?? '')
      .join('');
    expect(argumentsText).toBe('{"city":"Paris"}');
  });

  it('reports a 429 with status, retryAfterMs, kept headers and the upstream message', async () => {
    const { provider } = await setup(() => replay(loadFixture('openai-error-rate-limited')));
    const error = await rejection(provider.doComplete(REQUEST, { signal: signal() }));
    expect(error.errorClass).toBe('rate_limited');
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(2000);
    expect(error.headers['retry-after']).toBe('2');
    expect(error.headers['x-request-id']).toBe('req_4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b');
    expect(error.headers['x-ratelimit-remaining-requests']).toBe('0');
    expect(error.message).toContain('Rate limit reached for gpt-4o-mini');
    expect(error.body).toContain('rate_limit_exceeded');
  });

  it('prefers retry-after-ms and keeps at most 64 KB of an error body', async () => {
    const { provider } = await setup(() => ({
      status: 503,
      headers: { 'retry-after-ms': '350', 'content-type': 'text/html' },
      chunks: [`<html>${'x'.repeat(200_000)}</html>`],
    }));
    const error = await rejection(provider.doStream(REQUEST, { signal: signal() }));
    expect(error.errorClass).toBe('server_error');
    expect(error.retryAfterMs).toBe(350);
    expect(error.body?.length).toBe(64 * 1024);
  });

  it('throws stream_truncated when the connection is cut mid-stream', async () => {
    const { provider } = await setup(() =>
      replay(loadFixture('openai-stream-text'), { split: 'events', cutAfterChunks: 3 }),
    );
    const stream = await provider.doStream(REQUEST, { signal: signal() });
    const seen: ChatCompletionChunk[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of stream) seen.push(chunk);
      })(),
    );
    expect(error.errorClass).toBe('stream_truncated');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThanOrEqual(3);
  });

  it('throws stream_truncated when finish_reason and usage arrived but [DONE] did not', async () => {
    const { provider } = await setup(() =>
      replay(
        withoutEvents(loadFixture('openai-stream-text'), (event) => event.includes('[DONE]')),
        { split: 'events' },
      ),
    );
    const error = await streamError(await provider.doStream(REQUEST, { signal: signal() }));
    expect(error.errorClass).toBe('stream_truncated');
    expect(error.message).toContain('after finish_reason');
  });

  it('classifies a refused connection as connection_error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    dispatcher = new Agent({ connect: { timeout: 2_000 } });
    const provider = createOpenAICompatibleProvider({
      baseUrl: `http://127.0.0.1:${port}/v1`,
      model: 'm',
      apiKey: null,
      dispatcher,
    });
    const error = await rejection(provider.doComplete(REQUEST, { signal: signal() }));
    expect(error.errorClass).toBe('connection_error');
    expect(error.isRetryable).toBe(true);
  });

  it('classifies a connection reset before any response as connection_error', async () => {
    const { provider } = await setup(() => ({ status: 200, chunks: [], resetBeforeHeaders: true }));
    const error = await rejection(provider.doStream(REQUEST, { signal: signal() }));
    expect(error.errorClass).toBe('connection_error');
  });

  it('classifies undici headers and body timeouts as timeout and stream_stall', async () => {
    const agent = new Agent({ headersTimeout: 150, bodyTimeout: 150 });
    let call = 0;
    const { provider } = await setup(
      () =>
        call++ === 0
          ? { status: 200, chunks: [], stallBeforeHeaders: true }
          : replay(
              withoutEvents(loadFixture('openai-stream-text'), (event) => event.includes('[DONE]')),
              { split: 'events', hang: true },
            ),
      { agent },
    );
    const headersError = await rejection(provider.doComplete(REQUEST, { signal: signal() }));
    expect(headersError.errorClass).toBe('timeout');
    const stallError = await streamError(await provider.doStream(REQUEST, { signal: signal() }));
    expect(stallError.errorClass).toBe('stream_stall');
  });

  it('throws the classified error of an in-band error chunk', async () => {
    const chunk = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm' };
    const cases: Array<[unknown, string]> = [
      [{ ...chunk, error: { message: 'Provider returned error', code: 502 } }, 'server_error'],
      [{ ...chunk, error: { message: 'Rate limit exceeded', code: 429 } }, 'rate_limited'],
      [{ error: { message: 'upstream exploded', type: 'server_error' } }, 'server_error'],
      [
        {
          object: 'error',
          message: "This model's maximum context length is 4096 tokens",
          code: 400,
        },
        'context_length_exceeded',
      ],
    ];
    let position = 0;
    const { provider } = await setup(() => {
      const [payload] = cases[position++] ?? [];
      return sse(
        {
          ...chunk,
          choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
        },
        payload,
      );
    });
    for (const [, errorClass] of cases) {
      const error = await streamError(await provider.doStream(REQUEST, { signal: signal() }));
      expect(error.errorClass).toBe(errorClass);
    }
  });

  it('throws the classified error of a JSON error answered to a streaming request', async () => {
    const { provider } = await setup(() => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      chunks: [JSON.stringify({ error: { message: 'Too many requests', code: 429 } })],
    }));
    const error = await rejection(provider.doStream(REQUEST, { signal: signal() }));
    expect(error.errorClass).toBe('rate_limited');
  });

  it('rejects a 2xx answer that is not JSON as server_error, and one carrying an error as classified', async () => {
    const replies: FixtureReply[] = [
      { status: 200, headers: { 'content-type': 'text/html' }, chunks: ['<html>gateway</html>'] },
      {
        status: 200,
        headers: { 'content-type': 'application/json' },
        chunks: [
          JSON.stringify({
            error: { message: 'context_length_exceeded', type: 'invalid_request_error' },
          }),
        ],
      },
    ];
    let position = 0;
    const { provider } = await setup(() => replies[position++] as FixtureReply);
    expect((await rejection(provider.doComplete(REQUEST, { signal: signal() }))).errorClass).toBe(
      'server_error',
    );
    expect((await rejection(provider.doComplete(REQUEST, { signal: signal() }))).errorClass).toBe(
      'context_length_exceeded',
    );
  });

  it('skips comments and empty data events (OpenRouter keep-alives)', async () => {
    const { provider } = await setup(() => {
      const reply = replay(loadFixture('openai-stream-text'), { split: 'events' });
      reply.chunks.splice(1, 0, ': OPENROUTER PROCESSING\n\n', 'data: \n\n');
      return reply;
    });
    const chunks = await collect(await provider.doStream(REQUEST, { signal: signal() }));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(
      'Paris is the capital of France.',
    );
  });

  it("repairs Gemini's chunks: missing id, created and tool-call index, and finish_reason stop after a tool call", async () => {
    const { provider } = await setup(() =>
      sse(
        {
          object: 'chat.completion.chunk',
          model: 'gemini-2.5-flash',
          choices: [
            {
              index: 0,
              delta: {
                role: 'assistant',
                tool_calls: [
                  {
                    id: 'function-call-1',
                    type: 'function',
                    function: { name: 'get_weather', arguments: '{"city":' },
                  },
                ],
              },
            },
          ],
        },
        {
          object: 'chat.completion.chunk',
          model: 'gemini-2.5-flash',
          choices: [{ index: 0, delta: { tool_calls: [{ function: { arguments: '"Paris"}' } }] } }],
        },
        {
          object: 'chat.completion.chunk',
          model: 'gemini-2.5-flash',
          choices: [
            {
              index: 0,
              delta: {
                tool_calls: [
                  {
                    id: 'function-call-2',
                    type: 'function',
                    function: { name: 'get_time', arguments: '{}' },
                  },
                ],
              },
            },
          ],
        },
        {
          object: 'chat.completion.chunk',
          model: 'gemini-2.5-flash',
          choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
          usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
        },
        '[DONE]',
      ),
    );
    const chunks = await collect(await provider.doStream(REQUEST, { signal: signal() }));
    const ids = new Set(chunks.map((chunk) => chunk.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^chatcmpl-/);
    expect(chunks.every((chunk) => typeof chunk.created === 'number')).toBe(true);
    const indexes = chunks
      .flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])
      .map((delta) => delta.index);
    expect(indexes).toEqual([0, 0, 1]);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('accepts llama.cpp streams that put usage on the finish chunk', async () => {
    const base = {
      id: 'chatcmpl-llama',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'llama',
    };
    const { provider } = await setup(() =>
      sse(
        {
          ...base,
          choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }],
        },
        {
          ...base,
          choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
          usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
          timings: { predicted_ms: 12 },
        },
        '[DONE]',
      ),
    );
    const chunks = await collect(await provider.doStream(REQUEST, { signal: signal() }));
    expect(chunks.at(-1)?.usage?.total_tokens).toBe(4);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('returns the socket to the pool after [DONE], so the next call reuses it', async () => {
    const { provider, upstream } = await setup(() =>
      replay(loadFixture('openai-stream-text'), { split: 'events', delayBeforeEndMs: 30 }),
    );
    await collect(await provider.doStream(REQUEST, { signal: signal() }));
    // The trailer arrives 30 ms after [DONE]; give the drain time to hand the socket back.
    await sleep(150);
    await collect(await provider.doStream(REQUEST, { signal: signal() }));
    expect(upstream.requests).toHaveLength(2);
    expect(upstream.requests[1]?.remotePort).toBe(upstream.requests[0]?.remotePort);
  });

  it('closes the connection when the consumer stops reading early', async () => {
    const { provider, upstream } = await setup(() =>
      replay(loadFixture('openai-stream-text'), { split: 'events', hang: true }),
    );
    const stream = await provider.doStream(REQUEST, { signal: signal() });
    for await (const _chunk of stream) break;
    await upstream.clientClosedEarly();
  });

  it('closes the connection when the consumer drops the iterator before reading', async () => {
    const { provider, upstream } = await setup(() =>
      replay(loadFixture('openai-stream-text'), { split: 'events', hang: true }),
    );
    const stream = await provider.doStream(REQUEST, { signal: signal() });
    await stream[Symbol.asyncIterator]().return?.();
    await upstream.clientClosedEarly();
  });
});

describe('openai-compatible provider and the API key', () => {
  /** An upstream that echoes every request header back, in its body and in a response header. */
  const echo =
    (status: number) =>
    (request: RecordedRequest): FixtureReply => ({
      status,
      headers: {
        'content-type': 'application/json',
        'x-echo-authorization': String(request.headers.authorization),
        'x-request-id': `req-${String(request.headers.authorization)}`,
      },
      chunks: [
        JSON.stringify({
          error: { message: `Bad key: ${request.headers.authorization}`, headers: request.headers },
        }),
      ],
    });

  function expectNoKey(error: UpstreamError): void {
    expect(error.message).not.toContain(KEY);
    expect(error.body ?? '').not.toContain(KEY);
    expect(JSON.stringify(error.headers)).not.toContain(KEY);
    expect(String(error.cause ?? '')).not.toContain(KEY);
  }

  it('masks the key that an upstream echoes in an error body or header', async () => {
    const { provider } = await setup(echo(401));
    const error = await rejection(provider.doComplete(REQUEST, { signal: signal() }));
    expect(error.errorClass).toBe('auth_error');
    expectNoKey(error);
    expect(error.body).toContain('[redacted]');
    expect(error.headers['x-echo-authorization']).toBeUndefined();
    expect(error.headers['x-request-id']).toBe('req-Bearer [redacted]');
  });

  it('masks the key in errors raised mid-stream and for malformed events', async () => {
    const { provider } = await setup((request) =>
      sse(
        { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [] },
        `{"echo": "${String(request.headers.authorization)}"`,
      ),
    );
    const malformed = await streamError(await provider.doStream(REQUEST, { signal: signal() }));
    expect(malformed.errorClass).toBe('malformed_stream');
    expectNoKey(malformed);
  });
});
