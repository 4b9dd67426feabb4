import type { DiffRow, RunReport } from '../eval/run-report.js';
import { renderCapacityChart } from './charts/render-capacity-chart.js';
import {
  costQualityPoints,
  paretoFrontNames,
  renderCostQualityChart,
} from './charts/render-cost-quality-chart.js';
import { renderLatencyCdfChart } from './charts/render-latency-cdf-chart.js';
import { type LegendEntry, renderLegend } from './charts/svg-chart.js';
import { escapeHtml } from './escape-html.js';
import {
  countNoun,
  formatDuration,
  formatMs,
  formatRps,
  formatScore,
  NOT_AVAILABLE,
} from './format-values.js';
import { REPORT_CSS, REPORT_SCRIPT } from './html-page-assets.js';
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

/**
 * Diff rows rendered into the HTML page. A 100,000-request run would otherwise produce a page
 * of hundreds of megabytes that no browser opens quickly; the JSON report keeps every row.
 */
export const HTML_DIFF_ROW_LIMIT = 500;
/** Characters of a prompt or answer kept per diff cell in HTML. */
export const HTML_DIFF_TEXT_LIMIT = 1200;

function htmlTable(
  table: ReportTable,
  options: { label: string; markFailedRows?: boolean },
): string {
  const head = table.head
    .map(
      (heading, index) =>
        `<th scope="col"${table.numeric[index] ? ' class="num"' : ''}>${escapeHtml(heading)}</th>`,
    )
    .join('');
  const body = table.rows
    .map((row) => {
      const failed = options.markFailedRows === true && row[0]?.tone === 'bad';
      const cells = row
        .map((value, index) => {
          const classes = [table.numeric[index] ? 'num' : '', value.tone ?? ''].filter(Boolean);
          const classAttribute = classes.length > 0 ? ` class="${classes.join(' ')}"` : '';
          // The first column names the row (metric, gate verdict, slice): a row header.
          if (index === 0) return `<th scope="row"${classAttribute}>${escapeHtml(value.text)}</th>`;
          return `<td${classAttribute}>${escapeHtml(value.text)}</td>`;
        })
        .join('');
      return `<tr${failed ? ' class="failed"' : ''}>${cells}</tr>`;
    })
    .join('\n');
  return `<div class="table-wrap" role="region" aria-label="${escapeHtml(options.label)}" tabindex="0"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function section(id: string, title: string, content: string): string {
  return `<section id="${id}" aria-labelledby="${id}-heading"><h2 id="${id}-heading">${escapeHtml(title)}</h2>\n${content}\n</section>`;
}

function cut(text: string, limit: number): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, limit)}… [${(text.length - limit).toLocaleString('en-US')} more characters cut; see report.json]`;
}

function renderDiffSection(report: RunReport): string {
  if (report.diff.length === 0)
    return '<p>No diff rows: there was no baseline answer to compare with.</p>';
  const rows = sortDiffRows(report.diff).slice(0, HTML_DIFF_ROW_LIMIT);
  const slices = [...new Set(rows.flatMap((row) => row.slices))].sort();
  const checks = [...new Set(rows.flatMap((row) => row.failedChecks))].sort();
  const candidates = [...new Set(rows.map((row) => row.candidate))];
  const option = (value: string, label: string): string =>
    `<option value="${escapeHtml(value)}">${escapeHtml(label)}</option>`;
  const capNote =
    report.diff.length > rows.length
      ? `Showing the ${rows.length.toLocaleString('en-US')} rows with the largest drift out of ${report.diff.length.toLocaleString('en-US')}; the page is capped at ${HTML_DIFF_ROW_LIMIT} rows so it stays fast to open. Every row is in report.json.`
      : `All ${countNoun(rows.length, 'row')}, largest drift first.`;
  const text = (value: string | null): string =>
    value === null
      ? '<span class="bad">error: no answer</span>'
      : `<div class="text">${escapeHtml(cut(value, HTML_DIFF_TEXT_LIMIT))}</div>`;
  const body = rows
    .map((row: DiffRow) => {
      const chips = row.slices
        .map((slice) => `<span class="chip">${escapeHtml(slice)}</span>`)
        .join('');
      const failed = row.failedChecks
        .map((check) => `<span class="chip bad">failed: ${escapeHtml(check)}</span>`)
        .join('');
      return (
        `<tr data-candidate="${escapeHtml(row.candidate)}" data-slices="${escapeHtml(JSON.stringify(row.slices))}" data-checks="${escapeHtml(JSON.stringify(row.failedChecks))}">` +
        `<td class="num" data-label="drift">${formatScore(row.drift)}</td>` +
        `<td data-label="request"><code>${escapeHtml(row.entryId)}</code><br>${escapeHtml(row.candidate)}<br>${chips}${failed}</td>` +
        `<td data-label="prompt">${text(row.prompt)}</td>` +
        `<td data-label="baseline answer (${escapeHtml(report.baseline)})">${text(row.baselineText)}</td>` +
        `<td data-label="candidate answer">${text(row.candidateText)}</td>` +
        '</tr>'
      );
    })
    .join('\n');
  return [
    `<p>Baseline (<strong>${escapeHtml(report.baseline)}</strong>) and candidate answers side by side, with the lexical drift score (0 identical, 1 nothing shared). ${capNote} Texts longer than ${HTML_DIFF_TEXT_LIMIT.toLocaleString('en-US')} characters are cut.</p>`,
    '<form id="diff-filters" class="filters" aria-label="Filter diff rows" aria-controls="diff-table">',
    `<div><label for="diff-filter-slice">Slice</label><select id="diff-filter-slice" name="slice">${option('', 'All slices')}${slices.map((slice) => option(slice, slice)).join('')}</select></div>`,
    `<div><label for="diff-filter-check">Failed check</label><select id="diff-filter-check" name="check">${option('', 'Any outcome')}${option('any', 'Any failed check')}${option('none', 'No failed check')}${checks.map((check) => option(`check:${check}`, check)).join('')}</select></div>`,
    `<div><label for="diff-filter-candidate">Candidate</label><select id="diff-filter-candidate" name="candidate">${option('', 'All candidates')}${candidates.map((candidate) => option(candidate, candidate)).join('')}</select></div>`,
    '<div><button type="reset">Clear filters</button></div>',
    `<p id="diff-filter-status" role="status" aria-live="polite">Showing ${rows.length} of ${rows.length} rows</p>`,
    '</form>',
    '<div class="table-wrap" role="region" aria-label="Diff rows" tabindex="0">',
    '<table id="diff-table" class="diff"><thead><tr><th scope="col" class="num">drift</th><th scope="col">request</th><th scope="col">prompt</th>',
    `<th scope="col">baseline answer (${escapeHtml(report.baseline)})</th><th scope="col">candidate answer</th></tr></thead>`,
    `<tbody>\n${body}\n</tbody></table></div>`,
  ].join('\n');
}

function renderChartsSection(
  report: RunReport,
  legend: LegendEntry[],
  colorIndex: Map<string, number>,
): string {
  const candidates = orderCandidates(report.candidates, report.baseline);
  const cdf = renderLatencyCdfChart(
    candidates.map((candidate) => ({
      name: candidate.candidate,
      index: colorIndex.get(candidate.candidate) ?? 0,
      points: candidate.latencyCdf,
    })),
  );
  const scatterPoints = costQualityPoints(candidates, colorIndex);
  const front = paretoFrontNames(scatterPoints);
  const scatterLegend = legend.map((entry) =>
    front.has(entry.name) ? { ...entry, note: '(Pareto front)' } : entry,
  );
  const simulatedNote = report.simulated ? ' <span class="muted">(simulated)</span>' : '';
  const figure = (caption: string, chart: string, entries: LegendEntry[]): string =>
    `<figure><figcaption>${caption}${simulatedNote}</figcaption>${chart}${renderLegend(entries)}</figure>`;

  const capacityFigures = (
    points: RunReport['capacity']['byLoad'],
    dimension: string,
    idPrefix: string,
  ): string => {
    if (points.length === 0) return '';
    const names = [...new Set(points.map((point) => point.candidate))];
    const entries = legend.filter((entry) => names.includes(entry.name));
    return [
      figure(
        `Error rate by ${escapeHtml(dimension)}`,
        renderCapacityChart(points, {
          id: `${idPrefix}-error-rate`,
          metric: 'errorRate',
          axisTitle: dimension,
          colorIndex,
        }),
        entries,
      ),
      figure(
        `p99 latency by ${escapeHtml(dimension)}`,
        renderCapacityChart(points, {
          id: `${idPrefix}-p99`,
          metric: 'p99Ms',
          axisTitle: dimension,
          colorIndex,
        }),
        entries,
      ),
    ].join('\n');
  };
  const byLoad = capacityFigures(report.capacity.byLoad, 'load level', 'capacity-load');
  const bySize = capacityFigures(report.capacity.bySize, 'request size', 'capacity-size');
  const capacityNote =
    byLoad === '' && bySize === ''
      ? '<p class="muted">No capacity data in this run.</p>'
      : byLoad === ''
        ? '<p class="note">No load sweep in this run: the capacity cliff is shown by request size only.</p>'
        : '';
  return [
    '<div class="charts">',
    figure('Latency CDF (from intended send time, log scale)', cdf, legend),
    figure(
      'Cost per success vs quality; dashed line: Pareto front',
      renderCostQualityChart(scatterPoints),
      scatterLegend,
    ),
    '</div>',
    '<h3 id="capacity-cliff">Capacity cliff</h3>',
    capacityNote,
    `<div class="charts">${byLoad}${bySize}</div>`,
  ].join('\n');
}

/**
 * The report as one self-contained HTML page: inline CSS, inline SVG charts rendered here
 * (latency CDF, cost vs quality with the Pareto front, capacity cliff), every table, and the
 * filterable diff. It fetches nothing, so it opens offline; all report text is escaped.
 */
export function renderHtml(report: RunReport): string {
  const candidates = orderCandidates(report.candidates, report.baseline);
  const colorIndex = new Map(candidates.map((candidate, index) => [candidate.candidate, index]));
  const legend: LegendEntry[] = candidates.map((candidate) => ({
    name: candidate.candidate,
    index: colorIndex.get(candidate.candidate) ?? 0,
    ...(candidate.candidate === report.baseline ? { note: '(baseline)' } : {}),
  }));
  const { failed } = countGates(report.gates);
  const banner = report.simulated
    ? `<p class="banner" role="note"><strong>SIMULATED:</strong> ${escapeHtml(SIMULATED_NOTICE.replace(/^SIMULATED: t/, 'T'))} Candidates marked “sim” ran on the simulated provider.</p>`
    : '';
  const verdict = report.passed
    ? '<p class="verdict pass">PASS: every gate passed</p>'
    : `<p class="verdict fail">FAIL: ${failed} of ${countNoun(report.gates.length, 'gate')} failed</p>`;
  const intended =
    report.load.intendedRps === null ? NOT_AVAILABLE : formatRps(report.load.intendedRps);
  const skipped = report.trace.skipped;
  const meta = [
    ['Run id', `<code>${escapeHtml(report.id)}</code>`],
    [
      'Started',
      `${escapeHtml(report.startedAt)} (took ${formatDuration(report.startedAt, report.finishedAt)})`,
    ],
    [
      'Trace',
      `${escapeHtml(report.trace.source)} (${countNoun(report.trace.entries, 'entry', 'entries')})`,
    ],
    [
      'Skipped trace lines',
      skipped.length === 0
        ? '0'
        : `<a href="#skipped" class="bad">${skipped.length.toLocaleString('en-US')}</a>`,
    ],
    [
      'Load',
      `${escapeHtml(report.load.description)} (<code>${escapeHtml(report.load.model)}</code>)`,
    ],
    [
      'Request rate',
      `intended ${intended}, achieved ${formatRps(report.load.achievedRps)}, max send lag ${formatMs(report.load.maxLagMs)}`,
    ],
    ['Baseline', escapeHtml(report.baseline)],
  ]
    .map(([term, value]) => `<dt>${term}</dt><dd>${value}</dd>`)
    .join('');

  const sections: string[] = [];
  sections.push(
    section(
      'summary',
      'Summary',
      candidates.length === 0
        ? '<p>No candidate results.</p>'
        : `${htmlTable(summaryTable(candidates, report.baseline), { label: 'Summary per candidate' })}<p class="note">Latency is measured from the intended send time (includes queueing behind the schedule); service time from the actual send. Cost per success includes failed and retried attempts.</p>`,
    ),
  );
  sections.push(
    section(
      'gates',
      'Gates',
      report.gates.length === 0
        ? '<p>No gates configured.</p>'
        : htmlTable(gatesTable(report.gates), { label: 'Gate verdicts', markFailedRows: true }),
    ),
  );
  sections.push(section('charts', 'Charts', renderChartsSection(report, legend, colorIndex)));
  sections.push(
    section(
      'slices',
      'Slices',
      report.slices.length === 0
        ? '<p>No slices.</p>'
        : htmlTable(slicesTable(report.slices, candidates), { label: 'Metrics per slice' }),
    ),
  );
  const checks = checksTable(candidates, report.baseline);
  const determinism = determinismTable(candidates);
  sections.push(
    section(
      'checks',
      'Checks',
      (checks === null
        ? '<p>No checks ran.</p>'
        : htmlTable(checks, { label: 'Check pass rates' })) +
        (determinism === null
          ? ''
          : `<h3>Determinism</h3>${htmlTable(determinism, { label: 'Determinism over repeats' })}`),
    ),
  );
  const errors = errorBreakdownTable(candidates, report.baseline);
  sections.push(
    section(
      'errors',
      'Error breakdown',
      errors === null ? '<p>No errors.</p>' : htmlTable(errors, { label: 'Errors by class' }),
    ),
  );
  sections.push(
    section(
      'capacity',
      'Capacity cliff tables',
      [
        '<h3>By request size</h3>',
        report.capacity.bySize.length === 0
          ? '<p>No data.</p>'
          : htmlTable(capacityTable(report.capacity.bySize), { label: 'Capacity by request size' }),
        '<h3>By load</h3>',
        report.capacity.byLoad.length === 0
          ? '<p>No data (the run used a single load level).</p>'
          : htmlTable(capacityTable(report.capacity.byLoad), { label: 'Capacity by load level' }),
      ].join('\n'),
    ),
  );
  const advice = report.advice;
  sections.push(
    section(
      'advice',
      'Policy advice',
      advice === null
        ? '<p>No policy advice for this run.</p>'
        : [
            advice.whatIf !== null && advice.whatIf.length > 0
              ? `<h3>What-if: current vs proposed policy</h3><p class="note">The same trace replayed through the current policy and through the proposed one.</p>${htmlTable(whatIfTable(advice.whatIf), { label: 'What-if before and after' })}`
              : '',
            advice.choices.length > 0
              ? `<h3>Proposed routing</h3>${htmlTable(adviceChoicesTable(advice.choices), { label: 'Proposed routing per slice' })}`
              : '',
            `<h3>Proposed policy (YAML)</h3><pre><code>${escapeHtml(advice.yaml)}</code></pre>`,
          ].join('\n'),
    ),
  );
  sections.push(section('diff', 'Diff', renderDiffSection(report)));
  sections.push(
    section(
      'skipped',
      'Skipped trace lines',
      skipped.length === 0
        ? '<p>None: every trace line was read.</p>'
        : `<p>${countNoun(skipped.length, 'line')} could not be read and ${skipped.length === 1 ? 'was' : 'were'} skipped.</p><div class="table-wrap" role="region" aria-label="Skipped trace lines" tabindex="0"><table><thead><tr><th scope="col" class="num">line</th><th scope="col">reason</th></tr></thead><tbody>${skipped
            .slice(0, HTML_DIFF_ROW_LIMIT)
            .map(
              (line) =>
                `<tr><td class="num">${line.line}</td><td>${escapeHtml(line.reason)}</td></tr>`,
            )
            .join(
              '',
            )}</tbody></table></div>${skipped.length > HTML_DIFF_ROW_LIMIT ? `<p class="note">And ${(skipped.length - HTML_DIFF_ROW_LIMIT).toLocaleString('en-US')} more; see report.json.</p>` : ''}`,
    ),
  );

  const navigation = [
    ['summary', 'Summary'],
    ['gates', 'Gates'],
    ['charts', 'Charts'],
    ['slices', 'Slices'],
    ['checks', 'Checks'],
    ['errors', 'Errors'],
    ['capacity', 'Capacity'],
    ['advice', 'Policy advice'],
    ['diff', 'Diff'],
    ['skipped', 'Skipped lines'],
  ]
    .map(([id, label]) => `<li><a href="#${id}">${label}</a></li>`)
    .join('');
  const title = `Switchyard eval: ${report.name}${report.simulated ? ' [SIMULATED]' : ''}`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<header>
${banner}
<h1>Switchyard eval report: ${escapeHtml(report.name)}</h1>
${verdict}
<dl class="meta">${meta}</dl>
<nav aria-label="Sections"><ul>${navigation}</ul></nav>
</header>
${sections.join('\n')}
<footer>Generated by Switchyard from run ${escapeHtml(report.id)}. This page is self-contained and needs no network.${report.simulated ? ` ${escapeHtml(SIMULATED_NOTICE)}` : ''}</footer>
</main>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}
