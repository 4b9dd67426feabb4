import type { ChatCompletionChunk, ChatRequest } from '../../core/chat-types.js';
import { UpstreamError } from '../../core/switchyard-error.js';
import type { ChatProvider, ProviderCallOptions, ProviderCompletion } from '../chat-provider.js';
import { waitForAbort, waitMs } from './abortable-wait.js';
import { createPieceSchedule } from './piece-schedule.js';
import {
  createSimEngine,
  type SimEngine,
  type SimPlan,
  type SimSlotRelease,
} from './sim-engine.js';
import {
  openAiErrorBody,
  retryAfterHeaders,
  type SimErrorKind,
  simFaultError,
} from './sim-fault-error.js';
import {
  type SimChunkFrame,
  simCompletion,
  simFinishChunk,
  simPieceChunk,
  simRoleChunk,
  simUsageChunk,
} from './sim-openai-shapes.js';
import type { SimProfile } from './sim-profile.js';

/** A time source, in ms since the epoch. */
export interface SimClock {
  now(): number;
}

/** Options of the in-process sim provider. */
export interface SimProviderOptions {
  profile: SimProfile;
  /** The model name answers carry. */
  model: string;
  /** Time source for `created` and the stream schedule; Date.now by default. */
  clock?: SimClock;
  /** Prompts counted above this many tokens fail with context_length_exceeded. Default 128 000. */
  contextWindow?: number;
}

/** The in-process sim provider; `engine` exposes its load and request count to tests. */
export interface SimProvider extends ChatProvider {
  readonly engine: SimEngine;
}

const SYSTEM_CLOCK: SimClock = { now: () => Date.now() };

/**
 * A ChatProvider that simulates a model in-process with real timers: no sockets, so it costs
 * little under load. Faults become the UpstreamErrors a real provider would raise for the same
 * failure on the wire, so the routing core cannot tell the two apart.
 *
 * Non-streaming calls degrade the stream-only faults: cut_mid_stream fails with connection_error
 * halfway through the answer's time (a body cut off on the wire surfaces as a socket error),
 * stall_mid_stream never answers until aborted, malformed_chunk fails with malformed_stream (an
 * unparseable body) after the full time, and missing_done succeeds.
 */
export function createSimProvider(options: SimProviderOptions): SimProvider {
  const { profile, model } = options;
  const clock = options.clock ?? SYSTEM_CLOCK;
  const engine = createSimEngine(profile, {
    modelName: model,
    contextWindow: options.contextWindow,
  });
  const now = (): number => clock.now();

  /** Plan the call and throw the faults that answer before any generation. */
  function start(request: ChatRequest, signal: AbortSignal): SimPlan {
    if (signal.aborted) throw abortedError();
    const plan = engine.plan(request);
    switch (plan.fault) {
      case 'server_error':
      case 'rate_limited':
      case 'rate_limited_no_retry_after':
      case 'context_length_exceeded':
      case 'content_filter':
        throw faultError(plan.fault, plan);
      case 'reset_before_headers':
        throw new UpstreamError({
          errorClass: 'connection_error',
          message: 'socket hang up: the simulated upstream reset the connection before headers',
        });
      default:
        return plan;
    }
  }

  /** Take a capacity slot, or throw the 429 a full server gives (or 'aborted'). */
  async function admit(plan: SimPlan, signal: AbortSignal): Promise<SimSlotRelease> {
    const admission = engine.acquire(signal);
    if (admission === 'rejected') throw faultError('capacity', plan);
    const release = await admission;
    if (!release) throw abortedError();
    return release;
  }

  function faultError(kind: SimErrorKind, plan: SimPlan): UpstreamError {
    const error = simFaultError(kind, plan, profile);
    return new UpstreamError({
      errorClass: error.errorClass,
      message: error.message,
      status: error.status,
      headers: { 'content-type': 'application/json', ...retryAfterHeaders(error) },
      body: openAiErrorBody(error),
      retryAfterMs: error.retryAfterS === null ? undefined : error.retryAfterS * 1000,
    });
  }

  async function doComplete(
    request: ChatRequest,
    callOptions: ProviderCallOptions,
  ): Promise<ProviderCompletion> {
    const { signal } = callOptions;
    const plan = start(request, signal);
    const release = await admit(plan, signal);
    try {
      switch (plan.fault) {
        case 'no_response':
        case 'stall_mid_stream':
          await waitForAbort(signal);
          throw abortedError();
        case 'cut_mid_stream':
          if (
            !(await waitMs(plan.ttftMs + (plan.faultAfterPieces - 1) * plan.interTokenMs, signal))
          ) {
            throw abortedError();
          }
          throw new UpstreamError({
            errorClass: 'connection_error',
            status: 200,
            message: 'other side closed: the simulated upstream cut the response body short',
          });
        default:
          if (!(await waitMs(plan.durationMs, signal))) throw abortedError();
          if (plan.fault === 'malformed_chunk') {
            throw new UpstreamError({
              errorClass: 'malformed_stream',
              status: 200,
              message: 'the simulated upstream sent a response body that is not JSON',
              body: '{not json',
            });
          }
          return { completion: simCompletion(plan, model, Math.floor(now() / 1000)), status: 200 };
      }
    } finally {
      release();
    }
  }

  async function doStream(
    request: ChatRequest,
    callOptions: ProviderCallOptions,
  ): Promise<AsyncIterable<ChatCompletionChunk>> {
    const { signal } = callOptions;
    const plan = start(request, signal);
    const release = await admit(plan, signal);
    if (plan.fault === 'no_response') {
      await waitForAbort(signal);
      release();
      throw abortedError();
    }
    /*
     * The slot is held from acceptance until the stream ends. The generator's `finally` frees it
     * when the consumer finishes, breaks out or sees an error; the abort listener frees it when
     * the caller gives up on a stream it never iterated (a generator that never started has no
     * `finally` to run). The release function is idempotent, so both paths may fire.
     */
    signal.addEventListener('abort', release, { once: true });
    const acceptedAt = now();
    const frame: SimChunkFrame = {
      plan,
      model,
      created: Math.floor(acceptedAt / 1000),
      includeUsage: true,
    };
    return streamChunks(plan, frame, acceptedAt, signal, () => {
      signal.removeEventListener('abort', release);
      release();
    });
  }

  /*
   * Emits the answer on the plan's schedule. A mid-stream fault strikes before piece
   * `faultAfterPieces` (so at least the role chunk and one piece have gone out); when the answer
   * has a single piece the fault strikes after it, before the finish chunk. Every wait races the
   * signal, so an abort ends the stream within a tick with an 'aborted' UpstreamError.
   */
  async function* streamChunks(
    plan: SimPlan,
    frame: SimChunkFrame,
    acceptedAt: number,
    signal: AbortSignal,
    done: () => void,
  ): AsyncGenerator<ChatCompletionChunk> {
    // Checked as the consumer resumes the generator, so nothing is yielded after an abort.
    const live = (chunk: ChatCompletionChunk): ChatCompletionChunk => {
      if (signal.aborted) throw abortedError();
      return chunk;
    };
    try {
      const schedule = createPieceSchedule(plan, acceptedAt, now);
      const count = plan.pieces.length;
      for (let index = 0; index <= count; index++) {
        if (index === plan.faultAfterPieces) await midStreamFault(plan.fault, signal);
        if (index === count) break;
        const delay = schedule.delayBefore(index);
        if (delay > 0 && !(await waitMs(delay, signal))) throw abortedError();
        if (index === 0) yield live(simRoleChunk(frame));
        yield live(simPieceChunk(frame, index));
      }
      yield live(simFinishChunk(frame));
      yield live(simUsageChunk(frame));
      if (signal.aborted) throw abortedError();
      if (plan.fault === 'missing_done') {
        throw new UpstreamError({
          errorClass: 'stream_truncated',
          status: 200,
          message: 'the simulated stream ended after its finish chunk without [DONE]',
        });
      }
    } finally {
      done();
    }
  }

  return {
    kind: 'sim',
    model,
    engine,
    doComplete,
    doStream,
    close: () => Promise.resolve(),
  };
}

async function midStreamFault(fault: SimPlan['fault'], signal: AbortSignal): Promise<void> {
  switch (fault) {
    case 'cut_mid_stream':
      throw new UpstreamError({
        errorClass: 'stream_truncated',
        status: 200,
        message: 'the simulated stream was cut before its finish chunk and [DONE]',
      });
    case 'stall_mid_stream':
      await waitForAbort(signal);
      throw abortedError();
    case 'malformed_chunk':
      throw new UpstreamError({
        errorClass: 'malformed_stream',
        status: 200,
        message: 'the simulated stream sent an event that is not JSON',
        body: 'data: {not json',
      });
  }
}

function abortedError(): UpstreamError {
  return new UpstreamError({
    errorClass: 'aborted',
    message: 'the call to the simulated model was aborted',
  });
}
