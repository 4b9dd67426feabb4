import type { CandidateSummary } from './run-report.js';

/** A comparison a gate makes. */
export type GateOperator = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** A gate as configured: the parsed criterion plus where it applies. */
export interface GateSpec {
  /** As written, e.g. `p95_latency_ms < 300`. */
  text: string;
  metric: string;
  operator: GateOperator;
  threshold: number;
  /** A slice (`intent:code`), a slice family (`intent:*`), or null for the whole run. */
  slice: string | null;
  /** Candidates it applies to; null means every candidate but the baseline. */
  candidates: string[] | null;
}

/** A gate's text could not be read; the message says what is accepted. */
export class GateSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GateSyntaxError';
  }
}

type MetricReader = (summary: CandidateSummary) => number | null;

/**
 * Every metric a gate may name, with how it is read from a candidate's (or a slice's) summary.
 * A reader returns null when the run has no data for it (no checks, no streamed answers).
 */
export const GATE_METRICS: Readonly<Record<string, { describe: string; read: MetricReader }>> = {
  p50_latency_ms: metric('median latency from the intended send time', (s) =>
    latencyOf(s, s.latency.p50),
  ),
  p90_latency_ms: metric('p90 latency from the intended send time', (s) =>
    latencyOf(s, s.latency.p90),
  ),
  p95_latency_ms: metric('p95 latency from the intended send time', (s) =>
    latencyOf(s, s.latency.p95),
  ),
  p99_latency_ms: metric('p99 latency from the intended send time', (s) =>
    latencyOf(s, s.latency.p99),
  ),
  max_latency_ms: metric('slowest request', (s) => latencyOf(s, s.latency.max)),
  mean_latency_ms: metric('mean latency', (s) => latencyOf(s, s.latency.mean)),
  p50_service_ms: metric('median service time (from the actual send)', (s) =>
    latencyOf(s, s.service.p50),
  ),
  p95_service_ms: metric('p95 service time', (s) => latencyOf(s, s.service.p95)),
  p99_service_ms: metric('p99 service time', (s) => latencyOf(s, s.service.p99)),
  p50_ttft_ms: metric('median time to first token', (s) => s.ttft?.p50 ?? null),
  p95_ttft_ms: metric('p95 time to first token', (s) => s.ttft?.p95 ?? null),
  p99_ttft_ms: metric('p99 time to first token', (s) => s.ttft?.p99 ?? null),
  error_rate: metric('share of requests that failed (0..1)', (s) =>
    s.requests === 0 ? null : s.errorRate,
  ),
  success_rate: metric('share of requests that succeeded (0..1)', (s) =>
    s.requests === 0 ? null : 1 - s.errorRate,
  ),
  cost_per_request_usd: metric('total cost / requests', (s) =>
    s.requests === 0 ? null : s.costPerRequestUsd,
  ),
  cost_per_success_usd: metric(
    'total cost (failed and retried attempts included) / successes',
    (s) => s.costPerSuccessUsd,
  ),
  monthly_cost_usd: metric('projected monthly spend', (s) => s.monthlyCostUsd),
  throughput_rps: metric('responses per second', (s) => s.throughputRps),
  goodput_rps: metric('responses per second that met every SLO', (s) => s.goodputRps),
  goodput_ratio: metric('share of requests that met every SLO (0..1)', (s) =>
    s.throughputRps === 0 ? null : s.goodputRps / s.throughputRps,
  ),
  quality_score: metric('share of responses that passed every check', (s) => s.qualityScore),
  accuracy: metric('alias of quality_score', (s) => s.qualityScore),
  accuracy_delta: metric('quality_score minus the baseline’s', (s) => s.accuracyDelta),
  mean_drift: metric('mean lexical drift from the baseline (0..1)', (s) => s.meanDrift),
  token_shift: metric(
    'output token distribution shift vs the baseline (0..1)',
    (s) => s.tokenShift,
  ),
  determinism_pass_rate: metric(
    'mean pass rate across repeats',
    (s) => s.determinism?.passRate ?? null,
  ),
  determinism_pass_all: metric(
    'share of requests passing in every repeat (pass^N)',
    (s) => s.determinism?.passAll ?? null,
  ),
  determinism_spread: metric(
    'mean lexical distance between repeats',
    (s) => s.determinism?.spread ?? null,
  ),
};

/** A latency figure, or null when nothing was answered (an empty histogram reads 0). */
function latencyOf(summary: CandidateSummary, value: number): number | null {
  return summary.latency.count === 0 ? null : value;
}

function metric(describe: string, read: MetricReader) {
  return { describe, read };
}

/** `check:<name>` gates read one check's pass rate. */
const CHECK_METRIC_PREFIX = 'check:';

const GATE_PATTERN =
  /^\s*([A-Za-z][\w]*(?::[\w.-]+)?)\s*(<=|>=|==|!=|<|>|=)\s*(-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*(%?)\s*$/i;

/**
 * Parse `metric op number`, e.g. `p95_latency_ms < 300`, `error_rate < 1%`,
 * `check:json-contract >= 0.99`. Throws GateSyntaxError naming the accepted metrics.
 */
export function parseGate(text: string): {
  metric: string;
  operator: GateOperator;
  threshold: number;
} {
  const match = GATE_PATTERN.exec(text);
  if (!match) {
    throw new GateSyntaxError(
      `cannot read gate "${text}": expected METRIC OPERATOR NUMBER, e.g. "p95_latency_ms < 300" or "error_rate <= 0.01"`,
    );
  }
  const metricName = (match[1] ?? '').toLowerCase();
  const operator = (match[2] === '=' ? '==' : match[2]) as GateOperator;
  let threshold = Number(match[3]);
  if (match[4] === '%') threshold /= 100;
  if (!metricName.startsWith(CHECK_METRIC_PREFIX) && !(metricName in GATE_METRICS)) {
    throw new GateSyntaxError(
      `unknown gate metric "${metricName}" in "${text}"; known metrics: ${Object.keys(GATE_METRICS).join(', ')}, and check:<name> for one check's pass rate`,
    );
  }
  if (
    metricName.startsWith(CHECK_METRIC_PREFIX) &&
    metricName.length === CHECK_METRIC_PREFIX.length
  ) {
    throw new GateSyntaxError(`gate "${text}" names no check; write check:<name>`);
  }
  return { metric: metricName, operator, threshold };
}

/** Read a gate's metric from a summary; null when the summary has no data for it. */
export function readGateMetric(metricName: string, summary: CandidateSummary): number | null {
  if (metricName.startsWith(CHECK_METRIC_PREFIX)) {
    const tally = summary.checks[metricName.slice(CHECK_METRIC_PREFIX.length)];
    return tally && tally.total > 0 ? tally.rate : null;
  }
  const value = GATE_METRICS[metricName]?.read(summary) ?? null;
  return value === null || Number.isNaN(value) ? null : value;
}

/** Whether `value operator threshold` holds. */
export function compareGate(value: number, operator: GateOperator, threshold: number): boolean {
  switch (operator) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}
