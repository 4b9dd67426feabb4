import picocolors from 'picocolors';
import type { RunReport } from '../eval/run-report.js';
import { drawTerminalTable, sanitizeTerminalText } from './draw-terminal-table.js';
import { countNoun, formatDuration, formatMs, formatRps, NOT_AVAILABLE } from './format-values.js';
import {
  adviceChoicesTable,
  countGates,
  gatesTable,
  orderCandidates,
  SIMULATED_NOTICE,
  sortGates,
  summaryTable,
  whatIfTable,
} from './report-tables.js';

/** Options for the terminal summary. */
export interface TerminalSummaryOptions {
  /** Colour with ANSI escapes; default false (pass `process.stdout.isTTY` from the CLI). */
  color?: boolean;
}

/** At most this many candidate columns per summary table, so it fits an 100-column terminal. */
const CANDIDATES_PER_TABLE = 4;
/** Skipped-line reasons listed before "and N more". */
const SKIPPED_LINES_SHOWN = 5;
/**
 * Gate rows printed: every failure, then passes up to this total. Gates apply per candidate and
 * per slice, so a big config can have hundreds; the files list them all.
 */
const GATE_ROWS_SHOWN = 40;

/** The skipped-line summary every rendering prints, even when nothing was skipped. */
export function describeSkipped(skipped: RunReport['trace']['skipped']): string {
  if (skipped.length === 0) return 'Skipped trace lines: 0';
  const listed = skipped
    .slice(0, SKIPPED_LINES_SHOWN)
    .map((line) => `line ${line.line}: ${line.reason}`)
    .join('; ');
  const more =
    skipped.length > SKIPPED_LINES_SHOWN
      ? `; and ${skipped.length - SKIPPED_LINES_SHOWN} more`
      : '';
  return `Skipped trace lines: ${skipped.length.toLocaleString('en-US')} (${listed}${more})`;
}

/**
 * The terminal summary of a run: header, one table of headline metrics (candidates as columns,
 * split every four candidates), gate verdicts with failures first, the skipped-line count, and
 * the policy what-if. A simulated run is bannered at the top and the bottom.
 */
export function renderTerminalSummary(
  report: RunReport,
  options: TerminalSummaryOptions = {},
): string {
  const colors = picocolors.createColors(options.color ?? false);
  const banner = colors.bold(colors.black(colors.bgYellow(` ${SIMULATED_NOTICE} `)));
  const lines: string[] = [];
  const text = sanitizeTerminalText;

  if (report.simulated) lines.push(banner, '');
  lines.push(colors.bold(`Switchyard eval: ${text(report.name)}`));
  lines.push(
    `Run ${text(report.id)}  started ${text(report.startedAt)}  took ${formatDuration(report.startedAt, report.finishedAt)}`,
  );
  lines.push(
    `Trace: ${text(report.trace.source)} (${countNoun(report.trace.entries, 'entry', 'entries')})`,
  );
  const skippedText = text(describeSkipped(report.trace.skipped));
  lines.push(report.trace.skipped.length > 0 ? colors.yellow(skippedText) : skippedText);
  const intended =
    report.load.intendedRps === null ? NOT_AVAILABLE : formatRps(report.load.intendedRps);
  lines.push(
    `Load: ${text(report.load.description)}; intended ${intended}, achieved ${formatRps(report.load.achievedRps)}, max send lag ${formatMs(report.load.maxLagMs)}`,
  );
  lines.push(`Baseline: ${text(report.baseline)}`);
  lines.push('');

  const candidates = orderCandidates(report.candidates, report.baseline);
  if (candidates.length === 0) {
    lines.push('No candidate results.');
  } else {
    for (let start = 0; start < candidates.length; start += CANDIDATES_PER_TABLE) {
      const group = candidates.slice(start, start + CANDIDATES_PER_TABLE);
      lines.push(drawTerminalTable(summaryTable(group, report.baseline), colors));
    }
    lines.push(
      colors.dim(
        'Latency is measured from the intended send time (includes queueing); service time from the actual send.',
      ),
    );
  }
  lines.push('');

  const { passed, failed } = countGates(report.gates);
  if (report.gates.length === 0) {
    lines.push('Gates: none configured');
  } else {
    const verdict =
      failed > 0
        ? colors.bold(colors.red(`Gates: FAILED (${failed} of ${report.gates.length} failed)`))
        : colors.green(`Gates: passed (${passed} of ${report.gates.length})`);
    lines.push(verdict);
    const shown = sortGates(report.gates).slice(0, Math.max(GATE_ROWS_SHOWN, failed));
    lines.push(drawTerminalTable(gatesTable(shown), colors));
    if (shown.length < report.gates.length) {
      lines.push(
        colors.dim(
          `and ${countNoun(report.gates.length - shown.length, 'more passing gate')} (all are in report.md and report.html)`,
        ),
      );
    }
  }

  const advice = report.advice;
  if (advice !== null) {
    lines.push('');
    if (advice.whatIf !== null && advice.whatIf.length > 0) {
      lines.push(
        colors.bold('Policy advice: what-if (current policy vs proposed policy, same trace)'),
      );
      lines.push(drawTerminalTable(whatIfTable(advice.whatIf), colors));
    }
    if (advice.choices.length > 0) {
      lines.push(colors.bold('Proposed routing'));
      lines.push(drawTerminalTable(adviceChoicesTable(advice.choices), colors));
    }
  }

  lines.push('');
  lines.push(
    report.passed
      ? colors.bold(colors.green('RESULT: PASS'))
      : colors.bold(
          colors.red(`RESULT: FAIL${failed > 0 ? ` (${countNoun(failed, 'gate')} failed)` : ''}`),
        ),
  );
  if (report.simulated) lines.push(banner);
  return `${lines.join('\n')}\n`;
}
