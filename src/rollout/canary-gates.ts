import type { WindowStats } from './rolling-window.js';

/** A per-arm aggregate a canary gate can judge. */
export type CanaryGateMetric =
  | 'p95_latency_ms'
  | 'p99_latency_ms'
  | 'error_rate'
  | 'contract_pass_rate'
  | 'cost_per_success_usd'
  | 'quality_score';

/** A comparison a canary gate makes; equality is left out because it never holds for rates. */
export type CanaryGateOperator = '<' | '<=' | '>' | '>=';

/** What a gate compares the canary's value with. */
export type CanaryGateReference =
  /** A fixed number: `p95_latency_ms < 300`. */
  | { kind: 'absolute'; value: number }
  /** The baseline arm's value scaled and shifted: `baseline * factor + offset`. */
  | { kind: 'baseline'; factor: number; offset: number };

/** One parsed gate. */
export interface CanaryGate {
  /** As written, e.g. `latency<300`. */
  text: string;
  metric: CanaryGateMetric;
  operator: CanaryGateOperator;
  reference: CanaryGateReference;
}

/** How a gate came out on one evaluation. */
export type CanaryGateStatus = 'pass' | 'fail' | 'no_data';

/** One gate's verdict with the values it was judged on (what a rollback event reports). */
export interface CanaryGateResult {
  gate: string;
  metric: CanaryGateMetric;
  operator: CanaryGateOperator;
  canary: number | null;
  baseline: number | null;
  /** The number the canary's value was compared with; null when it could not be computed. */
  threshold: number | null;
  status: CanaryGateStatus;
}

/** A gate's text could not be read; the message says what is accepted. */
export class CanaryGateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanaryGateError';
  }
}

/** Every metric a canary gate may name, with what it means. */
export const CANARY_GATE_METRICS: Readonly<Record<CanaryGateMetric, string>> = {
  p95_latency_ms: 'p95 latency of the arm’s requests, failures included',
  p99_latency_ms: 'p99 latency of the arm’s requests, failures included',
  error_rate: 'share of the arm’s requests that failed (0..1)',
  contract_pass_rate: 'share of checked answers that met the response contract (0..1)',
  cost_per_success_usd: 'total cost / successful requests (infinite when none succeeded)',
  quality_score: 'mean quality of graded answers (0..1; online checks give 1 or 0)',
};

/** Other names a gate may use; `accuracy_delta` and `latency` are the seed's. */
const METRIC_ALIASES: Readonly<Record<string, CanaryGateMetric>> = {
  latency: 'p95_latency_ms',
  latency_ms: 'p95_latency_ms',
  accuracy: 'quality_score',
  quality: 'quality_score',
};

/** Metrics in 0..1, where `1%` may be written for 0.01. */
const RATE_METRICS: ReadonlySet<CanaryGateMetric> = new Set([
  'error_rate',
  'contract_pass_rate',
  'quality_score',
]);

const DELTA_SUFFIX = '_delta';
const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?`;
const GATE_PATTERN = /^\s*([a-z][a-z0-9_]*)\s*(<=|>=|==|!=|=|<|>)\s*(.*?)\s*$/i;
const NUMBER_PATTERN = new RegExp(`^(${NUMBER})\\s*(%?)$`, 'i');
const BASELINE_PATTERN = new RegExp(
  `^baseline(?:\\s*\\*\\s*(${NUMBER}))?(?:\\s*([+-])\\s*(${NUMBER})\\s*(%?))?$`,
  'i',
);

const EXAMPLES =
  '"p95_latency_ms < 300", "error_rate <= baseline + 0.01", "p99_latency_ms <= baseline * 1.2" or "quality_delta >= -0.02"';

/**
 * Parse one gate: `METRIC OP NUMBER`, `METRIC OP baseline [* FACTOR] [+|- OFFSET]`, or
 * `METRIC_delta OP NUMBER` (canary minus baseline). `latency` means p95_latency_ms and
 * `accuracy`/`quality` mean quality_score, so the seed's "latency<300" and "accuracy_delta>0.02"
 * load as written. Rates accept a percent sign (`error_rate < 1%`). Throws CanaryGateError.
 */
export function parseCanaryGate(text: string): CanaryGate {
  const match = GATE_PATTERN.exec(text);
  if (!match) {
    throw new CanaryGateError(
      `cannot read canary gate "${text}": expected METRIC OPERATOR VALUE, e.g. ${EXAMPLES}`,
    );
  }
  const name = (match[1] ?? '').toLowerCase();
  const written = match[2] ?? '';
  const value = match[3] ?? '';
  if (written === '=' || written === '==' || written === '!=') {
    throw new CanaryGateError(
      `operator "${written}" is not supported in canary gate "${text}"; use <, <=, > or >=`,
    );
  }
  const operator = written as CanaryGateOperator;
  const isDelta = name.endsWith(DELTA_SUFFIX) && !(name in CANARY_GATE_METRICS);
  const metric = resolveMetric(isDelta ? name.slice(0, -DELTA_SUFFIX.length) : name, text);

  if (isDelta) {
    if (/baseline/i.test(value)) {
      throw new CanaryGateError(
        `"${name}" already compares the canary with the baseline in "${text}"; write a number, e.g. "${name} >= -0.02"`,
      );
    }
    const offset = readNumber(value, metric, text);
    return { text, metric, operator, reference: { kind: 'baseline', factor: 1, offset } };
  }

  const relative = BASELINE_PATTERN.exec(value);
  if (relative) {
    const factor = relative[1] === undefined ? 1 : Number(relative[1]);
    if (!(factor > 0) || !Number.isFinite(factor)) {
      throw new CanaryGateError(`the baseline factor in canary gate "${text}" must be above 0`);
    }
    let offset = 0;
    if (relative[3] !== undefined) {
      offset = readNumber(`${relative[3]}${relative[4] ?? ''}`, metric, text);
      if (relative[2] === '-') offset = -offset;
    }
    return { text, metric, operator, reference: { kind: 'baseline', factor, offset } };
  }
  return {
    text,
    metric,
    operator,
    reference: { kind: 'absolute', value: readNumber(value, metric, text) },
  };
}

/** Parse a list of gates, reporting every unreadable one at once (with its position). */
export function parseCanaryGates(texts: readonly string[]): CanaryGate[] {
  const gates: CanaryGate[] = [];
  const problems: string[] = [];
  texts.forEach((text, index) => {
    try {
      gates.push(parseCanaryGate(text));
    } catch (error) {
      if (!(error instanceof CanaryGateError)) throw error;
      problems.push(`gates[${index}]: ${error.message}`);
    }
  });
  if (problems.length > 0) throw new CanaryGateError(problems.join('\n'));
  return gates;
}

/** A metric's value on one arm's window; null when the window holds no data for it. */
export function readCanaryMetric(metric: CanaryGateMetric, stats: WindowStats): number | null {
  switch (metric) {
    case 'p95_latency_ms':
      return stats.p95LatencyMs;
    case 'p99_latency_ms':
      return stats.p99LatencyMs;
    case 'error_rate':
      return stats.count === 0 ? null : stats.errors / stats.count;
    case 'contract_pass_rate':
      return stats.contractChecked === 0 ? null : stats.contractPassed / stats.contractChecked;
    case 'cost_per_success_usd':
      if (stats.count === 0) return null;
      // No successes at any cost is as expensive per success as it gets; a gate must see that.
      return stats.successes === 0 ? Number.POSITIVE_INFINITY : stats.costUsd / stats.successes;
    case 'quality_score':
      return stats.qualityCount === 0 ? null : stats.qualitySum / stats.qualityCount;
  }
}

/**
 * Judge one gate on the two arms' windows. A gate with no data (no graded answers for a quality
 * gate, an empty baseline for a relative one) is `no_data`: it neither passes nor fails.
 */
export function evaluateCanaryGate(
  gate: CanaryGate,
  canary: WindowStats,
  baseline: WindowStats,
): CanaryGateResult {
  const canaryValue = readCanaryMetric(gate.metric, canary);
  const baselineValue = readCanaryMetric(gate.metric, baseline);
  const threshold =
    gate.reference.kind === 'absolute'
      ? gate.reference.value
      : baselineValue === null
        ? null
        : baselineValue * gate.reference.factor + gate.reference.offset;
  const status: CanaryGateStatus =
    canaryValue === null || threshold === null
      ? 'no_data'
      : compare(canaryValue, gate.operator, threshold)
        ? 'pass'
        : 'fail';
  return {
    gate: gate.text,
    metric: gate.metric,
    operator: gate.operator,
    canary: canaryValue,
    baseline: baselineValue,
    threshold,
    status,
  };
}

function resolveMetric(name: string, text: string): CanaryGateMetric {
  if (name in CANARY_GATE_METRICS) return name as CanaryGateMetric;
  const alias = METRIC_ALIASES[name];
  if (alias) return alias;
  const known = [...Object.keys(CANARY_GATE_METRICS), ...Object.keys(METRIC_ALIASES)];
  throw new CanaryGateError(
    `unknown metric "${name}" in canary gate "${text}"; known metrics: ${known.join(', ')}, each also as METRIC_delta (canary minus baseline)`,
  );
}

function readNumber(value: string, metric: CanaryGateMetric, text: string): number {
  const match = NUMBER_PATTERN.exec(value.trim());
  if (!match) {
    throw new CanaryGateError(
      `cannot read the value "${value}" in canary gate "${text}": expected a number or baseline [* FACTOR] [+|- OFFSET], e.g. ${EXAMPLES}`,
    );
  }
  const number = Number(match[1]);
  if (!Number.isFinite(number)) {
    throw new CanaryGateError(`the value in canary gate "${text}" is not a finite number`);
  }
  if (match[2] !== '%') return number;
  if (!RATE_METRICS.has(metric)) {
    throw new CanaryGateError(
      `a percentage only makes sense for a rate (${[...RATE_METRICS].join(', ')}), not ${metric}, in canary gate "${text}"`,
    );
  }
  return number / 100;
}

function compare(value: number, operator: CanaryGateOperator, threshold: number): boolean {
  switch (operator) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
  }
}
