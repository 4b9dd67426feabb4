import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../core/chat-types.js';
import type { AttemptErrorClass } from '../core/error-codes.js';
import { UpstreamError } from '../core/switchyard-error.js';
import type { ChatProvider } from '../providers/chat-provider.js';
import {
  type CircuitBreaker,
  createAttemptSignal,
  guardStream,
  retryDelayMs,
  sleep,
} from '../resilience/index.js';
import type { AttemptRecord } from '../telemetry/request-record.js';
import type { RouteConfig, RouteStep, TargetConfig } from './policy/policy-types.js';
import { describeAttempts, finalErrorCode, RouteFailedError } from './route-failed-error.js';

/** What the executor needs from the gateway's current state. */
export interface RouteRuntime {
  target(name: string): TargetConfig | undefined;
  provider(name: string): ChatProvider;
  breaker(name: string): CircuitBreaker;
  /**
   * Make the conversation fit the target's window, or say it cannot. Returns the request to send
   * (possibly with fewer turns) and a note for the log, or null to skip the target.
   */
  fitContext?(
    request: ChatRequest,
    target: TargetConfig,
    route: RouteConfig,
    promptTokens: number,
  ): Promise<{ request: ChatRequest; note: string | null } | null>;
  /**
   * Per-attempt rate and concurrency limits of a target (the gateway's limits). Null means the
   * target is over its limit and is skipped like an open breaker; the hold is released when the
   * attempt ends.
   */
  admitTarget?(name: string): Promise<{ release(): void } | null>;
  /** Injected for deterministic backoff in tests. */
  random?: () => number;
}

/** One request to run through a route. */
export interface RoutePlan {
  route: RouteConfig;
  request: ChatRequest;
  promptTokens: number;
  /**
   * Aborted when the client goes away. It may be a lean signal (core/lean-abort-controller.ts):
   * listen to it; hand it to AbortSignal.any() or fetch() only through nativeAbortSignal().
   */
  signal: AbortSignal;
}

/**
 * Bookkeeping shared by both call styles. Outcomes copy its fields by name rather than with a
 * spread: on Node 20, adding keys to an object built by a spread gives every copy its own hidden
 * class, ~1 KB of old-generation garbage per request (.notes/perf-findings.md).
 */
export interface ExecutionTrace {
  attempts: AttemptRecord[];
  /** Time spent in backoff sleeps: policy, not gateway overhead. */
  backoffMs: number;
  /** What context fitting did, if anything. */
  contextFit: string | null;
}

/** A completed non-streaming call. */
export interface CompletionOutcome extends ExecutionTrace {
  target: TargetConfig;
  completion: ChatCompletion;
  /** The upstream labelled the answer simulated (a standalone sim server behind the target). */
  simulated: boolean;
}

/**
 * A stream that has produced its first content chunk and is now committed to the client.
 * `head` holds the chunks read so far; `rest` yields the remainder and throws `UpstreamError`
 * if the stream fails after the commit.
 */
export interface StreamOutcome extends ExecutionTrace {
  target: TargetConfig;
  /** The upstream labelled the stream simulated (a standalone sim server behind the target). */
  simulated: boolean;
  head: ChatCompletionChunk[];
  rest: AsyncIterable<ChatCompletionChunk>;
  /** ms from the start of the winning attempt to its first content chunk. */
  ttftMs: number;
  /** Stop the upstream (client went away). */
  cancel(): void;
}

/** Classes that say nothing about a target's health: they neither open nor close its breaker. */
const HEALTH_NEUTRAL: ReadonlySet<AttemptErrorClass> = new Set([
  'aborted',
  'bad_request',
  'context_length_exceeded',
  'content_filter',
]);

/** Run a non-streaming request through the route's chain. */
export async function executeCompletion(
  plan: RoutePlan,
  runtime: RouteRuntime,
): Promise<CompletionOutcome> {
  return runChain(plan, runtime, async (attempt) => {
    const { completion, simulated } = await attempt.provider.doComplete(attempt.request, {
      signal: attempt.signal,
    });
    attempt.record.status = 200;
    attempt.record.ttftMs = attempt.elapsed();
    attempt.succeed();
    return (trace) => ({
      attempts: trace.attempts,
      backoffMs: trace.backoffMs,
      contextFit: trace.contextFit,
      target: attempt.target,
      completion,
      simulated: simulated === true,
    });
  });
}

/**
 * Run a streaming request through the route's chain.
 *
 * Nothing reaches the client until a target has produced its first content chunk: the role-only
 * opening chunk is held back with it. Until then any failure (error status, reset, a stall before
 * the first token, a TTFT timeout) moves on to the next attempt and the client never knows.
 * Once this resolves the stream is committed; later failures surface from `rest`.
 */
export async function executeStream(
  plan: RoutePlan,
  runtime: RouteRuntime,
): Promise<StreamOutcome> {
  return runChain(plan, runtime, async (attempt) => {
    const source = await attempt.provider.doStream(attempt.request, { signal: attempt.signal });
    const guarded = guardStream(source, {
      firstItemTimeoutMs: Math.max(1, attempt.ttftLimitMs - attempt.elapsed()),
      idleTimeoutMs: attempt.step.timeouts.streamIdleMs,
      isContent: isContentChunk,
      onTimeout: (kind) => attempt.abort(kind),
    });
    const iterator = guarded[Symbol.asyncIterator]();
    const head: ChatCompletionChunk[] = [];
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      head.push(next.value);
      if (isContentChunk(next.value)) break;
    }
    attempt.record.status = 200;
    attempt.record.ttftMs = attempt.elapsed();
    attempt.commit();
    const ttftMs = attempt.record.ttftMs;
    return (trace) => ({
      attempts: trace.attempts,
      backoffMs: trace.backoffMs,
      contextFit: trace.contextFit,
      target: attempt.target,
      simulated: source.simulated === true,
      head,
      ttftMs,
      rest: continueStream(iterator, attempt),
      cancel: () => attempt.abort('aborted'),
    });
  });
}

/** Whether a chunk carries something the client would see as the answer starting. */
function isContentChunk(chunk: ChatCompletionChunk): boolean {
  for (const choice of chunk.choices) {
    const delta = choice.delta;
    if (delta.content || delta.tool_calls?.length || delta.refusal || choice.finish_reason)
      return true;
  }
  return false;
}

/**
 * Yield the committed stream's remaining chunks. Success is decided here, not at commit: the
 * breaker hears about the attempt only when the upstream's terminal marker arrives (success) or
 * the stream dies (failure), and the attempt's latency covers the whole stream.
 */
function continueStream(
  iterator: AsyncIterator<ChatCompletionChunk>,
  attempt: Attempt,
): AsyncIterableIterator<ChatCompletionChunk> {
  return new CommittedStream(iterator, attempt);
}

const STREAM_DONE: IteratorReturnResult<undefined> = Object.freeze({
  done: true,
  value: undefined,
});
const ignore = (): void => {};

/*
 * Stream lifecycle: this class is the async generator below, hand-written, because an async
 * generator costs an await, a yield and a fresh iterator result per chunk on the hottest path.
 *
 *   async function* continueStream(iterator, attempt) {
 *     let finished = false;
 *     try {
 *       for (;;) { const next = await iterator.next(); if (next.done) break; yield next.value; }
 *       finished = true;
 *       attempt.succeed();
 *     } catch (error) {
 *       const upstream = attempt.explain(error); attempt.fail(upstream); throw upstream;
 *     } finally {
 *       // The consumer stopped early (client went away): stop the upstream, blame nobody.
 *       if (!finished && !attempt.settled) { attempt.abort('aborted'); attempt.fail(aborted); }
 *       await iterator.return?.();
 *     }
 *   }
 *
 * A chunk now costs one `.then()` on the source's promise (pre-bound handlers, the source's own
 * iterator result handed through). The cold exits keep the generator's exact order in #settle and
 * #stop. Generator states are mirrored: `return()` before the first `next()` completes it without
 * running anything (a suspended-start generator skips its `finally`); `return()` while a `next()`
 * is in flight waits for it, as a generator queues the request; every call after the end answers
 * done.
 */
class CommittedStream implements AsyncIterableIterator<ChatCompletionChunk> {
  readonly #iterator: AsyncIterator<ChatCompletionChunk>;
  readonly #attempt: Attempt;
  #started = false;
  #closed = false;
  #inFlight: Promise<IteratorResult<ChatCompletionChunk>> | null = null;

  constructor(iterator: AsyncIterator<ChatCompletionChunk>, attempt: Attempt) {
    this.#iterator = iterator;
    this.#attempt = attempt;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (this.#closed) return Promise.resolve(STREAM_DONE);
    if (this.#inFlight !== null) {
      // An async generator queues a second next(); so do we, behind the first, whatever it gave.
      const again = (): Promise<IteratorResult<ChatCompletionChunk>> => this.next();
      return this.#inFlight.then(again, again);
    }
    this.#started = true;
    let pending: Promise<IteratorResult<ChatCompletionChunk>>;
    try {
      pending = this.#iterator.next().then(this.#onResult, this.#onError);
    } catch (error) {
      return this.#onError(error);
    }
    this.#inFlight = pending;
    return pending;
  }

  async return(): Promise<IteratorResult<ChatCompletionChunk>> {
    if (this.#inFlight !== null) await this.#inFlight.then(ignore, ignore);
    if (this.#closed) return STREAM_DONE;
    this.#closed = true;
    if (!this.#started) return STREAM_DONE;
    await this.#stop();
    return STREAM_DONE;
  }

  readonly #onResult = (
    result: IteratorResult<ChatCompletionChunk>,
  ): IteratorResult<ChatCompletionChunk> | Promise<IteratorResult<ChatCompletionChunk>> => {
    this.#inFlight = null;
    if (result.done !== true) return result;
    return this.#settle(true, undefined);
  };

  readonly #onError = (error: unknown): Promise<IteratorResult<ChatCompletionChunk>> => {
    this.#inFlight = null;
    return this.#settle(false, error);
  };

  /** The generator's exit after its loop: source done (success) or source error (failure). */
  async #settle(ended: boolean, error: unknown): Promise<IteratorResult<ChatCompletionChunk>> {
    this.#closed = true;
    let finished = false;
    try {
      if (!ended) throw error;
      finished = true;
      this.#attempt.succeed();
      return STREAM_DONE;
    } catch (caught) {
      const upstream = this.#attempt.explain(caught);
      this.#attempt.fail(upstream);
      throw upstream;
    } finally {
      if (!finished) this.#abandon();
      await this.#iterator.return?.();
    }
  }

  /** The generator's `finally` when the consumer returns early, at a yield. */
  async #stop(): Promise<void> {
    this.#abandon();
    await this.#iterator.return?.();
  }

  #abandon(): void {
    if (this.#attempt.settled) return;
    // The consumer stopped early (client went away): stop the upstream, blame nobody.
    this.#attempt.abort('aborted');
    this.#attempt.fail(
      new UpstreamError({ errorClass: 'aborted', message: 'client closed the stream' }),
    );
  }
}

/** The state of one upstream call, handed to the call-style specific part. */
interface Attempt {
  target: TargetConfig;
  step: RouteStep;
  provider: ChatProvider;
  request: ChatRequest;
  signal: AbortSignal;
  record: AttemptRecord;
  /** TTFT limit: the step's ttft timeout, tightened by its latency budget. */
  ttftLimitMs: number;
  settled: boolean;
  elapsed(): number;
  abort(reason: AttemptErrorClass): void;
  /** Stream committed: keep timers that guard the rest, stop the TTFT/budget timer. */
  commit(): void;
  succeed(): void;
  fail(error: UpstreamError): void;
  /** Turn whatever was thrown into an UpstreamError with the right class. */
  explain(error: unknown): UpstreamError;
}

type Finish<T> = (trace: ExecutionTrace) => T;

/**
 * The failover loop shared by both call styles. For each step of the chain, in order: skip the
 * target if its breaker is open or the prompt cannot fit its window; otherwise try it up to
 * `maxAttempts` times with full-jitter backoff (Retry-After honoured up to the cap). An error
 * whose class the step's `fallback_on` lists moves on to the next step; any other error ends
 * the request with that error. A 400-class error is never retried on the same target.
 */
async function runChain<T>(
  plan: RoutePlan,
  runtime: RouteRuntime,
  call: (attempt: Attempt) => Promise<Finish<T>>,
): Promise<T> {
  const { route } = plan;
  const trace: ExecutionTrace = { attempts: [], backoffMs: 0, contextFit: null };
  const startedAt = performance.now();
  const deadlineAt = startedAt + route.deadlineMs;
  let lastError: UpstreamError | null = null;
  let retryAfterMs: number | null = null;
  // After an upstream says the prompt is too long, only a strictly larger window can help.
  let windowTooSmall = 0;

  const fail = (error: UpstreamError | null): never => {
    const code = plan.signal.aborted ? 'client_closed' : finalErrorCode(error?.errorClass ?? null);
    const detail = describeAttempts(trace.attempts) || 'no target could be tried';
    const passThrough = code === 'upstream_bad_request' || code === 'content_filter';
    throw new RouteFailedError(code, `route "${route.name}" failed: ${detail}`, trace.attempts, {
      retryAfterMs,
      upstreamMessage: passThrough ? upstreamMessageOf(error) : null,
      cause: error ?? undefined,
    });
  };

  for (const step of route.chain) {
    const target = runtime.target(step.target);
    if (!target) continue;

    if (target.contextWindow <= windowTooSmall) {
      trace.attempts.push(skipped(target.name, 'context_window_skip'));
      continue;
    }
    let request: ChatRequest = { ...plan.request, model: target.model };
    if (plan.promptTokens > target.contextWindow) {
      const fitted =
        (await runtime.fitContext?.(plan.request, target, route, plan.promptTokens)) ?? null;
      if (!fitted) {
        trace.attempts.push(skipped(target.name, 'context_window_skip'));
        lastError = new UpstreamError({
          errorClass: 'context_window_skip',
          message: `prompt of ${plan.promptTokens} tokens exceeds ${target.name}'s window of ${target.contextWindow}`,
        });
        continue;
      }
      request = { ...fitted.request, model: target.model };
      trace.contextFit = fitted.note;
    }

    const breaker = runtime.breaker(target.name);
    let moveOn = false;
    for (let attemptNumber = 1; attemptNumber <= step.maxAttempts && !moveOn; attemptNumber++) {
      if (plan.signal.aborted) fail(lastError);
      const remainingMs = deadlineAt - performance.now();
      if (remainingMs <= 0) throwDeadline(route, trace);
      if (!breaker.tryAcquire()) {
        trace.attempts.push(skipped(target.name, 'circuit_open'));
        lastError = new UpstreamError({
          errorClass: 'circuit_open',
          message: `${target.name} breaker open`,
        });
        break;
      }

      const hold = runtime.admitTarget ? await runtime.admitTarget(target.name) : NO_HOLD;
      if (!hold) {
        breaker.release();
        trace.attempts.push(skipped(target.name, 'target_limited'));
        lastError = new UpstreamError({
          errorClass: 'target_limited',
          message: `${target.name} is at its limit`,
        });
        break;
      }
      const attempt = startAttempt(
        plan,
        runtime,
        step,
        target,
        breaker,
        request,
        remainingMs,
        hold,
      );
      trace.attempts.push(attempt.record);
      try {
        const finish = await call(attempt);
        return finish(trace);
      } catch (error) {
        const upstream = attempt.explain(error);
        attempt.fail(upstream);
        lastError = upstream;
        if (upstream.errorClass === 'rate_limited' && upstream.retryAfterMs !== null) {
          retryAfterMs = Math.min(retryAfterMs ?? Number.POSITIVE_INFINITY, upstream.retryAfterMs);
        }
        if (upstream.errorClass === 'aborted') fail(upstream);
        if (upstream.errorClass === 'context_length_exceeded') {
          windowTooSmall = Math.max(windowTooSmall, target.contextWindow);
        }
        if (deadlineAt - performance.now() <= 0) throwDeadline(route, trace);

        const coveredByStep = step.fallbackOn.includes(upstream.errorClass);
        if (!upstream.isRetryable) {
          // A 400 (or a latency budget blown) will not get better on the same model.
          if (coveredByStep) moveOn = true;
          else fail(upstream);
          continue;
        }
        if (attemptNumber === step.maxAttempts) {
          if (!coveredByStep) fail(upstream);
          continue;
        }
        const delay = retryDelayMs(upstream, attemptNumber, route.retry, runtime.random);
        if ('moveOn' in delay) {
          if (!coveredByStep) fail(upstream);
          moveOn = true;
          continue;
        }
        const waitMs = Math.min(delay.delayMs, Math.max(0, deadlineAt - performance.now()));
        const sleptAt = performance.now();
        try {
          await sleep(waitMs, plan.signal);
        } catch {
          fail(lastError);
        }
        trace.backoffMs += performance.now() - sleptAt;
      }
    }
  }
  return fail(lastError);
}

const NO_HOLD = { release() {} };

function throwDeadline(route: RouteConfig, trace: ExecutionTrace): never {
  throw new RouteFailedError(
    'deadline_exceeded',
    `route "${route.name}" passed its ${route.deadlineMs} ms deadline: ${describeAttempts(trace.attempts)}`,
    trace.attempts,
  );
}

function skipped(target: string, errorClass: AttemptErrorClass): AttemptRecord {
  return { target, status: null, errorClass, latencyMs: 0, ttftMs: null, startedAt: Date.now() };
}

function upstreamMessageOf(error: UpstreamError | null): string | null {
  if (!error?.body) return error?.message ?? null;
  try {
    const parsed = JSON.parse(error.body) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
  } catch {
    // Not JSON: fall through to the raw message.
  }
  return error.message;
}

/**
 * Set up one upstream call: its record, its signal (client ∧ deadline ∧ total timeout) and its
 * TTFT / latency-budget timer. The timer aborts the call and remembers why, so the provider's
 * generic "aborted" can be reported as the timeout it really was.
 */
function startAttempt(
  plan: RoutePlan,
  _runtime: RouteRuntime,
  step: RouteStep,
  target: TargetConfig,
  breaker: CircuitBreaker,
  request: ChatRequest,
  remainingMs: number,
  hold: { release(): void },
): Attempt {
  const started = performance.now();
  const record: AttemptRecord = {
    target: target.name,
    status: null,
    errorClass: null,
    latencyMs: 0,
    ttftMs: null,
    startedAt: Date.now(),
  };
  const totalMs = Math.min(step.timeouts.totalMs, remainingMs);
  const linked = createAttemptSignal(plan.signal, totalMs);
  let abortReason: AttemptErrorClass | null = null;
  const budget = step.latencyBudgetMs;
  const ttftLimitMs = Math.min(step.timeouts.ttftMs, budget ?? Number.POSITIVE_INFINITY, totalMs);
  // Non-streaming calls have no first token to wait for, so only the budget applies to them.
  const firstTimerMs = plan.request.stream ? ttftLimitMs : (budget ?? null);
  const firstReason: AttemptErrorClass =
    budget !== null && (!plan.request.stream || budget <= step.timeouts.ttftMs)
      ? 'latency_budget'
      : 'ttft_timeout';
  let firstTimer: NodeJS.Timeout | null =
    firstTimerMs === null || firstTimerMs >= totalMs
      ? null
      : setTimeout(() => attempt.abort(firstReason), firstTimerMs);

  const clearFirstTimer = () => {
    if (firstTimer) clearTimeout(firstTimer);
    firstTimer = null;
  };
  const settle = () => {
    clearFirstTimer();
    linked.dispose();
    hold.release();
    record.latencyMs = performance.now() - started;
    attempt.settled = true;
  };

  const attempt: Attempt = {
    target,
    step,
    provider: _runtime.provider(target.name),
    request,
    signal: linked.signal,
    record,
    ttftLimitMs,
    settled: false,
    elapsed: () => performance.now() - started,
    abort(reason) {
      if (attempt.settled) return;
      abortReason ??= reason;
      linked.abort(reason);
    },
    commit: clearFirstTimer,
    succeed() {
      if (attempt.settled) return;
      settle();
      breaker.recordSuccess();
    },
    fail(error) {
      if (attempt.settled) return;
      settle();
      record.errorClass = error.errorClass;
      record.status ??= error.status;
      if (HEALTH_NEUTRAL.has(error.errorClass)) breaker.release();
      else breaker.recordFailure();
    },
    explain(error) {
      if (error instanceof UpstreamError) {
        if (error.errorClass === 'aborted' && !plan.signal.aborted) {
          const reason = abortReason ?? (linked.signal.aborted ? 'timeout' : 'aborted');
          return new UpstreamError({
            errorClass: reason,
            message: `${target.name}: ${reason}`,
            cause: error,
          });
        }
        return error;
      }
      if (abortReason && abortReason !== 'aborted') {
        return new UpstreamError({
          errorClass: abortReason,
          message: `${target.name}: ${abortReason}`,
          cause: error,
        });
      }
      const message = error instanceof Error ? error.message : String(error);
      return new UpstreamError({
        errorClass: 'server_error',
        message: `${target.name}: ${message}`,
        cause: error,
      });
    },
  };
  return attempt;
}
