import type { RequestRecord } from './request-record.js';

/** Options of createLiveTraffic. */
export interface LiveTrafficOptions {
  /** Length of the rolling window; default 60 s. */
  windowSeconds?: number;
  /** Width of one sparkline bucket; default 5 s. Must divide the window. */
  seriesBucketSeconds?: number;
  /** Latencies kept per route × target per second for percentiles; default 256. */
  samplesPerSecond?: number;
  /** Distinct route × target pairs tracked; extra pairs are folded into `other`. Default 200. */
  maxKeys?: number;
  /** Clock in ms; tests pass a fake one. */
  now?: () => number;
}

/** One route × served target over the window. */
export interface LiveTrafficRow {
  route: string;
  target: string;
  requests: number;
  requestsPerSecond: number;
  errorRate: number;
  p50Ms: number | null;
  p95Ms: number | null;
  costPerMinuteUsd: number;
  /** Requests per sparkline bucket, oldest first. */
  series: number[];
}

/** Rolling per-route, per-target traffic for the Workspace's live page. */
export interface LiveTraffic {
  /** Count one answered client request (shadow copies are not client traffic). */
  observe(record: RequestRecord): void;
  /** Every route × target seen within the window, busiest first. */
  snapshot(): { windowSeconds: number; rows: LiveTrafficRow[] };
}

/** One second of one route × target. */
interface SecondBucket {
  /** The whole second (ms since epoch / 1000) this bucket holds; stale once out of the window. */
  second: number;
  requests: number;
  errors: number;
  costUsd: number;
  latencies: number[];
}

const OTHER_KEY = 'other\u0000other';

/**
 * Keeps one ring of per-second buckets per route × target. Observing is O(1): a bucket is reset
 * in place when its slot comes round again, so memory is bounded by keys × window × samples and
 * nothing has to be swept on a timer. Latency samples past `samplesPerSecond` in one second are
 * kept by reservoir sampling, so a burst cannot grow the ring and percentiles stay unbiased.
 */
export function createLiveTraffic(options: LiveTrafficOptions = {}): LiveTraffic {
  const windowSeconds = options.windowSeconds ?? 60;
  const seriesBucketSeconds = options.seriesBucketSeconds ?? 5;
  const samplesPerSecond = options.samplesPerSecond ?? 256;
  const maxKeys = options.maxKeys ?? 200;
  const now = options.now ?? Date.now;
  if (windowSeconds % seriesBucketSeconds !== 0) {
    throw new Error('seriesBucketSeconds must divide windowSeconds');
  }
  const rings = new Map<string, SecondBucket[]>();

  const ringFor = (route: string, target: string): SecondBucket[] => {
    let key = `${route}\u0000${target}`;
    let ring = rings.get(key);
    if (ring) return ring;
    if (rings.size >= maxKeys) {
      key = OTHER_KEY;
      ring = rings.get(key);
      if (ring) return ring;
    }
    ring = Array.from({ length: windowSeconds }, () => ({
      second: -1,
      requests: 0,
      errors: 0,
      costUsd: 0,
      latencies: [],
    }));
    rings.set(key, ring);
    return ring;
  };

  return {
    observe(record) {
      if (record.shadow) return;
      const second = Math.floor(record.ts / 1000);
      const ring = ringFor(record.route ?? 'none', record.servedTarget ?? 'none');
      const bucket = ring[second % windowSeconds] as SecondBucket;
      if (bucket.second !== second) {
        // A record older than what the slot holds belongs to a second already out of the window.
        if (bucket.second > second) return;
        bucket.second = second;
        bucket.requests = 0;
        bucket.errors = 0;
        bucket.costUsd = 0;
        bucket.latencies.length = 0;
      }
      bucket.requests += 1;
      if (record.status >= 400 || record.errorCode !== null) bucket.errors += 1;
      bucket.costUsd += record.costUsd;
      if (bucket.latencies.length < samplesPerSecond) bucket.latencies.push(record.latencyMs);
      else {
        const slot = Math.floor(Math.random() * bucket.requests);
        if (slot < samplesPerSecond) bucket.latencies[slot] = record.latencyMs;
      }
    },

    snapshot() {
      const current = Math.floor(now() / 1000);
      const oldest = current - windowSeconds + 1;
      const rows: LiveTrafficRow[] = [];
      for (const [key, ring] of rings) {
        const [route = 'other', target = 'other'] = key.split('\u0000');
        let requests = 0;
        let errors = 0;
        let costUsd = 0;
        const latencies: number[] = [];
        const series = new Array<number>(windowSeconds / seriesBucketSeconds).fill(0);
        for (const bucket of ring) {
          if (bucket.second < oldest || bucket.second > current) continue;
          requests += bucket.requests;
          errors += bucket.errors;
          costUsd += bucket.costUsd;
          for (const latency of bucket.latencies) latencies.push(latency);
          const seriesIndex = Math.floor((bucket.second - oldest) / seriesBucketSeconds);
          series[seriesIndex] = (series[seriesIndex] ?? 0) + bucket.requests;
        }
        if (requests === 0) continue;
        latencies.sort((a, b) => a - b);
        rows.push({
          route,
          target,
          requests,
          requestsPerSecond: requests / windowSeconds,
          errorRate: errors / requests,
          p50Ms: percentile(latencies, 0.5),
          p95Ms: percentile(latencies, 0.95),
          costPerMinuteUsd: (costUsd / windowSeconds) * 60,
          series,
        });
      }
      rows.sort((a, b) => b.requests - a.requests);
      return { windowSeconds, rows };
    },
  };
}

/** Nearest-rank percentile of sorted values; null when there are none. */
function percentile(sorted: readonly number[], quantile: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(quantile * sorted.length));
  return sorted[rank - 1] ?? null;
}
