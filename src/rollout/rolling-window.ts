import * as hdr from 'hdr-histogram-js';

/** One request's outcome as a canary arm saw it. */
export interface WindowSample {
  /** Client-observed latency, failures included. */
  latencyMs: number;
  /** Whether the request succeeded. */
  ok: boolean;
  /** What the request cost, retries and failed attempts included; 0 when unknown. */
  costUsd: number;
  /** Whether the answer met the response contract; omit (or null) when it was not checked. */
  contractPass?: boolean | null;
  /** A quality grade in 0..1 (online checks give 1 or 0, a judge a score); omit when not graded. */
  quality?: number | null;
}

/** An arm's aggregates over the window. */
export interface WindowStats {
  count: number;
  errors: number;
  successes: number;
  costUsd: number;
  contractChecked: number;
  contractPassed: number;
  qualityCount: number;
  qualitySum: number;
  /** Percentiles within 1% of the exact value; null when the window is empty. */
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  p99LatencyMs: number | null;
}

/** A rolling window of samples with bounded memory. */
export interface RollingWindow {
  record(sample: WindowSample): void;
  /**
   * A grade that arrives after its request was recorded (a judge's): it counts toward the
   * quality mean in the bucket of its arrival, and not as a request.
   */
  recordQuality(quality: number): void;
  /** Aggregates of the samples still inside the window (older buckets aged out first). */
  stats(): WindowStats;
  /** Samples inside the window, without computing percentiles. */
  count(): number;
  /** Forget every sample. */
  reset(): void;
}

/** Options of createRollingWindow. */
export interface RollingWindowOptions {
  windowMs: number;
  /** Buckets the window is cut into; it forgets in steps of windowMs / buckets. Default 10. */
  buckets?: number;
  now?: () => number;
}

/** Latencies above ten minutes are recorded as ten minutes (the exact max is kept on the side). */
const HIGHEST_TRACKABLE_MS = 600_000;
const DEFAULT_BUCKETS = 10;

interface Bucket {
  count: number;
  errors: number;
  costUsd: number;
  contractChecked: number;
  contractPassed: number;
  qualityCount: number;
  qualitySum: number;
  minLatencyMs: number;
  maxLatencyMs: number;
  /** Built on the bucket's first sample, so an idle arm costs almost nothing. */
  histogram: hdr.Histogram | null;
}

/*
 * Two significant digits at millisecond resolution up to ten minutes is about 8 KB per
 * histogram, so a route's two arms with ten buckets each stay under 200 KB whatever the traffic.
 */
function buildHistogram(): hdr.Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_MS,
    numberOfSignificantValueDigits: 2,
  });
}

function emptyBucket(): Bucket {
  return {
    count: 0,
    errors: 0,
    costUsd: 0,
    contractChecked: 0,
    contractPassed: 0,
    qualityCount: 0,
    qualitySum: 0,
    minLatencyMs: Number.POSITIVE_INFINITY,
    maxLatencyMs: 0,
    histogram: null,
  };
}

function clearBucket(bucket: Bucket): void {
  bucket.count = 0;
  bucket.errors = 0;
  bucket.costUsd = 0;
  bucket.contractChecked = 0;
  bucket.contractPassed = 0;
  bucket.qualityCount = 0;
  bucket.qualitySum = 0;
  bucket.minLatencyMs = Number.POSITIVE_INFINITY;
  bucket.maxLatencyMs = 0;
  bucket.histogram?.reset();
}

/**
 * A time-bucketed rolling window: a ring of buckets indexed by `floor(now / bucketMs)`, each with
 * counters and an HDR latency histogram. Recording touches one bucket; stats() sums the live
 * buckets and merges their histograms into one reused aggregate. The window covers between
 * (buckets - 1) and buckets bucket widths, the current one being partial.
 */
export function createRollingWindow(options: RollingWindowOptions): RollingWindow {
  const bucketCount = options.buckets ?? DEFAULT_BUCKETS;
  if (!(options.windowMs > 0)) throw new RangeError('rolling window windowMs must be > 0');
  if (!Number.isInteger(bucketCount) || bucketCount < 1) {
    throw new RangeError('rolling window buckets must be a positive integer');
  }
  const now = options.now ?? Date.now;
  const bucketMs = options.windowMs / bucketCount;
  const buckets: Bucket[] = Array.from({ length: bucketCount }, emptyBucket);
  const bucketAt = (slot: number): Bucket =>
    buckets[((slot % bucketCount) + bucketCount) % bucketCount] as Bucket;
  let aggregate: hdr.Histogram | null = null;
  let currentSlot = Number.NEGATIVE_INFINITY;

  /** Move the ring forward to the present, clearing buckets that fell out; returns the slot. */
  const advance = (): number => {
    const slot = Math.floor(now() / bucketMs);
    // A clock that steps backwards keeps writing into the newest bucket.
    if (slot <= currentSlot) return currentSlot;
    const first = slot - currentSlot >= bucketCount ? slot - bucketCount + 1 : currentSlot + 1;
    for (let stale = first; stale <= slot; stale += 1) clearBucket(bucketAt(stale));
    currentSlot = slot;
    return slot;
  };

  return {
    record(sample) {
      if (!Number.isFinite(sample.latencyMs)) return;
      const bucket = bucketAt(advance());
      const latencyMs = Math.max(0, sample.latencyMs);
      bucket.count += 1;
      if (!sample.ok) bucket.errors += 1;
      if (Number.isFinite(sample.costUsd)) bucket.costUsd += sample.costUsd;
      if (sample.contractPass !== undefined && sample.contractPass !== null) {
        bucket.contractChecked += 1;
        if (sample.contractPass) bucket.contractPassed += 1;
      }
      if (typeof sample.quality === 'number' && Number.isFinite(sample.quality)) {
        bucket.qualityCount += 1;
        bucket.qualitySum += sample.quality;
      }
      if (latencyMs < bucket.minLatencyMs) bucket.minLatencyMs = latencyMs;
      if (latencyMs > bucket.maxLatencyMs) bucket.maxLatencyMs = latencyMs;
      bucket.histogram ??= buildHistogram();
      bucket.histogram.recordValue(Math.min(HIGHEST_TRACKABLE_MS, Math.round(latencyMs)));
    },

    recordQuality(quality) {
      if (!Number.isFinite(quality)) return;
      const bucket = bucketAt(advance());
      bucket.qualityCount += 1;
      bucket.qualitySum += quality;
    },

    stats() {
      advance();
      const totals = emptyBucket();
      aggregate ??= buildHistogram();
      aggregate.reset();
      for (const bucket of buckets) {
        if (bucket.count === 0 && bucket.qualityCount === 0) continue;
        totals.count += bucket.count;
        totals.errors += bucket.errors;
        totals.costUsd += bucket.costUsd;
        totals.contractChecked += bucket.contractChecked;
        totals.contractPassed += bucket.contractPassed;
        totals.qualityCount += bucket.qualityCount;
        totals.qualitySum += bucket.qualitySum;
        totals.minLatencyMs = Math.min(totals.minLatencyMs, bucket.minLatencyMs);
        totals.maxLatencyMs = Math.max(totals.maxLatencyMs, bucket.maxLatencyMs);
        if (bucket.histogram) aggregate.add(bucket.histogram);
      }
      const merged = aggregate;
      // Clamping to the exact extremes keeps a single-sample window's percentiles exact.
      const percentile = (p: number): number | null =>
        totals.count === 0
          ? null
          : Math.min(
              totals.maxLatencyMs,
              Math.max(totals.minLatencyMs, merged.getValueAtPercentile(p)),
            );
      return {
        count: totals.count,
        errors: totals.errors,
        successes: totals.count - totals.errors,
        costUsd: totals.costUsd,
        contractChecked: totals.contractChecked,
        contractPassed: totals.contractPassed,
        qualityCount: totals.qualityCount,
        qualitySum: totals.qualitySum,
        p50LatencyMs: percentile(50),
        p95LatencyMs: percentile(95),
        p99LatencyMs: percentile(99),
      };
    },

    count() {
      advance();
      let total = 0;
      for (const bucket of buckets) total += bucket.count;
      return total;
    },

    reset() {
      for (const bucket of buckets) clearBucket(bucket);
    },
  };
}
