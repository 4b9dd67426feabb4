import type { CandidateSummary } from '../eval/run-report.js';
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
} from './format-values.js';

/** One metric a run comparison shows: how to read it, write it, and write its change. */
export interface ComparedMetric {
  label: string;
  value(candidate: CandidateSummary): number | null;
  format(value: number | null): string;
  /** How the change is written: absolute in the metric's unit, or in percentage points. */
  delta(before: number | null, after: number | null): string;
  /** Null when the metric has no better direction (request counts). */
  lowerIsBetter: boolean | null;
}

/** Whether a change from `before` to `after` is an improvement, a regression, or neither. */
export type ChangeDirection = 'better' | 'worse' | null;

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

/**
 * The metrics `switchyard compare` and the Workspace's compare page show, in order: one list, so
 * the terminal and the page say the same thing about the same two runs.
 */
export const COMPARED_METRICS: readonly ComparedMetric[] = [
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
export function changeDirection(
  before: number | null,
  after: number | null,
  lowerIsBetter: boolean | null,
): ChangeDirection {
  if (lowerIsBetter === null || before === null || after === null) return null;
  if (!Number.isFinite(before) || !Number.isFinite(after) || before === after) return null;
  return after < before === lowerIsBetter ? 'better' : 'worse';
}
