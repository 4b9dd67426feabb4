/**
 * The complete result of one evaluation run: what the JSON report contains (documented in
 * docs/eval-report.md), what the Markdown/HTML/terminal reports render, and what is stored.
 * Bump REPORT_SCHEMA_VERSION on any incompatible change.
 */
export const REPORT_SCHEMA_VERSION = 1;

/** Latency percentiles in ms, from HDR histograms. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/** Pass counts of one check. */
export interface CheckTally {
  pass: number;
  total: number;
  rate: number;
}

/** Repeat-stability of answers when a run uses N repeats per request. */
export interface DeterminismSummary {
  repeats: number;
  /** Mean per-request pass rate across repeats. */
  passRate: number;
  /** Share of requests that passed in every repeat (pass^N). */
  passAll: number;
  /** Mean pairwise lexical distance between repeats of the same request (0 = identical). */
  spread: number;
}

/** Aggregates of one candidate over the whole run. */
export interface CandidateSummary {
  candidate: string;
  /** Any response came from a simulated target. */
  simulated: boolean;
  requests: number;
  successes: number;
  errorRate: number;
  errorsByClass: Record<string, number>;
  /** From intended send time (includes queueing). */
  latency: LatencySummary;
  /** From actual send time. */
  service: LatencySummary;
  ttft: LatencySummary | null;
  interTokenMs: number | null;
  outputTokensPerSecond: number | null;
  throughputRps: number;
  /** Requests per second that met every SLO. */
  goodputRps: number;
  tokensIn: number;
  tokensOut: number;
  totalCostUsd: number;
  costPerRequestUsd: number;
  /** Total cost (failed and retried attempts included) / successes. */
  costPerSuccessUsd: number | null;
  /** At the trace's request rate, for 30 days. */
  monthlyCostUsd: number;
  checks: Record<string, CheckTally>;
  /** Share of responses that passed every check; null when no checks ran. */
  qualityScore: number | null;
  /** qualityScore minus the baseline's. */
  accuracyDelta: number | null;
  /** Mean per-request lexical drift from the baseline. */
  meanDrift: number | null;
  /** Distribution shift of output tokens vs the baseline (Jensen–Shannon, 0..1). */
  tokenShift: number | null;
  determinism: DeterminismSummary | null;
  /** [latency ms, cumulative fraction] points for a CDF chart. */
  latencyCdf: Array<[number, number]>;
}

/** One metric row of a slice (tag, intent or length bucket) for one candidate. */
export interface SliceSummary {
  /** e.g. `tag:noisy`, `intent:code`, `length:long`. */
  slice: string;
  candidate: string;
  requests: number;
  errorRate: number;
  p50Ms: number;
  p95Ms: number;
  costPerSuccessUsd: number | null;
  qualityScore: number | null;
}

/** A gate's verdict. */
export interface GateResult {
  /** As written, e.g. `p95_latency_ms < 300`. */
  gate: string;
  candidate: string;
  /** Null for the whole run. */
  slice: string | null;
  value: number | null;
  pass: boolean;
  /** Why a gate could not be evaluated (no data), when value is null. */
  note: string | null;
}

/** Error rate and latency at one level of load or request size. */
export interface CapacityPoint {
  candidate: string;
  /** e.g. `500 req/s`, `1x`, `tokens 1k-4k`. */
  level: string;
  requests: number;
  errorRate: number;
  p99Ms: number;
}

/** Baseline vs candidate for one request, for the diff view. */
export interface DiffRow {
  entryId: string;
  candidate: string;
  slices: string[];
  prompt: string;
  baselineText: string | null;
  candidateText: string | null;
  drift: number;
  failedChecks: string[];
}

/** Before/after of the current vs the proposed policy on the same trace. */
export interface WhatIfRow {
  policy: 'current' | 'proposed';
  p50Ms: number;
  p95Ms: number;
  errorRate: number;
  costPerSuccessUsd: number | null;
  monthlyCostUsd: number;
}

/** A routing proposal the evidence supports. */
export interface PolicyAdvice {
  /** Ready-to-use policy YAML. */
  yaml: string;
  /** Per slice or intent: the chosen target and why. */
  choices: Array<{ slice: string; target: string; fallbacks: string[]; reason: string }>;
  whatIf: WhatIfRow[] | null;
}

/** Everything about one run. */
export interface RunReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  id: string;
  name: string;
  startedAt: string;
  finishedAt: string;
  /** Any candidate was simulated: every rendering labels it. */
  simulated: boolean;
  trace: { source: string; entries: number; skipped: Array<{ line: number; reason: string }> };
  load: {
    model: string;
    description: string;
    intendedRps: number | null;
    achievedRps: number;
    maxLagMs: number;
  };
  baseline: string;
  candidates: CandidateSummary[];
  slices: SliceSummary[];
  gates: GateResult[];
  /** Every gate passed. */
  passed: boolean;
  capacity: { bySize: CapacityPoint[]; byLoad: CapacityPoint[] };
  /** Largest drift first. */
  diff: DiffRow[];
  advice: PolicyAdvice | null;
}
