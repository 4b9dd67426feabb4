/**
 * How requests are offered to the targets. Every kind but `concurrency` is open-loop: arrival
 * times are fixed before the run and do not wait for the server. `concurrency` is closed-loop:
 * N workers each send the next request when their previous one completes.
 */
export type LoadModel =
  | { kind: 'replay'; speed: number }
  | { kind: 'constant'; rate: number }
  | { kind: 'poisson'; rate: number; burstiness: number }
  | { kind: 'concurrency'; concurrency: number }
  | {
      kind: 'sweep';
      over: 'rate' | 'concurrency' | 'replay';
      levels: number[];
      stop: SweepStop;
    };

/** A single run's model: everything but a sweep (a sweep is a series of these). */
export type OpenLoopModel = Exclude<LoadModel, { kind: 'sweep' }>;

/** The sweep model. */
export type SweepModel = Extract<LoadModel, { kind: 'sweep' }>;

/** When a sweep level counts as saturated: error rate or p99 above these. */
export interface SweepStop {
  /** Fraction 0..1. */
  errorRate: number;
  /** Milliseconds, from the intended send time. */
  p99Ms: number;
}

/** Saturation thresholds used when a sweep names none: 5% errors or a p99 over 30 s. */
export const DEFAULT_SWEEP_STOP: Readonly<SweepStop> = { errorRate: 0.05, p99Ms: 30_000 };

/** Upper bounds that catch typos (an extra zero or three) before they become a runaway run. */
export const LOAD_MODEL_LIMITS = {
  maxRate: 1_000_000,
  maxSpeed: 1_000_000,
  maxBurstiness: 20,
  maxConcurrency: 100_000,
  maxSweepLevels: 100,
} as const;
