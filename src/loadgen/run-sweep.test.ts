import { describe, expect, it } from 'vitest';
import { runSweep, sweepLevelModel } from './run-sweep.js';

describe('runSweep', () => {
  it('stops by itself at the first level whose p99 is over the threshold, and includes it', async () => {
    const ran: number[] = [];
    const results = await runSweep({
      levels: [10, 100, 1_000, 10_000],
      stop: { errorRate: 0.05, p99Ms: 500 },
      runLevel: async (level) => {
        ran.push(level);
        return { errorRate: 0, p99Ms: level };
      },
    });
    expect(ran).toEqual([10, 100, 1_000]);
    expect(results).toEqual([
      { level: 10, errorRate: 0, p99Ms: 10, saturated: false },
      { level: 100, errorRate: 0, p99Ms: 100, saturated: false },
      { level: 1_000, errorRate: 0, p99Ms: 1_000, saturated: true },
    ]);
  });

  it('stops at the first level whose error rate is over the threshold', async () => {
    const results = await runSweep({
      levels: [1, 2, 3],
      stop: { errorRate: 0.1, p99Ms: 1_000 },
      runLevel: async (level, index) => ({ errorRate: index * 0.1 + 0.01, p99Ms: level }),
    });
    expect(results.map((result) => result.saturated)).toEqual([false, true]);
  });

  it('runs every level when none saturates, passing each level its index', async () => {
    const calls: Array<[number, number]> = [];
    const results = await runSweep({
      levels: [1, 2, 3],
      stop: { errorRate: 0.1, p99Ms: 1_000 },
      runLevel: async (level, index) => {
        calls.push([level, index]);
        return { errorRate: 0.1, p99Ms: 1_000 };
      },
    });
    expect(calls).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
    ]);
    expect(results.every((result) => !result.saturated)).toBe(true);
  });

  it('treats a p99 that is not a number (nothing succeeded) as saturated', async () => {
    const results = await runSweep({
      levels: [1, 2],
      stop: { errorRate: 1, p99Ms: 1_000 },
      runLevel: async () => ({ errorRate: 0, p99Ms: Number.NaN }),
    });
    expect(results).toHaveLength(1);
    expect(results[0]?.saturated).toBe(true);
  });

  it('does not start another level once the signal aborts', async () => {
    const controller = new AbortController();
    const results = await runSweep({
      levels: [1, 2, 3],
      stop: { errorRate: 1, p99Ms: 1_000 },
      signal: controller.signal,
      runLevel: async () => {
        controller.abort();
        return { errorRate: 0, p99Ms: 1 };
      },
    });
    expect(results).toHaveLength(1);
  });
});

describe('sweepLevelModel', () => {
  const stop = { errorRate: 0.05, p99Ms: 1_000 };
  it('maps rate levels to constant rates, replay levels to speeds and concurrency to workers', () => {
    expect(sweepLevelModel({ kind: 'sweep', over: 'rate', levels: [5], stop }, 5)).toEqual({
      kind: 'constant',
      rate: 5,
    });
    expect(sweepLevelModel({ kind: 'sweep', over: 'replay', levels: [10], stop }, 10)).toEqual({
      kind: 'replay',
      speed: 10,
    });
    expect(sweepLevelModel({ kind: 'sweep', over: 'concurrency', levels: [4], stop }, 4)).toEqual({
      kind: 'concurrency',
      concurrency: 4,
    });
  });
});
