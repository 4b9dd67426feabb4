import picocolors from 'picocolors';
import type { CandidateSummary, RunReport } from '../eval/run-report.js';
import { COMPARED_METRICS, changeDirection } from './compared-metrics.js';
import { drawTerminalTable } from './draw-terminal-table.js';
import { type CellTone, type ReportTable, SIMULATED_NOTICE } from './report-tables.js';

/** Options for renderComparison. */
export interface ComparisonOptions {
  /** Colour with ANSI escapes; default false. */
  color?: boolean;
}

const toneOf = (direction: 'better' | 'worse' | null): CellTone | null =>
  direction === 'better' ? 'good' : direction === 'worse' ? 'bad' : null;

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
          tone: toneOf(changeDirection(beforeValue, afterValue, metric.lowerIsBetter)),
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
