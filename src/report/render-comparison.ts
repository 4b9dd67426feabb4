import picocolors from 'picocolors';
import type { CandidateSummary, RunReport } from '../eval/run-report.js';
import { drawTerminalTable } from './draw-terminal-table.js';
import {
  formatMs,
  formatPercent,
  formatPointsDelta,
  formatRelativeChange,
  formatSignedDelta,
  formatUsd,
  NOT_AVAILABLE,
} from './format-values.js';
import { type CellTone, type ReportTable, SIMULATED_NOTICE } from './report-tables.js';

/** Options for renderComparison. */
export interface ComparisonOptions {
  /** Colour with ANSI escapes; default false. */
  color?: boolean;
}

interface ComparedMetric {
  label: string;
  value(candidate: CandidateSummary): number | null;
  format(value: number | null): string;
  /** How the change is written: absolute in the metric's unit, or in percentage points. */
  delta(before: number | null, after: number | null): string;
  lowerIsBetter: boolean;
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

/** The key metrics a comparison shows, in order. */
const COMPARED_METRICS: readonly ComparedMetric[] = [
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
    label: 'cost / success',
    value: (c) => c.costPerSuccessUsd,
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

function changeTone(
  before: number | null,
  after: number | null,
  lowerIsBetter: boolean,
): CellTone | null {
  if (before === null || after === null || !Number.isFinite(before) || !Number.isFinite(after)) {
    return null;
  }
  if (after === before) return null;
  return after < before === lowerIsBetter ? 'good' : 'bad';
}

function describeRun(label: string, report: RunReport): string {
  const verdict = report.passed ? 'passed' : 'FAILED';
  return `${label}: ${report.name} (${report.id}), started ${report.startedAt}, gates ${verdict}${report.simulated ? ', SIMULATED' : ''}`;
}

/** The comparison table of one candidate present in both runs. */
export function comparisonTable(before: CandidateSummary, after: CandidateSummary): ReportTable {
  return {
    head: ['metric', 'run A', 'run B', 'change (B - A)'],
    numeric: [false, true, true, true],
    rows: COMPARED_METRICS.map((metric) => {
      const beforeValue = metric.value(before);
      const afterValue = metric.value(after);
      return [
        { text: metric.label, tone: null },
        { text: metric.format(beforeValue), tone: null },
        { text: metric.format(afterValue), tone: null },
        {
          text: metric.delta(beforeValue, afterValue),
          tone: changeTone(beforeValue, afterValue, metric.lowerIsBetter),
        },
      ];
    }),
  };
}

/**
 * Run A against run B: for each candidate present in both, p50/p95/p99, error rate, cost per
 * success and quality with the change from A to B (green when B is better, red when worse),
 * then the candidates found in only one of the runs.
 */
export function renderComparison(
  a: RunReport,
  b: RunReport,
  options: ComparisonOptions = {},
): string {
  const colors = picocolors.createColors(options.color ?? false);
  const lines: string[] = [];
  if (a.simulated || b.simulated) {
    const which = a.simulated && b.simulated ? 'both runs' : a.simulated ? 'run A' : 'run B';
    lines.push(colors.bold(colors.black(colors.bgYellow(` ${SIMULATED_NOTICE} (${which}) `))), '');
  }
  lines.push(colors.bold('Comparing runs'));
  lines.push(`  ${describeRun('A', a)}`);
  lines.push(`  ${describeRun('B', b)}`);
  lines.push('');

  const inB = new Map(b.candidates.map((candidate) => [candidate.candidate, candidate]));
  const shared = a.candidates.filter((candidate) => inB.has(candidate.candidate));
  if (shared.length === 0) {
    lines.push('No candidate appears in both runs, so there is nothing to compare side by side.');
  }
  for (const before of shared) {
    const after = inB.get(before.candidate);
    if (after === undefined) continue;
    lines.push(colors.bold(before.candidate));
    lines.push(drawTerminalTable(comparisonTable(before, after), colors));
    lines.push('');
  }
  const inA = new Set(a.candidates.map((candidate) => candidate.candidate));
  const onlyA = a.candidates.filter((candidate) => !inB.has(candidate.candidate));
  const onlyB = b.candidates.filter((candidate) => !inA.has(candidate.candidate));
  if (onlyA.length > 0) {
    lines.push(`Only in run A: ${onlyA.map((candidate) => candidate.candidate).join(', ')}`);
  }
  if (onlyB.length > 0) {
    lines.push(`Only in run B: ${onlyB.map((candidate) => candidate.candidate).join(', ')}`);
  }
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}
