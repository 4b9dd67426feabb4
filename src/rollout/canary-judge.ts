import { createShadowMirror } from './shadow-mirror.js';

/**
 * How one sampled answer's grading ended. Only `graded` carries a grade; every other outcome
 * records nothing, so a broken judge leaves the quality gates without data instead of failing
 * them.
 */
export type CanaryJudgeOutcome =
  | 'graded'
  | 'unparsed'
  | 'failed'
  | 'timeout'
  | 'dropped'
  | 'aborted';

/** Every outcome, for metrics and snapshots. */
export const CANARY_JUDGE_OUTCOMES: readonly CanaryJudgeOutcome[] = [
  'graded',
  'unparsed',
  'failed',
  'timeout',
  'dropped',
  'aborted',
];

/**
 * One grading call: resolves the grade in 0..1, or null when the judge's reply holds none; it
 * rejects when the call fails. It must stop when the signal aborts (timeout or close).
 */
export type CanaryJudgeAsk = (signal: AbortSignal) => Promise<number | null>;

/** Called once per submitted answer with how its grading ended; must not throw (a throw is swallowed). */
export type CanaryJudgeSettled = (
  outcome: CanaryJudgeOutcome,
  grade: number | null,
  error: unknown,
) => void;

/** Options of createCanaryJudge. */
export interface CanaryJudgeOptions {
  /** Share of served answers graded, 0..1. */
  sampleRate: number;
  /** Grading calls in flight at once; a sampled answer beyond them is dropped. */
  maxConcurrent: number;
  /** Per call: its signal is aborted after this long and it records no grade. */
  timeoutMs: number;
  random?: () => number;
}

/** Counters of a canary judge. */
export interface CanaryJudgeStats extends Record<CanaryJudgeOutcome, number> {
  inFlight: number;
}

/** Samples answers and grades them off the request path, with bounded load. */
export interface CanaryJudge {
  /** Whether to grade this answer (a coin flip at the sample rate). */
  shouldSample(): boolean;
  /**
   * Start grading without waiting for it; false when it was dropped (at the bound, or closed),
   * in which case onSettled has already been called with `dropped`. Never throws.
   */
  submit(ask: CanaryJudgeAsk, onSettled: CanaryJudgeSettled): boolean;
  stats(): CanaryJudgeStats;
  /** Abort calls in flight and wait for them (at most graceMs, default 1 s). */
  close(graceMs?: number): Promise<void>;
}

/**
 * Grades a sample of a canary's answers, on both arms, with a judge the caller supplies.
 *
 * It rides on the shadow mirror with no queue: submit() returns at once, the call starts on a
 * later turn of the event loop (so not even its synchronous part runs on the request's stack),
 * at most maxConcurrent run, and a sampled answer arriving when every slot is busy is dropped
 * and counted rather than waiting. Each call's signal is aborted after timeoutMs; whatever the
 * call returns after that is ignored, so a late grade can never land. A grade outside 0..1 is
 * treated as no grade at all.
 */
export function createCanaryJudge(options: CanaryJudgeOptions): CanaryJudge {
  if (!(options.sampleRate >= 0 && options.sampleRate <= 1)) {
    throw new RangeError('canary judge sampleRate must be within 0..1');
  }
  if (!(options.timeoutMs > 0)) throw new RangeError('canary judge timeoutMs must be > 0');
  const mirror = createShadowMirror({
    percentage: options.sampleRate * 100,
    maxConcurrent: options.maxConcurrent,
    maxQueue: 0,
    taskTimeoutMs: options.timeoutMs,
    random: options.random,
  });
  const counts: Record<CanaryJudgeOutcome, number> = {
    graded: 0,
    unparsed: 0,
    failed: 0,
    timeout: 0,
    dropped: 0,
    aborted: 0,
  };
  let closed = false;

  const settle = (
    onSettled: CanaryJudgeSettled,
    outcome: CanaryJudgeOutcome,
    grade: number | null,
    error: unknown,
  ): void => {
    counts[outcome] += 1;
    try {
      onSettled(outcome, grade, error);
    } catch {
      // The hook must not throw; a broken hook must not break judging.
    }
  };

  return {
    shouldSample() {
      return !closed && mirror.shouldMirror();
    },

    submit(ask, onSettled) {
      const accepted = mirror.mirror(async (signal) => {
        // The signal is aborted by the mirror's timeout or by close(); which one is ours to tell.
        const stopped = (): CanaryJudgeOutcome => (closed ? 'aborted' : 'timeout');
        let grade: number | null;
        try {
          grade = await ask(signal);
        } catch (error) {
          settle(onSettled, signal.aborted ? stopped() : 'failed', null, error);
          return;
        }
        if (signal.aborted) settle(onSettled, stopped(), null, null);
        else if (grade === null || !(grade >= 0 && grade <= 1)) {
          settle(onSettled, 'unparsed', null, null);
        } else settle(onSettled, 'graded', grade, null);
      });
      if (!accepted) settle(onSettled, 'dropped', null, null);
      return accepted;
    },

    stats() {
      return { ...counts, inFlight: mirror.stats().running };
    },

    close(graceMs) {
      closed = true;
      return mirror.close(graceMs);
    },
  };
}
