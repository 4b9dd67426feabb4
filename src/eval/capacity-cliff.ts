import { createLatencyHistogram, type LatencyHistogram } from '../loadgen/index.js';
import type { CapacityPoint } from './run-report.js';
import type { SampleRow } from './sample-row.js';

/** Prompt-size buckets of the size cliff: upper bounds in tokens (exclusive) and labels. */
const SIZE_BUCKETS: Array<[number, string]> = [
  [256, 'tokens <256'],
  [1_024, 'tokens 256-1k'],
  [4_096, 'tokens 1k-4k'],
  [16_384, 'tokens 4k-16k'],
  [Number.POSITIVE_INFINITY, 'tokens 16k+'],
];

interface Bucket {
  requests: number;
  errors: number;
  latency: LatencyHistogram;
}

/**
 * Error rate and p99 by prompt size, per candidate: where long prompts start to fail or crawl.
 * `promptTokensOf` gives each entry's counted prompt size, the same for every candidate. Rows
 * are read as they come and not kept.
 */
export function capacityBySize(
  rows: Iterable<SampleRow>,
  candidates: readonly string[],
  promptTokensOf: (entry: number) => number,
): CapacityPoint[] {
  const buckets = new Map<string, Bucket>();
  for (const row of rows) {
    const tokens = promptTokensOf(row.entry);
    const label = SIZE_BUCKETS.find(([limit]) => tokens < limit)?.[1] ?? 'tokens 16k+';
    add(buckets, `${row.candidate}\u0000${label}`, row);
  }
  const points: CapacityPoint[] = [];
  for (const [index, candidate] of candidates.entries()) {
    for (const [, label] of SIZE_BUCKETS) {
      const bucket = buckets.get(`${index}\u0000${label}`);
      if (bucket) points.push(point(candidate, label, bucket));
    }
  }
  return points;
}

/**
 * Error rate and p99 against load, per candidate.
 *
 * With a sweep, each level is a point (`labels[level]`). Otherwise the points come from the run's
 * own peaks and lulls: each request is put in the band of the load offered to its candidate in
 * the second it was due (requests per second, in powers of two: 16-32 req/s, 32-64 req/s, …), so
 * a bursty replay shows whether errors and the tail rise with the burst. A run whose load never
 * left one band yields no points. `rows` is called once per pass over the rows (twice).
 */
export function capacityByLoad(
  rows: () => Iterable<SampleRow>,
  candidates: readonly string[],
  sweepLabels: readonly string[] | null,
): CapacityPoint[] {
  if (sweepLabels !== null) {
    const buckets = new Map<string, Bucket>();
    for (const row of rows()) add(buckets, `${row.candidate}\u0000${row.level}`, row);
    const points: CapacityPoint[] = [];
    for (const [index, candidate] of candidates.entries()) {
      for (const [level, label] of sweepLabels.entries()) {
        const bucket = buckets.get(`${index}\u0000${level}`);
        if (bucket) points.push(point(candidate, label, bucket));
      }
    }
    return points;
  }

  // Rows per (candidate, second): a number key, candidate in the low bits, no string per row.
  const perSecond = new Map<number, number>();
  const secondKey = (row: SampleRow) => Math.floor(row.intendedAt / 1000) * 65_536 + row.candidate;
  for (const row of rows()) {
    const key = secondKey(row);
    perSecond.set(key, (perSecond.get(key) ?? 0) + 1);
  }
  const buckets = new Map<string, Bucket>();
  const bands = new Set<number>();
  for (const row of rows()) {
    const offered = perSecond.get(secondKey(row)) ?? 1;
    const band = 2 ** Math.floor(Math.log2(offered));
    bands.add(band);
    add(buckets, `${row.candidate}\u0000${band}`, row);
  }
  if (bands.size < 2) return [];
  const points: CapacityPoint[] = [];
  const ordered = [...bands].sort((a, b) => a - b);
  for (const [index, candidate] of candidates.entries()) {
    for (const band of ordered) {
      const bucket = buckets.get(`${index}\u0000${band}`);
      if (bucket) points.push(point(candidate, `${band}-${band * 2} req/s offered`, bucket));
    }
  }
  return points;
}

function add(buckets: Map<string, Bucket>, key: string, row: SampleRow): void {
  let bucket = buckets.get(key);
  if (!bucket) {
    bucket = { requests: 0, errors: 0, latency: createLatencyHistogram() };
    buckets.set(key, bucket);
  }
  bucket.requests += 1;
  // As in the summaries, p99 is over answered requests (0 when none was); failures show in the
  // error rate.
  if (row.errorClass !== null) bucket.errors += 1;
  else bucket.latency.record(row.latencyMs);
}

function point(candidate: string, level: string, bucket: Bucket): CapacityPoint {
  return {
    candidate,
    level,
    requests: bucket.requests,
    errorRate: bucket.errors / bucket.requests,
    p99Ms: bucket.latency.percentile(99),
  };
}
