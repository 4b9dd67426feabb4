import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { AggregatedCounter, AggregatedHistogram } from './aggregated-metrics.js';
import type { RequestLogStats } from './request-log.js';
import type { RequestRecord } from './request-record.js';

/** A circuit breaker's state, as the breaker gauge reports it. */
export type BreakerStateName = 'closed' | 'half-open' | 'open';

/** One breaker's state at collection time. */
export interface BreakerStateSample {
  target: string;
  state: BreakerStateName;
}

/** Outcome of a policy reload, as counted by switchyard_policy_reloads_total. */
export type PolicyReloadResult = 'ok' | 'rejected';

/** Options for createGatewayMetrics. */
export interface GatewayMetricsOptions {
  /**
   * Distinct values kept per label (route, target) before new ones are folded into `other`, so
   * a misconfiguration can never explode series counts. Default 200.
   */
  maxLabelValues?: number;
  /** Register prom-client's default process metrics (CPU, memory, event loop lag). Default true. */
  defaultMetrics?: boolean;
}

/** The gateway's Prometheus metrics. */
export interface GatewayMetrics {
  registry: Registry;
  /** Updates every per-request metric from a finished record; called once per request. */
  observeRequest(record: RequestRecord): void;
  /** Source of the breaker gauge, read at scrape time. */
  setBreakerStates(read: () => Iterable<BreakerStateSample>): void;
  /** Source of the request-log queue and drop metrics, read at scrape time. */
  setRequestLogStats(read: () => RequestLogStats): void;
  /** Counts one policy reload: applied (ok) or refused as invalid (rejected). */
  policyReloaded(result: PolicyReloadResult): void;
  /** The exposition text for GET /metrics. */
  metrics(): Promise<string>;
  /** The Content-Type header to serve metrics() with. */
  contentType: string;
}

const BREAKER_STATE_VALUES: Record<BreakerStateName, number> = {
  closed: 0,
  'half-open': 1,
  open: 2,
};

/** Upstream latencies: 5 ms to 2 min. */
const LATENCY_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
];
/** Gateway overhead: 50 µs to 100 ms. */
const OVERHEAD_BUCKETS_SECONDS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
];

const OVERFLOW_LABEL = 'other';
const MAX_LABEL_LENGTH = 100;

/**
 * Bounds the distinct values of each label. Route and target names come from the policy and are
 * few, but a value is admitted only while the label has fewer than `max`; later newcomers read
 * `other`. Values are names from config or fixed enums, never request content or keys.
 */
function createLabelGuard(max: number): (label: string, value: string) => string {
  const seen = new Map<string, Set<string>>();
  return (label, value) => {
    const bounded = value.length > MAX_LABEL_LENGTH ? value.slice(0, MAX_LABEL_LENGTH) : value;
    let values = seen.get(label);
    if (values === undefined) {
      values = new Set();
      seen.set(label, values);
    }
    if (values.has(bounded)) return bounded;
    if (values.size >= max) return OVERFLOW_LABEL;
    values.add(bounded);
    return bounded;
  };
}

/** A finite, non-negative number, or 0: prom-client throws on a negative counter increment. */
function amount(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Creates the gateway's metrics in `registry`: request, attempt, token and cost counters,
 * latency histograms, and gauges read at scrape time (breakers, request-log queue).
 */
export function createGatewayMetrics(
  registry: Registry = new Registry(),
  options: GatewayMetricsOptions = {},
): GatewayMetrics {
  const guard = createLabelGuard(options.maxLabelValues ?? 200);
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  // Updated on every request: pre-aggregated series (aggregated-metrics.ts), not prom-client's
  // label-hashing metrics. The rest below change rarely or are read at scrape time.
  const requests = new AggregatedCounter({
    name: 'switchyard_requests_total',
    help: 'Client requests by route, served target, HTTP status and error code (ok when none).',
    labelNames: ['route', 'target', 'status', 'code'],
  }).registerIn(registry);
  const duration = new AggregatedHistogram({
    name: 'switchyard_request_duration_seconds',
    help: 'Wall time of client requests, from arrival to the last byte.',
    labelNames: ['route', 'target'],
    buckets: LATENCY_BUCKETS_SECONDS,
  }).registerIn(registry);
  const ttft = new AggregatedHistogram({
    name: 'switchyard_ttft_seconds',
    help: 'Time from arrival to the first content byte sent to the client.',
    labelNames: ['route', 'target'],
    buckets: LATENCY_BUCKETS_SECONDS,
  }).registerIn(registry);
  const overhead = new AggregatedHistogram({
    name: 'switchyard_gateway_overhead_seconds',
    help: 'Time spent in the gateway itself, not waiting on upstreams.',
    buckets: OVERHEAD_BUCKETS_SECONDS,
  }).registerIn(registry);
  const attempts = new AggregatedCounter({
    name: 'switchyard_attempts_total',
    help: 'Upstream attempts by target and outcome (ok, or the attempt error class).',
    labelNames: ['target', 'outcome'],
  }).registerIn(registry);
  const tokens = new AggregatedCounter({
    name: 'switchyard_tokens_total',
    help: 'Tokens by served target and direction (in, out).',
    labelNames: ['target', 'direction'],
  }).registerIn(registry);
  const cost = new AggregatedCounter({
    name: 'switchyard_cost_usd_total',
    help: 'Cost in USD of served completions, by target.',
    labelNames: ['target'],
  }).registerIn(registry);

  let readBreakers: () => Iterable<BreakerStateSample> = () => [];
  new Gauge({
    name: 'switchyard_breaker_state',
    help: 'Circuit breaker state per target: 0 closed, 1 half-open, 2 open.',
    labelNames: ['target'] as const,
    registers,
    collect() {
      this.reset();
      for (const sample of readBreakers()) {
        this.set({ target: guard('target', sample.target) }, BREAKER_STATE_VALUES[sample.state]);
      }
    },
  });

  let readLogStats: (() => RequestLogStats) | null = null;
  /** Drops of request logs replaced by setRequestLogStats (e.g. across a restart of the log). */
  let droppedBefore = 0;
  let droppedCounted = 0;
  new Counter({
    name: 'switchyard_request_log_dropped_total',
    help: 'Request records the log gave up on (queue full, store failing, or after close).',
    registers,
    collect() {
      // The log keeps the running total; the counter catches up with it at each scrape.
      const total = droppedBefore + (readLogStats?.().dropped ?? 0);
      if (total > droppedCounted) this.inc(total - droppedCounted);
      droppedCounted = Math.max(droppedCounted, total);
    },
  });
  new Gauge({
    name: 'switchyard_request_log_queue',
    help: 'Request records waiting in memory to be written.',
    registers,
    collect() {
      this.set(readLogStats?.().queued ?? 0);
    },
  });

  const policyReloads = new Counter({
    name: 'switchyard_policy_reloads_total',
    help: 'Policy reloads by result: ok (applied) or rejected (invalid; the old policy stays).',
    labelNames: ['result'] as const,
    registers,
  });
  policyReloads.inc({ result: 'ok' }, 0);
  policyReloads.inc({ result: 'rejected' }, 0);

  return {
    registry,
    observeRequest(record) {
      const route = guard('route', record.route ?? 'none');
      const target = guard('target', record.servedTarget ?? 'none');
      requests.series(route, target, record.status, record.errorCode ?? 'ok').value += 1;
      duration.series(route, target).observe(amount(record.latencyMs) / 1000);
      if (record.ttftMs !== null) ttft.series(route, target).observe(amount(record.ttftMs) / 1000);
      overhead.series().observe(amount(record.overheadMs) / 1000);
      for (const attempt of record.attempts) {
        const series = attempts.series(guard('target', attempt.target), attempt.errorClass ?? 'ok');
        series.value += 1;
      }
      if (amount(record.tokensIn) > 0) tokens.series(target, 'in').value += record.tokensIn;
      if (amount(record.tokensOut) > 0) tokens.series(target, 'out').value += record.tokensOut;
      if (amount(record.costUsd) > 0) cost.series(target).value += record.costUsd;
    },
    setBreakerStates(read) {
      readBreakers = read;
    },
    setRequestLogStats(read) {
      if (readLogStats !== null) droppedBefore += readLogStats().dropped;
      readLogStats = read;
    },
    policyReloaded(result) {
      policyReloads.inc({ result });
    },
    metrics: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
