import { describe, expect, it } from 'vitest';
import { createLatencyHistogram } from './latency-histogram.js';
import { createSeededRandom } from './seeded-random.js';

/** Nearest-rank percentile: the smallest value with at least p% of the values at or below it. */
function referencePercentile(sorted: number[], p: number): number {
  // The epsilon keeps floating-point noise (0.999 × 20,000 = 19,980.000000000004) from skipping a rank.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length - 1e-9));
  return sorted[rank - 1] as number;
}

function sample(count: number, seed: number): number[] {
  const random = createSeededRandom(seed);
  // Log-normal around 200 ms with a long tail, like LLM latencies.
  return Array.from({ length: count }, () => Math.exp(Math.log(200) + 0.9 * random.normal()));
}

describe('createLatencyHistogram', () => {
  it('matches a sorted-array reference within 0.1% at every percentile', () => {
    const values = sample(20_000, 3);
    const histogram = createLatencyHistogram();
    for (const value of values) histogram.record(value);
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of [1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100]) {
      const expected = referencePercentile(sorted, p);
      const actual = histogram.percentile(p);
      expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected * 0.001 + 0.001);
    }
  });

  it('keeps count, mean and max exact', () => {
    const values = [0.25, 3, 17.5, 1_234.567];
    const histogram = createLatencyHistogram();
    for (const value of values) histogram.record(value);
    expect(histogram.count).toBe(4);
    expect(histogram.mean).toBeCloseTo((0.25 + 3 + 17.5 + 1_234.567) / 4, 9);
    expect(histogram.max).toBe(1_234.567);
    expect(histogram.percentile(100)).toBe(1_234.567);
  });

  it('summarizes into the report shape', () => {
    const histogram = createLatencyHistogram();
    for (let value = 1; value <= 100; value++) histogram.record(value);
    const summary = histogram.summary();
    expect(summary.count).toBe(100);
    expect(summary.mean).toBeCloseTo(50.5, 9);
    expect(summary.p50).toBeCloseTo(50, 1);
    expect(summary.p90).toBeCloseTo(90, 1);
    expect(summary.p95).toBeCloseTo(95, 1);
    expect(summary.p99).toBeCloseTo(99, 1);
    expect(summary.max).toBe(100);
  });

  it('records values beyond ten minutes as ten minutes but keeps the exact max', () => {
    const histogram = createLatencyHistogram();
    histogram.record(10);
    histogram.record(3_600_000);
    expect(histogram.max).toBe(3_600_000);
    expect(histogram.percentile(50)).toBeCloseTo(10, 1);
  });

  it('counts negatives as 0 and ignores NaN', () => {
    const histogram = createLatencyHistogram();
    histogram.record(-3);
    histogram.record(Number.NaN);
    expect(histogram.count).toBe(1);
    expect(histogram.percentile(50)).toBe(0);
  });

  it('is all zeros and an empty CDF when nothing was recorded', () => {
    const histogram = createLatencyHistogram();
    expect(histogram.summary()).toEqual({
      count: 0,
      mean: 0,
      p50: 0,
      p90: 0,
      p95: 0,
      p99: 0,
      max: 0,
    });
    expect(histogram.cdf()).toEqual([]);
  });

  it('draws a monotone CDF of about 100 points that agrees with the data and ends at [max, 1]', () => {
    const values = sample(50_000, 8);
    const histogram = createLatencyHistogram();
    for (const value of values) histogram.record(value);
    const sorted = [...values].sort((a, b) => a - b);
    const cdf = histogram.cdf();
    expect(cdf.length).toBeGreaterThan(50);
    expect(cdf.length).toBeLessThanOrEqual(100);
    expect(cdf[cdf.length - 1]).toEqual([histogram.max, 1]);
    for (let index = 1; index < cdf.length; index++) {
      const [ms, fraction] = cdf[index] as [number, number];
      const [previousMs, previousFraction] = cdf[index - 1] as [number, number];
      expect(ms).toBeGreaterThan(previousMs);
      expect(fraction).toBeGreaterThan(previousFraction);
      // At least `fraction` of the data lies at or below `ms` (HDR rounds values up by ≤ 0.1%).
      const atOrBelow = sorted.filter((value) => value <= ms).length / sorted.length;
      expect(atOrBelow).toBeGreaterThanOrEqual(fraction - 1e-9);
    }
    // Denser in the tail: more points above p90 than below it.
    expect(cdf.filter(([, fraction]) => fraction > 0.9).length).toBeGreaterThan(
      cdf.filter(([, fraction]) => fraction <= 0.9).length,
    );
  });
});

describe('fractionAtOrBelow', () => {
  it('gives the share of values within a threshold, like a sorted-array count', () => {
    const values = sample(10_000, 21);
    const histogram = createLatencyHistogram();
    for (const value of values) histogram.record(value);
    for (const threshold of [10, 100, 200, 500, 1_000, 5_000]) {
      const expected = values.filter((value) => value <= threshold).length / values.length;
      // HDR buckets are 0.1% wide: a value within 0.1% of the threshold may land either side.
      const slack = values.filter(
        (value) => Math.abs(value - threshold) <= threshold * 0.001,
      ).length;
      expect(Math.abs(histogram.fractionAtOrBelow(threshold) - expected)).toBeLessThanOrEqual(
        slack / values.length + 1 / values.length,
      );
    }
  });

  it('is 0 below the minimum, 1 at the maximum and 0 when empty', () => {
    const histogram = createLatencyHistogram();
    expect(histogram.fractionAtOrBelow(5)).toBe(0);
    for (const value of [2, 4, 6, 8]) histogram.record(value);
    expect(histogram.fractionAtOrBelow(1)).toBe(0);
    expect(histogram.fractionAtOrBelow(4)).toBe(0.5);
    expect(histogram.fractionAtOrBelow(8)).toBe(1);
  });
});
