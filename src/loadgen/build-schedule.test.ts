import { describe, expect, it } from 'vitest';
import { buildSchedule, REPLAY_FALLBACK_GAP_MS } from './build-schedule.js';

type Item = { ts: number | null };
const tsOf = (item: Item) => item.ts;
const blank = (count: number): Item[] => Array.from({ length: count }, () => ({ ts: null }));

function gaps(times: Float64Array): number[] {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted.slice(1).map((time, index) => time - (sorted[index] as number));
}

function meanAndCv(values: number[]): { mean: number; cv: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
  return { mean, cv: Math.sqrt(variance) / mean };
}

describe('buildSchedule', () => {
  it('replays recorded gaps divided by the speed, from 0', () => {
    const items = [{ ts: 1_000_000 }, { ts: 1_000_400 }, { ts: 1_001_000 }, { ts: 1_003_000 }];
    const schedule = buildSchedule(items, { kind: 'replay', speed: 2 }, { tsOf });
    expect([...schedule.intendedAt]).toEqual([0, 200, 500, 1_500]);
    expect(schedule.intendedRps).toBeCloseTo((3 * 1_000) / 1_500, 9);
  });

  it('replays out-of-order timestamps in time order', () => {
    const items = [{ ts: 500 }, { ts: 100 }, { ts: 300 }];
    const schedule = buildSchedule(items, { kind: 'replay', speed: 1 }, { tsOf });
    expect([...schedule.intendedAt]).toEqual([400, 0, 200]);
    expect([...schedule.order]).toEqual([1, 2, 0]);
  });

  it('places an entry without ts one mean gap after the entry before it', () => {
    // Timestamped span 900 ms over 3 stamps: mean gap 450 ms.
    const items = [{ ts: 0 }, { ts: null }, { ts: 600 }, { ts: 900 }, { ts: null }];
    const schedule = buildSchedule(items, { kind: 'replay', speed: 3 }, { tsOf });
    expect([...schedule.intendedAt]).toEqual([0, 150, 200, 300, 450]);
  });

  it('falls back to 1 req/s when the trace has no timestamps', () => {
    const schedule = buildSchedule(blank(4), { kind: 'replay', speed: 1 }, { tsOf });
    expect([...schedule.intendedAt]).toEqual(
      [0, 1, 2, 3].map((step) => step * REPLAY_FALLBACK_GAP_MS),
    );
    expect(schedule.intendedRps).toBe(1);
  });

  it('spaces a constant rate evenly in array order', () => {
    const schedule = buildSchedule(blank(5), { kind: 'constant', rate: 250 }, { tsOf });
    expect([...schedule.intendedAt]).toEqual([0, 4, 8, 12, 16]);
    expect(schedule.intendedRps).toBeCloseTo(250, 9);
    expect([...schedule.order]).toEqual([0, 1, 2, 3, 4]);
  });

  it.each([1, 2, 0.5])(
    'draws Poisson gaps at the mean rate with CV = burstiness %s',
    (burstiness) => {
      const schedule = buildSchedule(
        blank(100_000),
        { kind: 'poisson', rate: 200, burstiness },
        { tsOf, seed: 9 },
      );
      const { mean, cv } = meanAndCv(gaps(schedule.intendedAt));
      expect(mean).toBeGreaterThan(5 * 0.97);
      expect(mean).toBeLessThan(5 * 1.03);
      expect(cv).toBeGreaterThan(burstiness * 0.95);
      expect(cv).toBeLessThan(burstiness * 1.05);
      expect(schedule.intendedRps).toBeGreaterThan(200 * 0.97);
      expect(schedule.intendedRps).toBeLessThan(200 * 1.03);
    },
  );

  it('makes the same Poisson schedule for the same seed and another for another seed', () => {
    const model = { kind: 'poisson', rate: 50, burstiness: 2 } as const;
    const first = buildSchedule(blank(1_000), model, { tsOf, seed: 5 });
    const again = buildSchedule(blank(1_000), model, { tsOf, seed: 5 });
    const other = buildSchedule(blank(1_000), model, { tsOf, seed: 6 });
    expect([...again.intendedAt]).toEqual([...first.intendedAt]);
    expect([...other.intendedAt]).not.toEqual([...first.intendedAt]);
  });

  it('reports no intended rate for a single item', () => {
    expect(
      buildSchedule(blank(1), { kind: 'constant', rate: 10 }, { tsOf }).intendedRps,
    ).toBeNull();
  });
});
