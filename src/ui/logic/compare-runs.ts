import type { CandidateSummary, RunReport } from '../../eval/run-report.js';
import {
  formatCount,
  formatMs,
  formatPercent,
  formatPointsDelta,
  formatRelativeChange,
  formatRps,
  formatSignedDelta,
  formatUsd,
  NOT_AVAILABLE,
} from '../../report/format-values.js';

/*
 * Run A against run B for the compare page: per candidate present in both runs, each key metric
 * in both runs and the change from A to B, with a verdict on whether B is better. The metrics
 * and delta wording follow `switchyard compare` (src/report/render-comparison.ts), so the page
 * and the terminal say the same thing.
 */

/** Whether a change is an improvement, a regression, or neither. */
export type DeltaTone = 'better' | 'worse' | null;

/** One metric of one candidate in both runs. */
export interface CompareRow {
  label: string;
  a: string;
  b: string;
  /** The change from A to B, e.g. `+12 ms (+10.0%)` or `+1.5 pp`. */
  delta: string;
  tone: DeltaTone;
}

/** One candidate present in both runs. */
export interface CandidateComparison {
  candidate: string;
  simulated: boolean;
  rows: CompareRow[];
}

/** Everything the compare page shows. */
export interface RunComparison {
  candidates: CandidateComparison[];
  onlyInA: string[];
  onlyInB: string[];
}

interface Metric {
  label: string;
  value(candidate: CandidateSummary): number | null;
  format(value: number | null): string;
  delta(before: number | null, after: number | null): string;
  /** Null when the metric has no better direction (request counts). */
  lowerIsBetter: boolean | null;
}

const withRelative =
  (format: (value: number) => string) =>
  (before: number | null, after: number | null): string => {
    const absolute = formatSignedDelta(before, after, format);
    if (absolute === NOT_AVAILABLE) return absolute;
    const relative = formatRelativeChange(before, after);
    return relative === NOT_AVAILABLE ? absolute : `${absolute} (${relative})`;
  };

const pointsDelta = (before: number | null, after: number | null): string =>
  before === null || after === null ? NOT_AVAILABLE : formatPointsDelta(after - before);

/** The compared metrics, in display order. */
const METRICS: readonly Metric[] = [
  {
    label: 'requests',
    value: (c) => c.requests,
    format: formatCount,
    delta: withRelative(formatCount),
    lowerIsBetter: null,
  },
  {
    label: 'p50 latency',
    value: (c) => c.latency.p50,
    format: formatMs,
    delta: withRelative(formatMs),
    lowerIsBetter: true,
  },
  {
    label: 'p95 latency',
    value: (c) => c.latency.p95,
    format: formatMs,
    delta: withRelative(formatMs),
    lowerIsBetter: true,
  },
  {
    label: 'p99 latency',
    value: (c) => c.latency.p99,
    format: formatMs,
    delta: withRelative(formatMs),
    lowerIsBetter: true,
  },
  {
    label: 'error rate',
    value: (c) => c.errorRate,
    format: formatPercent,
    delta: pointsDelta,
    lowerIsBetter: true,
  },
  {
    label: 'goodput',
    value: (c) => c.goodputRps,
    format: formatRps,
    delta: withRelative(formatRps),
    lowerIsBetter: false,
  },
  {
    label: 'cost / success',
    value: (c) => c.costPerSuccessUsd,
    format: formatUsd,
    delta: withRelative(formatUsd),
    lowerIsBetter: true,
  },
  {
    label: 'monthly cost',
    value: (c) => c.monthlyCostUsd,
    format: formatUsd,
    delta: withRelative(formatUsd),
    lowerIsBetter: true,
  },
  {
    label: 'quality score',
    value: (c) => c.qualityScore,
    format: formatPercent,
    delta: pointsDelta,
    lowerIsBetter: false,
  },
];

/** Better, worse or neither, given which direction is better. */
export function deltaTone(
  before: number | null,
  after: number | null,
  lowerIsBetter: boolean | null,
): DeltaTone {
  if (lowerIsBetter === null || before === null || after === null) return null;
  if (!Number.isFinite(before) || !Number.isFinite(after) || before === after) return null;
  return after < before === lowerIsBetter ? 'better' : 'worse';
}

/** Compares two runs candidate by candidate (run A's candidate order). */
export function compareRuns(a: RunReport, b: RunReport): RunComparison {
  const inB = new Map(b.candidates.map((candidate) => [candidate.candidate, candidate]));
  const inA = new Set(a.candidates.map((candidate) => candidate.candidate));
  const candidates: CandidateComparison[] = [];
  for (const before of a.candidates) {
    const after = inB.get(before.candidate);
    if (after === undefined) continue;
    candidates.push({
      candidate: before.candidate,
      simulated: before.simulated || after.simulated,
      rows: METRICS.map((metric) => {
        const beforeValue = metric.value(before);
        const afterValue = metric.value(after);
        return {
          label: metric.label,
          a: metric.format(beforeValue),
          b: metric.format(afterValue),
          delta: metric.delta(beforeValue, afterValue),
          tone: deltaTone(beforeValue, afterValue, metric.lowerIsBetter),
        };
      }),
    });
  }
  return {
    candidates,
    onlyInA: a.candidates.filter((c) => !inB.has(c.candidate)).map((c) => c.candidate),
    onlyInB: b.candidates.filter((c) => !inA.has(c.candidate)).map((c) => c.candidate),
  };
}
