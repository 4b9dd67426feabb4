import type { DiffRow, RunReport } from '../eval/run-report.js';
import {
  countNoun,
  formatDuration,
  formatMs,
  formatRps,
  formatScore,
  NOT_AVAILABLE,
} from './format-values.js';
import {
  adviceChoicesTable,
  capacityTable,
  checksTable,
  countGates,
  determinismTable,
  errorBreakdownTable,
  gatesTable,
  orderCandidates,
  type ReportTable,
  SIMULATED_NOTICE,
  slicesTable,
  sortDiffRows,
  summaryTable,
  whatIfTable,
} from './report-tables.js';

/** Diff rows shown in the Markdown report (the JSON report has them all). */
export const MARKDOWN_DIFF_ROW_LIMIT = 20;
/** Characters of prompt or answer shown per diff cell in Markdown. */
const MARKDOWN_DIFF_TEXT_LIMIT = 160;
/** Skipped lines listed in Markdown before "and N more". */
const MARKDOWN_SKIPPED_LIMIT = 50;

/**
 * Escapes text for a GFM table cell or paragraph: HTML is shown as text (answers may contain
 * markup), pipes cannot split cells, Markdown punctuation cannot start emphasis, links or code,
 * and line breaks become `<br>` so a row stays on one line.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~#])/g, '\\$1')
    .replace(/\r?\n/g, '<br>');
}

/** Flattens whitespace and cuts text to `limit` characters, marking the cut with an ellipsis. */
export function excerpt(text: string, limit: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}

/** A GitHub-flavoured Markdown table; numeric columns are right-aligned. */
export function markdownTable(table: ReportTable): string {
  const lines = [
    `| ${table.head.map(escapeMarkdown).join(' | ')} |`,
    `| ${table.numeric.map((numeric) => (numeric ? '---:' : '---')).join(' | ')} |`,
  ];
  for (const row of table.rows) {
    const cells = row.map((value) => {
      const text = escapeMarkdown(value.text);
      return value.tone === 'bad' ? `**${text}**` : text;
    });
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** A fence longer than any backtick run inside `text`, so the block cannot be closed early. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

function diffTable(rows: DiffRow[]): string {
  const lines = [
    '| drift | candidate | request | slices | failed checks | prompt | baseline answer | candidate answer |',
    '| ---: | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const text = (value: string | null): string =>
    value === null
      ? '_(error: no answer)_'
      : escapeMarkdown(excerpt(value, MARKDOWN_DIFF_TEXT_LIMIT));
  for (const row of rows) {
    lines.push(
      `| ${[
        formatScore(row.drift),
        escapeMarkdown(row.candidate),
        escapeMarkdown(row.entryId),
        escapeMarkdown(row.slices.join(', ')),
        row.failedChecks.length > 0 ? `**${escapeMarkdown(row.failedChecks.join(', '))}**` : '',
        text(row.prompt),
        text(row.baselineText),
        text(row.candidateText),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The whole report as GitHub-flavoured Markdown: summary, gates, checks, slices, errors,
 * capacity cliff, the top diff rows, policy advice with its YAML, and the skipped lines.
 */
export function renderMarkdown(report: RunReport): string {
  const sections: string[] = [];
  const candidates = orderCandidates(report.candidates, report.baseline);
  const { failed } = countGates(report.gates);

  sections.push(`# Switchyard eval report: ${escapeMarkdown(report.name)}`);
  if (report.simulated) {
    sections.push(`> [!WARNING]\n> **${escapeMarkdown(SIMULATED_NOTICE)}**`);
  }
  sections.push(
    report.passed
      ? '**Result: PASS** (every gate passed)'
      : `**Result: FAIL** (${failed} of ${countNoun(report.gates.length, 'gate')} failed)`,
  );
  const intended =
    report.load.intendedRps === null ? NOT_AVAILABLE : formatRps(report.load.intendedRps);
  sections.push(
    [
      '| run | |',
      '| --- | --- |',
      `| id | ${escapeMarkdown(report.id)} |`,
      `| started | ${escapeMarkdown(report.startedAt)} |`,
      `| finished | ${escapeMarkdown(report.finishedAt)} (${formatDuration(report.startedAt, report.finishedAt)}) |`,
      `| trace | ${escapeMarkdown(report.trace.source)} (${countNoun(report.trace.entries, 'entry', 'entries')}) |`,
      `| skipped trace lines | ${report.trace.skipped.length > 0 ? `**${report.trace.skipped.length}**` : '0'} |`,
      `| load | ${escapeMarkdown(report.load.description)} (${escapeMarkdown(report.load.model)}) |`,
      `| request rate | intended ${intended}, achieved ${formatRps(report.load.achievedRps)}, max send lag ${formatMs(report.load.maxLagMs)} |`,
      `| baseline | ${escapeMarkdown(report.baseline)} |`,
    ].join('\n'),
  );

  sections.push('## Summary');
  if (candidates.length === 0) sections.push('No candidate results.');
  else {
    sections.push(markdownTable(summaryTable(candidates, report.baseline)));
    sections.push(
      '_Latency is measured from the intended send time (includes queueing); service time from the actual send. Cost per success includes failed and retried attempts._',
    );
  }

  sections.push('## Gates');
  sections.push(
    report.gates.length === 0 ? 'No gates configured.' : markdownTable(gatesTable(report.gates)),
  );

  const checks = checksTable(candidates, report.baseline);
  if (checks !== null) sections.push('## Checks', markdownTable(checks));
  const determinism = determinismTable(candidates);
  if (determinism !== null) sections.push('## Determinism', markdownTable(determinism));

  sections.push('## Slices');
  sections.push(
    report.slices.length === 0
      ? 'No slices.'
      : markdownTable(slicesTable(report.slices, candidates)),
  );

  sections.push('## Errors');
  const errors = errorBreakdownTable(candidates, report.baseline);
  sections.push(errors === null ? 'No errors.' : markdownTable(errors));

  sections.push('## Capacity cliff');
  sections.push('### By request size');
  sections.push(
    report.capacity.bySize.length === 0
      ? 'No data.'
      : markdownTable(capacityTable(report.capacity.bySize)),
  );
  sections.push('### By load');
  sections.push(
    report.capacity.byLoad.length === 0
      ? 'No data (the run used a single load level).'
      : markdownTable(capacityTable(report.capacity.byLoad)),
  );

  sections.push('## Diff');
  if (report.diff.length === 0) sections.push('No diff rows.');
  else {
    const shown = sortDiffRows(report.diff).slice(0, MARKDOWN_DIFF_ROW_LIMIT);
    sections.push(
      `Baseline vs candidate, largest drift first: the top ${shown.length} of ${report.diff.length.toLocaleString('en-US')} rows (all rows are in report.json and report.html). Texts are cut to ${MARKDOWN_DIFF_TEXT_LIMIT} characters.`,
    );
    sections.push(diffTable(shown));
  }

  sections.push('## Policy advice');
  const advice = report.advice;
  if (advice === null) sections.push('No policy advice for this run.');
  else {
    if (advice.whatIf !== null && advice.whatIf.length > 0) {
      sections.push(
        '### What-if: current vs proposed policy',
        'The same trace replayed through the current policy and through the proposed one.',
        markdownTable(whatIfTable(advice.whatIf)),
      );
    }
    if (advice.choices.length > 0) {
      sections.push('### Proposed routing', markdownTable(adviceChoicesTable(advice.choices)));
    }
    const fence = fenceFor(advice.yaml);
    sections.push(
      '### Proposed policy',
      `${fence}yaml\n${advice.yaml.replace(/\n$/, '')}\n${fence}`,
    );
  }

  sections.push('## Skipped trace lines');
  const skipped = report.trace.skipped;
  if (skipped.length === 0) sections.push('None: every trace line was read.');
  else {
    const listed = skipped
      .slice(0, MARKDOWN_SKIPPED_LIMIT)
      .map((line) => `- line ${line.line}: ${escapeMarkdown(line.reason)}`);
    if (skipped.length > MARKDOWN_SKIPPED_LIMIT) {
      listed.push(`- and ${skipped.length - MARKDOWN_SKIPPED_LIMIT} more (see report.json)`);
    }
    sections.push(`${countNoun(skipped.length, 'line')} could not be read and were skipped:`);
    sections.push(listed.join('\n'));
  }

  if (report.simulated) sections.push(`---\n\n_${escapeMarkdown(SIMULATED_NOTICE)}_`);
  return `${sections.join('\n\n')}\n`;
}
