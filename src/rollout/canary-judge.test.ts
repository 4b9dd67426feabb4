import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type CanaryJudgeAsk,
  type CanaryJudgeOutcome,
  type CanaryJudgeSettled,
  createCanaryJudge,
} from './canary-judge.js';

/** Let setImmediate starts and settled promises run (bounded). */
async function settle(turns = 6) {
  for (let turn = 0; turn < turns; turn += 1) await nextTurn();
}

/** Collects every settled outcome. */
function recorder() {
  const settled: Array<{ outcome: CanaryJudgeOutcome; grade: number | null }> = [];
  const onSettled: CanaryJudgeSettled = (outcome, grade) => settled.push({ outcome, grade });
  return { settled, onSettled };
}

/** A call that waits until released (or aborted), then resolves with the grade it is given. */
function stalledAsk() {
  let release: (grade: number | null) => void = () => undefined;
  const seen: AbortSignal[] = [];
  const ask: CanaryJudgeAsk = (signal) =>
    new Promise((resolve, reject) => {
      seen.push(signal);
      release = resolve;
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  return { ask, seen, release: (grade: number | null) => release(grade) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createCanaryJudge', () => {
  it('returns before the judge is asked, then hands its grade to onSettled', async () => {
    const judge = createCanaryJudge({ sampleRate: 1, maxConcurrent: 2, timeoutMs: 1_000 });
    const { settled, onSettled } = recorder();
    let asked = false;
    const accepted = judge.submit(async () => {
      asked = true;
      return 0.75;
    }, onSettled);
    expect(accepted).toBe(true);
    expect(asked).toBe(false);
    await settle();
    expect(settled).toEqual([{ outcome: 'graded', grade: 0.75 }]);
    expect(judge.stats()).toMatchObject({ graded: 1, inFlight: 0 });
    await judge.close();
  });

  it('aborts a call that outlives its timeout and records no grade, even one that arrives late', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const judge = createCanaryJudge({ sampleRate: 1, maxConcurrent: 2, timeoutMs: 5_000 });
    const { settled, onSettled } = recorder();
    let signal: AbortSignal | null = null;
    judge.submit((given) => {
      signal = given;
      // Ignores the abort on purpose: its late grade must still be thrown away.
      return new Promise((resolve) => {
        given.addEventListener('abort', () => resolve(1), { once: true });
      });
    }, onSettled);
    await settle();
    vi.advanceTimersByTime(4_999);
    await settle();
    expect(settled).toEqual([]);
    expect((signal as AbortSignal | null)?.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    await settle();
    expect((signal as AbortSignal | null)?.aborted).toBe(true);
    expect(settled).toEqual([{ outcome: 'timeout', grade: null }]);
    expect(judge.stats()).toMatchObject({ timeout: 1, graded: 0, inFlight: 0 });
    await judge.close();
  });

  it('keeps at most maxConcurrent calls in flight and drops (and counts) the rest at once', async () => {
    const judge = createCanaryJudge({ sampleRate: 1, maxConcurrent: 2, timeoutMs: 60_000 });
    const { settled, onSettled } = recorder();
    const stalls = [stalledAsk(), stalledAsk(), stalledAsk()];
    const accepted = stalls.map((stall) => judge.submit(stall.ask, onSettled));
    expect(accepted).toEqual([true, true, false]);
    expect(settled).toEqual([{ outcome: 'dropped', grade: null }]);
    await settle();
    expect(judge.stats()).toMatchObject({ inFlight: 2, dropped: 1 });
    expect(stalls[2]?.seen).toHaveLength(0);
    stalls[0]?.release(0.5);
    stalls[1]?.release(1);
    await settle();
    expect(settled.map((entry) => entry.outcome)).toEqual(['dropped', 'graded', 'graded']);
    expect(judge.stats().inFlight).toBe(0);
    // A freed slot takes the next sampled answer.
    expect(judge.submit(async () => 0.25, onSettled)).toBe(true);
    await settle();
    expect(settled.at(-1)).toEqual({ outcome: 'graded', grade: 0.25 });
    await judge.close();
  });

  it.each([
    ['a failing call', () => Promise.reject(new Error('judge answered 500')), 'failed'],
    ['a reply without a score', () => Promise.resolve(null), 'unparsed'],
    ['a grade above 1', () => Promise.resolve(4), 'unparsed'],
    ['a negative grade', () => Promise.resolve(-0.5), 'unparsed'],
    ['NaN', () => Promise.resolve(Number.NaN), 'unparsed'],
  ] as const)('records no grade for %s', async (_name, ask, outcome) => {
    const judge = createCanaryJudge({ sampleRate: 1, maxConcurrent: 1, timeoutMs: 1_000 });
    const { settled, onSettled } = recorder();
    judge.submit(ask, onSettled);
    await settle();
    expect(settled).toEqual([{ outcome, grade: null }]);
    expect(judge.stats()).toMatchObject({ [outcome]: 1, graded: 0 });
    await judge.close();
  });

  it('samples at the configured rate', () => {
    const rolls = [0.05, 0.2, 0.09, 0.99];
    const judge = createCanaryJudge({
      sampleRate: 0.1,
      maxConcurrent: 1,
      timeoutMs: 1_000,
      random: () => rolls.shift() ?? 1,
    });
    expect([1, 2, 3, 4].map(() => judge.shouldSample())).toEqual([true, false, true, false]);
  });

  it('never samples at rate 0', () => {
    const judge = createCanaryJudge({
      sampleRate: 0,
      maxConcurrent: 1,
      timeoutMs: 1_000,
      random: () => 0,
    });
    expect(judge.shouldSample()).toBe(false);
  });

  it('close() aborts calls in flight, records them as aborted, and drops later submissions', async () => {
    const judge = createCanaryJudge({ sampleRate: 1, maxConcurrent: 2, timeoutMs: 60_000 });
    const { settled, onSettled } = recorder();
    const stall = stalledAsk();
    judge.submit(stall.ask, onSettled);
    await settle();
    expect(stall.seen).toHaveLength(1);
    await judge.close();
    expect(stall.seen[0]?.aborted).toBe(true);
    expect(settled).toEqual([{ outcome: 'aborted', grade: null }]);
    expect(judge.shouldSample()).toBe(false);
    expect(judge.submit(async () => 1, onSettled)).toBe(false);
    expect(settled.at(-1)).toEqual({ outcome: 'dropped', grade: null });
  });

  it('rejects settings that cannot work', () => {
    expect(() => createCanaryJudge({ sampleRate: 1.5, maxConcurrent: 1, timeoutMs: 1 })).toThrow(
      RangeError,
    );
    expect(() => createCanaryJudge({ sampleRate: 1, maxConcurrent: 0, timeoutMs: 1 })).toThrow(
      RangeError,
    );
    expect(() => createCanaryJudge({ sampleRate: 1, maxConcurrent: 1, timeoutMs: 0 })).toThrow(
      RangeError,
    );
  });
});
