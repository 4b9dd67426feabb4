import { setMaxListeners } from 'node:events';
import { buildSchedule } from './build-schedule.js';
import { createDispatchClock } from './dispatch-clock.js';
import { createLatencyHistogram } from './latency-histogram.js';
import { linkSessions } from './link-sessions.js';
import type { OpenLoopModel } from './load-model.js';

/**
 * When one request was meant to go and when it went, in ms from the run start. `send` is called
 * right after sentAt is read, so a send can time its own end on the same clock:
 * `latencyMs = sentAt − intendedAt + (performance.now() at the end − performance.now() on entry)`.
 */
export interface SendTiming {
  /** The item's index in `items`. */
  index: number;
  /** From the schedule (open loop), or equal to sentAt (closed loop). Measure latency from here. */
  intendedAt: number;
  sentAt: number;
}

/** A snapshot of a running load, for a progress bar. */
export interface LoadProgress {
  /** Sends that have settled. */
  done: number;
  total: number;
  inFlight: number;
  elapsedMs: number;
  /** Settled sends per second since the start. */
  ratePerSecond: number;
}

/** What runLoad needs. */
export interface RunLoadOptions<T> {
  items: T[];
  model: OpenLoopModel;
  /** Items of the same session are sent one at a time, in array order; null = independent. */
  sessionOf(item: T): string | null;
  /** Recorded arrival time in ms since the epoch, for `replay`; null when unknown. */
  tsOf(item: T): number | null;
  /**
   * Send one item and settle when it is done (answered or failed). Must not throw: it records its
   * own errors (a rejection is still counted, in `failedSends`). Should stop when `signal` aborts.
   */
  send(item: T, timing: SendTiming, signal: AbortSignal): Promise<void>;
  /** Seeds the Poisson/burst schedule; default 1. */
  seed?: number;
  /** Hard limit for the whole run: what has not been sent by then is not sent, the rest aborts. */
  maxDurationMs: number;
  /** At most this many sends outstanding; a due send waits for a slot. Default 10,000. */
  maxInFlight?: number;
  /** Aborting stops the run like maxDurationMs does, with `aborted: true`. */
  signal?: AbortSignal;
  onProgress?(progress: LoadProgress): void;
  /** How often onProgress is called, in ms; default 250. A last call comes at the end. */
  progressIntervalMs?: number;
  /** See createDispatchClock: polling window before each due time; 0 (for fake timers) disables it. */
  spinMs?: number;
  /** See createDispatchClock: how long one poll may block; 0 polls without blocking (busy). */
  pollSleepMs?: number;
  /** After an abort or timeout, how long to wait for sends to settle before returning; default 1,000. */
  abortGraceMs?: number;
}

/** What a run did, and how faithfully it kept to the schedule. */
export interface LoadRunStats {
  /** Wall-clock start, ms since the epoch. */
  startedAt: number;
  durationMs: number;
  sent: number;
  /** Sends that settled before the run returned. */
  completed: number;
  /** The schedule's offered rate; null for a closed loop (it has no schedule). */
  intendedRps: number | null;
  /** Sends per second between the first and the last send. */
  achievedRps: number;
  /**
   * The dispatcher's own lateness: sent time minus the time the send became due (its intended
   * time, or later if it had to wait for its session's previous turn or for a maxInFlight slot;
   * those waits are the server's doing and are counted in `deferred` and `throttled` instead).
   * 0 for a closed loop.
   */
  maxLagMs: number;
  lagP99Ms: number;
  /** maxDurationMs passed before every item was sent and settled. */
  timedOut: boolean;
  /** The caller's signal aborted the run. */
  aborted: boolean;
  /** Sends held back until their session's previous turn completed. */
  deferred: number;
  /** Sends held back because maxInFlight sends were outstanding. */
  throttled: number;
  /** Sends whose promise rejected or that threw (send should not). */
  failedSends: number;
}

/** Default bound on outstanding sends. */
export const DEFAULT_MAX_IN_FLIGHT = 10_000;

/**
 * Drive `send` over `items` under a load model and return how the run went.
 *
 * Open loop (replay, constant, poisson): every intended send time is computed before the start
 * (see buildSchedule) and each item is sent when its time comes, however many earlier requests are
 * still outstanding, so a slow server cannot slow the schedule down and hide its queueing
 * (coordinated omission). `send` receives both the intended and the actual send time; latency
 * should be measured from `intendedAt`.
 *
 * Sessions: turn k + 1 of a session is sent at max(its intended time, completion of turn k); its
 * `intendedAt` stays the schedule's value, so the wait behind a slow turn k shows up in its
 * latency, as it would for a user waiting on the previous answer.
 *
 * Closed loop (concurrency N): N workers each send the next item (array order, sessions still in
 * order) when their previous one completes; `intendedAt` equals `sentAt`, so latency is service
 * time only, which hides queueing. It is there to compare with, and labelled as such.
 *
 * Bounds: never more than maxInFlight outstanding sends; at maxDurationMs (or when `signal`
 * aborts) nothing more is sent, the signal passed to `send` aborts, and the run returns once the
 * outstanding sends settle or abortGraceMs later, whichever is first.
 */
export async function runLoad<T>(options: RunLoadOptions<T>): Promise<LoadRunStats> {
  const { items, model } = options;
  if (!Number.isFinite(options.maxDurationMs) || options.maxDurationMs <= 0) {
    throw new RangeError(`maxDurationMs must be a positive number, got ${options.maxDurationMs}`);
  }
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new RangeError(`maxInFlight must be a whole number ≥ 1, got ${maxInFlight}`);
  }
  const total = items.length;
  const closedLoop = model.kind === 'concurrency';
  const limit = closedLoop ? Math.min(model.concurrency, maxInFlight) : maxInFlight;
  const schedule = closedLoop
    ? null
    : buildSchedule(items, model, { tsOf: options.tsOf, seed: options.seed });
  const links = linkSessions(items, options.sessionOf);
  const clock = createDispatchClock({ spinMs: options.spinMs, pollSleepMs: options.pollSleepMs });
  const abortGraceMs = Math.max(0, options.abortGraceMs ?? 1_000);
  const controller = new AbortController();
  // Every outstanding send may listen on this one signal (undici does): thousands is expected.
  setMaxListeners(0, controller.signal);
  const lag = createLatencyHistogram();

  const startedAt = Date.now();
  const origin = clock.now();
  const elapsed = (): number => clock.now() - origin;

  // Per-item state. An item moves: scheduled → (held for its session) → queued → in flight → done.
  const done = new Uint8Array(total);
  const held = new Uint8Array(total);
  const dueAt = new Float64Array(total);
  // A FIFO of items ready to send but for a free slot; every item enters it at most once.
  const queue = new Uint32Array(total);
  let queueHead = 0;
  let queueTail = 0;
  // Queue positions below this were still waiting when a pump ended: they waited for a slot.
  let throttledBelow = 0;
  let slotFreedAt = 0;

  let nextScheduled = 0;
  let heldCount = 0;
  let sent = 0;
  let completed = 0;
  let inFlight = 0;
  let failedSends = 0;
  let deferred = 0;
  let throttled = 0;
  let firstSentAt = Number.NaN;
  let lastSentAt = Number.NaN;
  let stopping = false;
  let timedOut = false;
  let aborted = false;
  let finished = false;
  let cancelWake: (() => void) | null = null;
  let durationTimer: ReturnType<typeof setTimeout> | undefined;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  let progressTimer: ReturnType<typeof setInterval> | undefined;
  let resolveRun: (stats: LoadRunStats) => void = () => undefined;

  const enqueue = (index: number, readyAt: number): void => {
    dueAt[index] = readyAt;
    queue[queueTail] = index;
    queueTail += 1;
  };

  const progress = (): LoadProgress => {
    const elapsedMs = elapsed();
    return {
      done: completed,
      total,
      inFlight,
      elapsedMs,
      ratePerSecond: elapsedMs > 0 ? (completed * 1_000) / elapsedMs : 0,
    };
  };

  const stats = (): LoadRunStats => {
    const durationMs = elapsed();
    const window = lastSentAt - firstSentAt;
    const achievedRps =
      sent >= 2 && window > 0
        ? ((sent - 1) * 1_000) / window
        : durationMs > 0
          ? (sent * 1_000) / durationMs
          : 0;
    return {
      startedAt,
      durationMs,
      sent,
      completed,
      intendedRps: schedule?.intendedRps ?? null,
      achievedRps,
      maxLagMs: lag.max,
      lagP99Ms: lag.percentile(99),
      timedOut,
      aborted,
      deferred,
      throttled,
      failedSends,
    };
  };

  const settle = (): void => {
    if (finished) return;
    finished = true;
    if (durationTimer !== undefined) clearTimeout(durationTimer);
    if (graceTimer !== undefined) clearTimeout(graceTimer);
    if (progressTimer !== undefined) clearInterval(progressTimer);
    options.signal?.removeEventListener('abort', onExternalAbort);
    options.onProgress?.(progress());
    resolveRun(stats());
  };

  const stop = (reason: 'timeout' | 'abort'): void => {
    if (stopping) return;
    stopping = true;
    if (reason === 'timeout') timedOut = true;
    else aborted = true;
    cancelWake?.();
    cancelWake = null;
    controller.abort(
      new Error(reason === 'timeout' ? 'load run reached maxDurationMs' : 'load run aborted'),
    );
    if (inFlight === 0) settle();
    else graceTimer = setTimeout(settle, abortGraceMs);
  };

  const onExternalAbort = (): void => stop('abort');

  const dispatch = (index: number, readyAt: number): void => {
    const sentAt = elapsed();
    const intendedAt = schedule === null ? sentAt : (schedule.intendedAt[index] as number);
    if (schedule !== null) lag.record(sentAt - readyAt);
    if (sent === 0) firstSentAt = sentAt;
    lastSentAt = sentAt;
    sent += 1;
    inFlight += 1;
    let pending: Promise<void>;
    try {
      pending = Promise.resolve(
        options.send(items[index] as T, { index, intendedAt, sentAt }, controller.signal),
      );
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      () => onSettled(index, false),
      () => onSettled(index, true),
    );
  };

  const onSettled = (index: number, failed: boolean): void => {
    if (finished) return;
    done[index] = 1;
    completed += 1;
    inFlight -= 1;
    if (failed) failedSends += 1;
    if (stopping) {
      if (inFlight === 0) settle();
      return;
    }
    slotFreedAt = elapsed();
    const successor = links.next[index] as number;
    if (successor >= 0 && held[successor] === 1) {
      held[successor] = 0;
      heldCount -= 1;
      const intendedAt =
        schedule === null ? slotFreedAt : (schedule.intendedAt[successor] as number);
      enqueue(successor, Math.max(intendedAt, slotFreedAt));
    }
    pump();
  };

  /** Move whatever is due into the queue, then send from the queue while there are free slots. */
  const pump = (): void => {
    if (stopping) return;
    if (schedule === null) admitClosedLoop();
    else admitOpenLoop(schedule.intendedAt, schedule.order);
    while (queueHead < queueTail && inFlight < limit) {
      const position = queueHead;
      const index = queue[position] as number;
      queueHead += 1;
      let readyAt = dueAt[index] as number;
      if (position < throttledBelow) {
        throttled += 1;
        readyAt = Math.max(readyAt, slotFreedAt);
      }
      dispatch(index, readyAt);
      if (stopping) return;
    }
    throttledBelow = queueTail;
    if (nextScheduled >= total && queueHead >= queueTail && heldCount === 0 && inFlight === 0) {
      settle();
    }
  };

  const admit = (index: number, readyAt: number): void => {
    const previous = links.previous[index] as number;
    if (previous >= 0 && done[previous] === 0) {
      held[index] = 1;
      heldCount += 1;
      deferred += 1;
    } else {
      enqueue(index, readyAt);
    }
  };

  const admitOpenLoop = (intendedAt: Float64Array, order: Uint32Array): void => {
    const now = elapsed();
    while (nextScheduled < total) {
      const index = order[nextScheduled] as number;
      const at = intendedAt[index] as number;
      if (at > now) break;
      nextScheduled += 1;
      admit(index, at);
    }
  };

  // A closed loop admits in array order, only as many as there are free slots, so a send that
  // follows a completion is the next item and not one queued long ago.
  const admitClosedLoop = (): void => {
    while (nextScheduled < total && queueTail - queueHead < limit - inFlight) {
      const index = nextScheduled;
      nextScheduled += 1;
      admit(index, elapsed());
    }
  };

  const tick = (): void => {
    cancelWake = null;
    pump();
    if (schedule !== null && !stopping && !finished && nextScheduled < total) {
      const nextIndex = schedule.order[nextScheduled] as number;
      cancelWake = clock.wakeAt(origin + (schedule.intendedAt[nextIndex] as number), tick);
    }
  };

  return new Promise<LoadRunStats>((resolve) => {
    resolveRun = resolve;
    if (options.signal?.aborted) {
      aborted = true;
      stopping = true;
      settle();
      return;
    }
    options.signal?.addEventListener('abort', onExternalAbort, { once: true });
    // setTimeout's limit is 2^31 − 1 ms; beyond it Node fires at once.
    durationTimer = setTimeout(() => stop('timeout'), Math.min(options.maxDurationMs, 2 ** 31 - 1));
    if (options.onProgress !== undefined) {
      const onProgress = options.onProgress;
      progressTimer = setInterval(
        () => onProgress(progress()),
        Math.max(10, options.progressIntervalMs ?? 250),
      );
    }
    if (total === 0) settle();
    else tick();
  });
}
