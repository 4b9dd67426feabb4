import type { OpenLoopModel, SweepModel, SweepStop } from './load-model.js';

/** The outcome of one sweep level. */
export interface SweepLevelResult {
  level: number;
  errorRate: number;
  p99Ms: number;
  /** Error rate or p99 was over the stop thresholds: the sweep ended here. */
  saturated: boolean;
}

/** What runSweep needs. */
export interface RunSweepOptions {
  /** Increasing levels of load; see sweepLevelModel for what a level means. */
  levels: number[];
  /** Run one level to completion and measure it. */
  runLevel(level: number, index: number): Promise<{ errorRate: number; p99Ms: number }>;
  stop: SweepStop;
  /** Aborting ends the sweep before the next level starts. */
  signal?: AbortSignal;
}

/**
 * Run the levels one after another and stop by itself at the first saturated level (error rate
 * or p99 strictly over the stop thresholds, or a p99 that is not a number), which is included in
 * the result: it is where the capacity cliff is.
 */
export async function runSweep(options: RunSweepOptions): Promise<SweepLevelResult[]> {
  const results: SweepLevelResult[] = [];
  for (let index = 0; index < options.levels.length; index++) {
    if (options.signal?.aborted) break;
    const level = options.levels[index] as number;
    const { errorRate, p99Ms } = await options.runLevel(level, index);
    const saturated = !(errorRate <= options.stop.errorRate) || !(p99Ms <= options.stop.p99Ms);
    results.push({ level, errorRate, p99Ms, saturated });
    if (saturated) break;
  }
  return results;
}

/**
 * The single-run model for one level of a sweep: `rate` levels are constant arrival rates in
 * req/s (evenly spaced, as wrk2 does, so a level differs from the next only in rate), `replay`
 * levels are speed factors of the recorded arrivals (1x, 10x, 100x), and `concurrency` levels are
 * closed-loop worker counts.
 */
export function sweepLevelModel(sweep: SweepModel, level: number): OpenLoopModel {
  if (sweep.over === 'rate') return { kind: 'constant', rate: level };
  if (sweep.over === 'replay') return { kind: 'replay', speed: level };
  return { kind: 'concurrency', concurrency: level };
}
