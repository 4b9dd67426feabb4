import * as hdr from 'hdr-histogram-js';
import type { LatencySummary } from '../eval/run-report.js';

/** A latency distribution recorded in ms, backed by an HDR histogram. */
export interface LatencyHistogram {
  /** Record one latency in ms; negatives count as 0, NaN is ignored. */
  record(ms: number): void;
  readonly count: number;
  /** Exact mean of the recorded values, in ms; 0 when empty. */
  readonly mean: number;
  /** Exact largest recorded value, in ms; 0 when empty. */
  readonly max: number;
  /** The value at percentile p (0..100), in ms, within 0.1%; 0 when empty. */
  percentile(p: number): number;
  summary(): LatencySummary;
  /** Share (0..1) of recorded values at or below `ms`, e.g. the share within an SLO; 0 when empty. */
  fractionAtOrBelow(ms: number): number;
  /** [ms, cumulative fraction] pairs for a CDF chart, denser towards the tail; ends at [max, 1]. */
  cdf(points?: number): Array<[number, number]>;
}

const US_PER_MS = 1_000;
/** Ten minutes, in microseconds: longer values are recorded as ten minutes (max stays exact). */
const HIGHEST_US = 600_000_000;
/** The CDF's fractions run up to 1 − 10^−TAIL_DECADES (99.99%) before the final [max, 1]. */
const TAIL_DECADES = 4;

/**
 * An HDR histogram at microsecond resolution with 3 significant digits (every percentile is
 * within 0.1% of the exact value), up to 10 minutes, about 100 KB. The mean and max are tracked
 * exactly on the side, and percentiles are clamped to [min, max], so `percentile(100) === max`.
 */
export function createLatencyHistogram(): LatencyHistogram {
  const histogram = hdr.build({
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
  });
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;

  const percentile = (p: number): number => {
    if (count === 0) return 0;
    const clamped = Math.min(100, Math.max(0, p));
    const value = histogram.getValueAtPercentile(clamped) / US_PER_MS;
    return Math.min(max, Math.max(min, value));
  };

  return {
    record(ms) {
      if (Number.isNaN(ms)) return;
      const value = Math.max(0, ms);
      count += 1;
      sum += value;
      if (value < min) min = value;
      if (value > max) max = value;
      histogram.recordValue(Math.min(HIGHEST_US, Math.round(value * US_PER_MS)));
    },
    get count() {
      return count;
    },
    get mean() {
      return count === 0 ? 0 : sum / count;
    },
    get max() {
      return max;
    },
    percentile,
    summary() {
      return {
        count,
        mean: count === 0 ? 0 : sum / count,
        p50: percentile(50),
        p90: percentile(90),
        p95: percentile(95),
        p99: percentile(99),
        max,
      };
    },
    fractionAtOrBelow(ms) {
      if (count === 0 || ms < min) return 0;
      if (ms >= max) return 1;
      // Percentiles report the top of their HDR bucket, so compare against the top of the
      // threshold's own bucket: a value equivalent to the threshold counts as within it. Then
      // bisect on the rank for the largest k whose nearest-rank value is within; 40 steps cover
      // any count below 2^40.
      const limit = bucketTopUs(Math.round(ms * US_PER_MS)) / US_PER_MS;
      let low = 0;
      let high = count;
      for (let step = 0; step < 40 && high - low > 1; step++) {
        const middle = Math.floor((low + high) / 2);
        if (percentile((middle / count) * 100) <= limit) low = middle;
        else high = middle;
      }
      return low / count;
    },
    cdf(points = 100) {
      if (count === 0) return [];
      const steps = Math.max(2, Math.trunc(points));
      const pairs: Array<[number, number]> = [[min, 0]];
      for (let step = 1; step < steps - 1; step++) {
        // Evenly spaced in log(1 / (1 − fraction)): as many points between 99% and 99.9% as
        // between 0% and 90%, so the tail a CDF chart exists to show is drawn in detail.
        const fraction = 1 - 10 ** ((-TAIL_DECADES * step) / (steps - 2));
        const value = percentile(fraction * 100);
        const last = pairs[pairs.length - 1] as [number, number];
        if (value === last[0]) last[1] = fraction;
        else pairs.push([value, fraction]);
      }
      const last = pairs[pairs.length - 1] as [number, number];
      if (last[0] === max) last[1] = 1;
      else pairs.push([max, 1]);
      return pairs;
    },
  };
}

/**
 * The highest value equivalent to `valueUs` in an HDR histogram of 3 significant digits: buckets
 * are 1 µs wide below 2,048 µs and double in width with every power of two above (2,048 sub-buckets,
 * the lower half of each bucket shared with the one below).
 */
function bucketTopUs(valueUs: number): number {
  if (valueUs < 2_048) return valueUs;
  const unit = 2 ** (Math.floor(Math.log2(valueUs)) - 10);
  return Math.floor(valueUs / unit) * unit + unit - 1;
}
