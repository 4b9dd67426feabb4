import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatCompletionChunk, ChatRequest } from '../core/chat-types.js';
import type { AttemptErrorClass } from '../core/error-codes.js';
import { UpstreamError } from '../core/switchyard-error.js';
import type { ChatProvider } from './chat-provider.js';

/**
 * The behaviour every ChatProvider must show, whatever wire it speaks. Modelled on Hono's
 * `router/common.case.test.ts`: each provider's test file calls runProviderConformance with a
 * harness that makes the provider face each scenario (a fixture upstream, or the simulator).
 * Assertions are about shape and lifecycle, never about specific text.
 */

/** What the upstream does in a scenario. */
export type ConformanceScenario =
  | 'text'
  | 'tool_call'
  | 'server_error'
  | 'rate_limited'
  | 'truncated_stream'
  | 'malformed_chunk'
  | 'context_length_exceeded';

/** Builds providers that face each scenario; set up before and closed after every test. */
export interface ConformanceHarness {
  provider(scenario: ConformanceScenario): ChatProvider;
  close(): Promise<void>;
}

/** A plain text request. */
export const CONFORMANCE_TEXT_REQUEST: ChatRequest = {
  model: 'conformance',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'What is the capital of France?' },
  ],
  max_tokens: 64,
};

/** A request that must be answered with a get_weather call. */
export const CONFORMANCE_TOOL_REQUEST: ChatRequest = {
  model: 'conformance',
  messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
  max_tokens: 128,
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Current weather for a city.',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string' } },
          required: ['city'],
        },
      },
    },
  ],
  tool_choice: 'required',
};

/** Bounds every drain so a broken provider fails the test instead of hanging it. */
const MAX_CHUNKS = 10_000;

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) {
    chunks.push(chunk);
    if (chunks.length > MAX_CHUNKS) throw new Error(`more than ${MAX_CHUNKS} chunks`);
  }
  return chunks;
}

/** Run a promise expected to fail and return its UpstreamError. */
async function upstreamErrorOf(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError);
    return error as UpstreamError;
  }
  throw new Error('expected an UpstreamError, but the call succeeded');
}

/** Drain a stream expected to fail; returns the error and the chunks seen before it. */
async function streamFailure(
  stream: AsyncIterable<ChatCompletionChunk>,
): Promise<{ error: UpstreamError; chunks: ChatCompletionChunk[] }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of stream) {
      chunks.push(chunk);
      if (chunks.length > MAX_CHUNKS) break;
    }
  } catch (error) {
    expect(error).toBeInstanceOf(UpstreamError);
    return { error: error as UpstreamError, chunks };
  }
  throw new Error(`expected the stream to throw, but it completed after ${chunks.length} chunks`);
}

function signal(): AbortSignal {
  return new AbortController().signal;
}

/** Assemble streamed tool-call deltas by index. */
function assembleToolCalls(
  chunks: ChatCompletionChunk[],
): Array<{ id: string; name: string; arguments: string }> {
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  for (const chunk of chunks) {
    for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
      const call = calls[delta.index] ?? { id: '', name: '', arguments: '' };
      calls[delta.index] = call;
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.name += delta.function.name;
      if (delta.function?.arguments) call.arguments += delta.function.arguments;
    }
  }
  return calls;
}

function finishReasons(chunks: ChatCompletionChunk[]): string[] {
  return chunks.flatMap((chunk) =>
    chunk.choices.flatMap((choice) =>
      choice.finish_reason === null ? [] : [choice.finish_reason],
    ),
  );
}

function expectWeatherArguments(text: string): void {
  const parsed: unknown = JSON.parse(text);
  expect(parsed).toBeTypeOf('object');
  expect(typeof (parsed as { city?: unknown }).city).toBe('string');
}

/** Register the conformance tests for one provider. */
export function runProviderConformance(
  name: string,
  setup: () => Promise<ConformanceHarness>,
): void {
  describe(`${name} provider conformance`, () => {
    let harness: ConformanceHarness;

    beforeEach(async () => {
      harness = await setup();
    });

    afterEach(async () => {
      await harness.close();
    });

    it('completes text with content, finish_reason stop and usage', async () => {
      const { completion } = await harness.provider('text').doComplete(CONFORMANCE_TEXT_REQUEST, {
        signal: signal(),
      });
      expect(completion.object).toBe('chat.completion');
      expect(completion.id).not.toBe('');
      const choice = completion.choices[0];
      expect(choice?.message.role).toBe('assistant');
      expect(choice?.message.content?.length ?? 0).toBeGreaterThan(0);
      expect(choice?.finish_reason).toBe('stop');
      expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
      expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
      expect(completion.usage?.total_tokens).toBe(
        (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
      );
    });

    it('streams text: role first, content, exactly one finish_reason, usage last, then completes', async () => {
      const stream = await harness
        .provider('text')
        .doStream(CONFORMANCE_TEXT_REQUEST, { signal: signal() });
      const chunks = await collect(stream);
      expect(chunks.length).toBeGreaterThan(2);
      const firstWithChoice = chunks.find((chunk) => chunk.choices.length > 0);
      expect(firstWithChoice?.choices[0]?.delta.role).toBe('assistant');
      for (const chunk of chunks) expect(chunk.object).toBe('chat.completion.chunk');
      const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
      expect(text.length).toBeGreaterThan(0);
      expect(finishReasons(chunks)).toEqual(['stop']);
      const usage = chunks[chunks.length - 1]?.usage;
      expect(usage?.prompt_tokens).toBeGreaterThan(0);
      expect(usage?.completion_tokens).toBeGreaterThan(0);
      expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    });

    it('completes a required tool call with get_weather and JSON arguments', async () => {
      const { completion } = await harness
        .provider('tool_call')
        .doComplete(CONFORMANCE_TOOL_REQUEST, {
          signal: signal(),
        });
      const choice = completion.choices[0];
      expect(choice?.finish_reason).toBe('tool_calls');
      const call = choice?.message.tool_calls?.[0];
      expect(call?.type).toBe('function');
      expect(call?.id).toBeTruthy();
      expect(call?.function.name).toBe('get_weather');
      expectWeatherArguments(call?.function.arguments ?? '');
    });

    it('streams a required tool call whose deltas assemble into get_weather with JSON arguments', async () => {
      const stream = await harness
        .provider('tool_call')
        .doStream(CONFORMANCE_TOOL_REQUEST, { signal: signal() });
      const chunks = await collect(stream);
      const calls = assembleToolCalls(chunks);
      expect(calls.length).toBeGreaterThan(0);
      expect(calls[0]?.id).toBeTruthy();
      expect(calls[0]?.name).toBe('get_weather');
      expectWeatherArguments(calls[0]?.arguments ?? '');
      expect(finishReasons(chunks)).toEqual(['tool_calls']);
    });

    const failingCalls: Array<[ConformanceScenario, AttemptErrorClass, boolean]> = [
      ['server_error', 'server_error', true],
      ['rate_limited', 'rate_limited', true],
      ['context_length_exceeded', 'context_length_exceeded', false],
    ];
    for (const [scenario, errorClass, retryable] of failingCalls) {
      it(`rejects ${scenario} as ${errorClass} (retryable: ${retryable}) on complete and stream`, async () => {
        const provider = harness.provider(scenario);
        const completeError = await upstreamErrorOf(
          provider.doComplete(CONFORMANCE_TEXT_REQUEST, { signal: signal() }),
        );
        expect(completeError.errorClass).toBe(errorClass);
        expect(completeError.isRetryable).toBe(retryable);
        const streamError = await upstreamErrorOf(
          provider.doStream(CONFORMANCE_TEXT_REQUEST, { signal: signal() }),
        );
        expect(streamError.errorClass).toBe(errorClass);
        expect(streamError.isRetryable).toBe(retryable);
        if (errorClass === 'rate_limited' && streamError.retryAfterMs !== null) {
          expect(streamError.retryAfterMs).toBeGreaterThanOrEqual(0);
        }
      });
    }

    it('throws stream_truncated from a stream that ends early, never completing normally', async () => {
      const stream = await harness.provider('truncated_stream').doStream(CONFORMANCE_TEXT_REQUEST, {
        signal: signal(),
      });
      const { error } = await streamFailure(stream);
      expect(error.errorClass).toBe('stream_truncated');
      expect(error.isRetryable).toBe(true);
    });

    it('throws malformed_stream from a stream with an unparseable event', async () => {
      const stream = await harness.provider('malformed_chunk').doStream(CONFORMANCE_TEXT_REQUEST, {
        signal: signal(),
      });
      const { error } = await streamFailure(stream);
      expect(error.errorClass).toBe('malformed_stream');
    });

    it('throws aborted within 1 s when the signal is aborted mid-stream', async () => {
      const controller = new AbortController();
      const stream = await harness.provider('text').doStream(CONFORMANCE_TEXT_REQUEST, {
        signal: controller.signal,
      });
      const iterator = stream[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(first.done).toBe(false);
      const abortedAt = performance.now();
      controller.abort();
      let caught: unknown;
      try {
        for (let step = 0; step < MAX_CHUNKS; step++) {
          const next = await iterator.next();
          if (next.done) break;
        }
      } catch (error) {
        caught = error;
      }
      expect(performance.now() - abortedAt).toBeLessThan(1000);
      expect(caught).toBeInstanceOf(UpstreamError);
      expect((caught as UpstreamError).errorClass).toBe('aborted');
    });

    it('rejects with aborted when the signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      const provider = harness.provider('text');
      const completeError = await upstreamErrorOf(
        provider.doComplete(CONFORMANCE_TEXT_REQUEST, { signal: controller.signal }),
      );
      expect(completeError.errorClass).toBe('aborted');
      const streamError = await upstreamErrorOf(
        provider.doStream(CONFORMANCE_TEXT_REQUEST, { signal: controller.signal }),
      );
      expect(streamError.errorClass).toBe('aborted');
    });
  });
}
