import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatCompletionChunk, ChatRequest } from '../../core/chat-types.js';
import { classifyHttpStatus, UpstreamError } from '../../core/switchyard-error.js';
import type { SimFault, SimProfile } from './sim-profile.js';
import { createSimProvider } from './sim-provider.js';

function profile(script: SimFault[] = [], overrides: Partial<SimProfile> = {}): SimProfile {
  return {
    ttftMs: { p50: 4, p95: 8 },
    interTokenMs: { p50: 0.5, p95: 1 },
    outputTokens: { p50: 12, p95: 20 },
    capacity: { slots: 8, queue: 8, retryAfterS: 2 },
    faults: { rates: {}, script, slowFirstTokenMs: 1000 },
    seed: 3,
    ...overrides,
  };
}

const REQUEST: ChatRequest = {
  model: 'sim-model',
  messages: [{ role: 'user', content: 'Say something.' }],
};

const TOOL_REQUEST: ChatRequest = {
  ...REQUEST,
  tools: [
    {
      type: 'function',
      function: {
        name: 'lookup',
        parameters: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
      },
    },
  ],
};

function options(signal = new AbortController().signal) {
  return { signal };
}

async function collect(
  iterable: AsyncIterable<ChatCompletionChunk>,
): Promise<{ chunks: ChatCompletionChunk[]; error: unknown }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of iterable) chunks.push(chunk);
    return { chunks, error: null };
  } catch (error) {
    return { chunks, error };
  }
}

async function rejection(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createSimProvider answers', () => {
  it('streams a role chunk, content chunks, a finish chunk and a usage chunk last', async () => {
    const provider = createSimProvider({ profile: profile(), model: 'sim-model' });
    const { chunks, error } = await collect(await provider.doStream(REQUEST, options()));
    expect(error).toBeNull();
    expect(provider.kind).toBe('sim');
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    const content = chunks.slice(1, -2);
    expect(content.length).toBeGreaterThan(0);
    for (const chunk of content) {
      expect(chunk.choices[0]?.finish_reason).toBeNull();
      expect(typeof chunk.choices[0]?.delta.content).toBe('string');
    }
    const text = content.map((chunk) => chunk.choices[0]?.delta.content).join('');
    expect(text.startsWith('[simulated]')).toBe(true);
    const finish = chunks.at(-2);
    expect(finish?.choices[0]).toEqual({
      index: 0,
      delta: {},
      logprobs: null,
      finish_reason: 'stop',
    });
    const usageChunk = chunks.at(-1);
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage?.completion_tokens).toBe(content.length);
    expect(usageChunk?.usage?.total_tokens).toBe(
      (usageChunk?.usage?.prompt_tokens ?? 0) + (usageChunk?.usage?.completion_tokens ?? 0),
    );
    for (const chunk of chunks) {
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk.id).toBe(chunks[0]?.id);
      expect(chunk.model).toBe('sim-model');
    }
  });

  it('completes with the same answer text the stream would give for the prompt', async () => {
    const provider = createSimProvider({ profile: profile(), model: 'sim-model' });
    const { completion, status } = await provider.doComplete(REQUEST, options());
    const { chunks } = await collect(await provider.doStream(REQUEST, options()));
    const streamed = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(status).toBe(200);
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content).toBe(streamed);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('streams a tool call as OpenAI does: id and name first, then argument fragments', async () => {
    const provider = createSimProvider({ profile: profile(), model: 'sim-model' });
    const { chunks, error } = await collect(await provider.doStream(TOOL_REQUEST, options()));
    expect(error).toBeNull();
    const head = chunks[0]?.choices[0]?.delta;
    expect(head?.role).toBe('assistant');
    expect(head?.tool_calls?.[0]).toMatchObject({
      index: 0,
      type: 'function',
      function: { name: 'lookup', arguments: '' },
    });
    expect(head?.tool_calls?.[0]?.id).toMatch(/^call_/);
    const argumentsJson = chunks
      .slice(1)
      .map((chunk) => chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '')
      .join('');
    expect(Number.isInteger(JSON.parse(argumentsJson).id)).toBe(true);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('tool_calls');
    const { completion } = await provider.doComplete(TOOL_REQUEST, options());
    expect(completion.choices[0]?.message.tool_calls?.[0]?.function.name).toBe('lookup');
    expect(completion.choices[0]?.message.content).toBeNull();
  });
});

describe('createSimProvider faults', () => {
  const beforeHeaders: Array<[SimFault, string, number | null]> = [
    ['server_error', 'server_error', 500],
    ['rate_limited', 'rate_limited', 429],
    ['rate_limited_no_retry_after', 'rate_limited', 429],
    ['reset_before_headers', 'connection_error', null],
    ['context_length_exceeded', 'context_length_exceeded', 400],
    ['content_filter', 'content_filter', 400],
  ];

  it.each(beforeHeaders)(
    '%s rejects doComplete and doStream with %s (status %s)',
    async (fault, errorClass, status) => {
      const provider = createSimProvider({ profile: profile([fault, fault]), model: 'sim-model' });
      for (const call of [
        provider.doComplete(REQUEST, options()),
        provider.doStream(REQUEST, options()),
      ]) {
        const error = await rejection(call);
        expect(error.errorClass).toBe(errorClass);
        expect(error.status).toBe(status);
        if (status !== null && status !== 429)
          expect(classifyHttpStatus(status, error.body ?? '')).toBe(errorClass);
      }
    },
  );

  it('sends Retry-After with rate_limited and none with rate_limited_no_retry_after', async () => {
    const provider = createSimProvider({
      profile: profile(['rate_limited', 'rate_limited_no_retry_after']),
      model: 'sim-model',
    });
    const limited = await rejection(provider.doComplete(REQUEST, options()));
    expect(limited.retryAfterMs).toBe(2000);
    expect(limited.headers['retry-after']).toBe('2');
    const bare = await rejection(provider.doComplete(REQUEST, options()));
    expect(bare.retryAfterMs).toBeNull();
    expect(bare.headers['retry-after']).toBeUndefined();
  });

  const midStream: Array<[SimFault, string]> = [
    ['cut_mid_stream', 'stream_truncated'],
    ['malformed_chunk', 'malformed_stream'],
  ];

  it.each(midStream)(
    '%s yields some chunks, then throws %s before any finish chunk',
    async (fault, errorClass) => {
      const provider = createSimProvider({ profile: profile([fault]), model: 'sim-model' });
      const { chunks, error } = await collect(await provider.doStream(REQUEST, options()));
      expect((error as UpstreamError).errorClass).toBe(errorClass);
      expect(chunks.length).toBeGreaterThanOrEqual(2);
      expect(chunks.some((chunk) => chunk.choices[0]?.finish_reason)).toBe(false);
    },
  );

  it('missing_done yields the whole answer with usage, then throws stream_truncated', async () => {
    const provider = createSimProvider({ profile: profile(['missing_done']), model: 'sim-model' });
    const { chunks, error } = await collect(await provider.doStream(REQUEST, options()));
    expect((error as UpstreamError).errorClass).toBe('stream_truncated');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)?.usage).toBeTruthy();
  });

  it('degrades stream faults for doComplete: cut → connection_error, malformed → malformed_stream, missing_done → ok', async () => {
    const provider = createSimProvider({
      profile: profile(['cut_mid_stream', 'malformed_chunk', 'missing_done']),
      model: 'sim-model',
    });
    expect((await rejection(provider.doComplete(REQUEST, options()))).errorClass).toBe(
      'connection_error',
    );
    expect((await rejection(provider.doComplete(REQUEST, options()))).errorClass).toBe(
      'malformed_stream',
    );
    expect((await provider.doComplete(REQUEST, options())).status).toBe(200);
  });

  it('no_response never settles until the signal aborts, then rejects with aborted', async () => {
    const provider = createSimProvider({
      profile: profile(['no_response', 'no_response']),
      model: 'sim-model',
    });
    for (const call of ['doComplete', 'doStream'] as const) {
      const controller = new AbortController();
      let settled = false;
      const pending = provider[call](REQUEST, options(controller.signal)).finally(() => {
        settled = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(settled).toBe(false);
      controller.abort();
      expect((await rejection(pending)).errorClass).toBe('aborted');
    }
    expect(provider.engine.load().inFlight).toBe(0);
  });

  it('stall_mid_stream stops producing, and an abort ends it promptly with aborted', async () => {
    const provider = createSimProvider({
      profile: profile(['stall_mid_stream']),
      model: 'sim-model',
    });
    const controller = new AbortController();
    const iterator = (await provider.doStream(REQUEST, options(controller.signal)))[
      Symbol.asyncIterator
    ]();
    const received: ChatCompletionChunk[] = [];
    let pending: Promise<IteratorResult<ChatCompletionChunk>> | null = null;
    for (let step = 0; step < 100 && pending === null; step++) {
      const next = iterator.next();
      const result = await Promise.race([
        next,
        new Promise<null>((resolve) => setTimeout(resolve, 100, null)),
      ]);
      if (result === null) pending = next;
      else if (!result.done) received.push(result.value);
    }
    expect(received.length).toBeGreaterThanOrEqual(2);
    expect(pending).not.toBeNull();
    const abortedAt = Date.now();
    controller.abort();
    expect((await rejection(pending as Promise<unknown>)).errorClass).toBe('aborted');
    expect(Date.now() - abortedAt).toBeLessThan(50);
    expect(provider.engine.load().inFlight).toBe(0);
  });

  it('slow_first_token delays the first chunk by slowFirstTokenMs', async () => {
    vi.useFakeTimers();
    const fixed = { ttftMs: { p50: 10, p95: 10 }, interTokenMs: { p50: 1, p95: 1 } };
    const provider = createSimProvider({
      profile: profile(['slow_first_token'], fixed),
      model: 'sim-model',
    });
    const iterator = (await provider.doStream(REQUEST, options()))[Symbol.asyncIterator]();
    let first: IteratorResult<ChatCompletionChunk> | null = null;
    const next = iterator.next().then((result) => {
      first = result;
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(first).toBeNull();
    await vi.advanceTimersByTimeAsync(10);
    await next;
    expect(first).not.toBeNull();
    await iterator.return?.();
  });
});

describe('createSimProvider capacity and aborts', () => {
  it('answers 429 with Retry-After when slots and queue are full, and frees the slot after', async () => {
    const tight = profile([], {
      ttftMs: { p50: 30, p95: 30 },
      capacity: { slots: 1, queue: 0, retryAfterS: 0.5 },
    });
    const provider = createSimProvider({ profile: tight, model: 'sim-model' });
    const first = provider.doComplete(REQUEST, options());
    const second = await rejection(provider.doComplete(REQUEST, options()));
    expect(second.errorClass).toBe('rate_limited');
    expect(second.retryAfterMs).toBe(500);
    expect((await first).status).toBe(200);
    expect((await provider.doComplete(REQUEST, options())).status).toBe(200);
  });

  it('rejects with aborted when the signal aborts while queued or before the call', async () => {
    const tight = profile([], {
      ttftMs: { p50: 200, p95: 200 },
      capacity: { slots: 1, queue: 1, retryAfterS: 1 },
    });
    const provider = createSimProvider({ profile: tight, model: 'sim-model' });
    const holder = new AbortController();
    const first = provider.doComplete(REQUEST, options(holder.signal));
    const controller = new AbortController();
    const queued = provider.doStream(REQUEST, options(controller.signal));
    controller.abort();
    expect((await rejection(queued)).errorClass).toBe('aborted');
    holder.abort();
    expect((await rejection(first)).errorClass).toBe('aborted');
    expect(
      (await rejection(provider.doComplete(REQUEST, options(AbortSignal.abort())))).errorClass,
    ).toBe('aborted');
    expect(provider.engine.load()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('frees the slot when a consumer breaks out of the stream early', async () => {
    const provider = createSimProvider({
      profile: profile([], { capacity: { slots: 1, queue: 0, retryAfterS: 1 } }),
      model: 'sim-model',
    });
    for await (const _chunk of await provider.doStream(REQUEST, options())) break;
    expect(provider.engine.load().inFlight).toBe(0);
  });
});
