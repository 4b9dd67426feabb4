import { useState } from 'preact/hooks';
import { Link, useParams } from 'wouter-preact';
import type { RunReport } from '../../eval/run-report.js';
import {
  costQualityPoints,
  paretoFrontNames,
  renderCostQualityChart,
} from '../../report/charts/render-cost-quality-chart.js';
import { renderLatencyCdfChart } from '../../report/charts/render-latency-cdf-chart.js';
import { type LegendEntry, renderLegend } from '../../report/charts/svg-chart.js';
import {
  countNoun,
  formatDuration,
  formatMs,
  formatRps,
  formatScore,
  NOT_AVAILABLE,
} from '../../report/format-values.js';
import {
  checksTable,
  countGates,
  errorBreakdownTable,
  gatesTable,
  orderCandidates,
  slicesTable,
  summaryTable,
} from '../../report/report-tables.js';
import { api } from '../api/api-client.js';
import { useApi } from '../api/use-api.js';
import { useWorkspaceInfo } from '../api/workspace-info-context.js';
import { ChartFigure } from '../components/chart-figure.js';
import { ApiView } from '../components/data-state.js';
import { FeatureUnavailable } from '../components/feature-unavailable.js';
import { ReportTableView } from '../components/report-table-view.js';
import {
  type DiffFilter,
  diffFilterOptions,
  filterDiffRows,
  NO_DIFF_FILTER,
} from '../logic/diff-filter.js';
import { formatTimestamp } from '../logic/format-timestamp.js';
import { playgroundLinkForPrompt } from '../logic/playground-link.js';

/** Diff rows rendered at first; more on request, so a 10,000-row run stays responsive. */
const DIFF_PAGE = 50;

function Section({
  id,
  title,
  children,
}: {
  id: string;
  title: string;
  children: preact.ComponentChildren;
}) {
  return (
    <section id={id} aria-labelledby={`${id}-heading`} class="report-section">
      <h2 id={`${id}-heading`}>{title}</h2>
      {children}
    </section>
  );
}

function Charts({ report }: { report: RunReport }) {
  const candidates = orderCandidates(report.candidates, report.baseline);
  const colorIndex = new Map(candidates.map((candidate, index) => [candidate.candidate, index]));
  const legend: LegendEntry[] = candidates.map((candidate) => ({
    name: candidate.candidate,
    index: colorIndex.get(candidate.candidate) ?? 0,
    ...(candidate.candidate === report.baseline ? { note: '(baseline)' } : {}),
  }));
  const cdf = renderLatencyCdfChart(
    candidates.map((candidate) => ({
      name: candidate.candidate,
      index: colorIndex.get(candidate.candidate) ?? 0,
      points: candidate.latencyCdf,
    })),
    'run-latency-cdf',
  );
  const points = costQualityPoints(candidates, colorIndex);
  const front = paretoFrontNames(points);
  const simulated = report.simulated ? ' (simulated)' : '';
  return (
    <div class="charts">
      <ChartFigure
        id="figure-latency-cdf"
        caption={`Latency CDF (from intended send time, log scale)${simulated}`}
        markup={cdf}
        legend={renderLegend(legend)}
      />
      <ChartFigure
        id="figure-cost-quality"
        caption={`Cost per success vs quality; dashed line: Pareto front${simulated}`}
        markup={renderCostQualityChart(points, 'run-cost-quality')}
        legend={renderLegend(
          legend.map((entry) =>
            front.has(entry.name) ? { ...entry, note: '(Pareto front)' } : entry,
          ),
        )}
      />
    </div>
  );
}

function DiffText({ text }: { text: string | null }) {
  if (text === null) return <p class="bad">error: no answer</p>;
  return <div class="diff-text">{text}</div>;
}

function DiffView({ report }: { report: RunReport }) {
  const info = useWorkspaceInfo();
  // Only a live gateway has a playground to open a prompt in.
  const canOpen = info.mode === 'gateway' && info.features.playground;
  const [filter, setFilter] = useState<DiffFilter>(NO_DIFF_FILTER);
  const [shown, setShown] = useState(DIFF_PAGE);
  if (report.diff.length === 0) {
    return <p>No diff rows: there was no baseline answer to compare with.</p>;
  }
  const options = diffFilterOptions(report.diff);
  const rows = filterDiffRows(report.diff, filter);
  const visible = rows.slice(0, shown);
  const change = (field: keyof DiffFilter) => (event: Event) => {
    setFilter({ ...filter, [field]: (event.currentTarget as HTMLSelectElement).value });
    setShown(DIFF_PAGE);
  };
  return (
    <>
      <p>
        Baseline (<strong>{report.baseline}</strong>) and candidate answers side by side, largest
        lexical drift first (0 identical, 1 nothing shared).
      </p>
      <form
        class="filters"
        aria-label="Filter diff rows"
        onSubmit={(event) => event.preventDefault()}
      >
        <div class="field">
          <label for="diff-slice">Slice</label>
          <select id="diff-slice" value={filter.slice} onChange={change('slice')}>
            <option value="">All slices</option>
            {options.slices.map((slice) => (
              <option key={slice} value={slice}>
                {slice}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="diff-check">Failed check</label>
          <select id="diff-check" value={filter.check} onChange={change('check')}>
            <option value="">Any outcome</option>
            <option value="any">Any failed check</option>
            <option value="none">No failed check</option>
            {options.checks.map((check) => (
              <option key={check} value={check}>
                {check}
              </option>
            ))}
          </select>
        </div>
        {options.candidates.length > 1 && (
          <div class="field">
            <label for="diff-candidate">Candidate</label>
            <select id="diff-candidate" value={filter.candidate} onChange={change('candidate')}>
              <option value="">All candidates</option>
              {options.candidates.map((candidate) => (
                <option key={candidate} value={candidate}>
                  {candidate}
                </option>
              ))}
            </select>
          </div>
        )}
        <div class="field">
          <button
            type="button"
            onClick={() => {
              setFilter(NO_DIFF_FILTER);
              setShown(DIFF_PAGE);
            }}
          >
            Clear filters
          </button>
        </div>
      </form>
      <p role="status" aria-live="polite" class="filter-status" data-testid="diff-status">
        Showing {visible.length} of {rows.length} matching rows ({report.diff.length} in all)
      </p>
      {rows.length === 0 ? (
        <p class="state state-empty">No diff rows match these filters.</p>
      ) : (
        <ol class="diff-list">
          {visible.map((row) => (
            <li key={`${row.entryId}:${row.candidate}`} class="diff-row" data-entry={row.entryId}>
              <div class="diff-head">
                <span class="drift" title="lexical drift from the baseline">
                  drift <strong>{formatScore(row.drift)}</strong>
                </span>
                <code>{row.entryId}</code>
                <span>{row.candidate}</span>
                {row.slices.map((slice) => (
                  <span key={slice} class="chip">
                    {slice}
                  </span>
                ))}
                {row.failedChecks.map((check) => (
                  <span key={check} class="chip chip-bad">
                    failed: {check}
                  </span>
                ))}
              </div>
              <div class="diff-columns">
                <div>
                  <h3 class="diff-label">Prompt</h3>
                  <DiffText text={row.prompt} />
                  {canOpen && (
                    <Link
                      class="diff-action"
                      href={playgroundLinkForPrompt(row.prompt, {
                        run: report.name,
                        entry: row.entryId,
                      })}
                    >
                      Open in playground
                      <span class="visually-hidden">
                        {' '}
                        (entry {row.entryId}, candidate {row.candidate})
                      </span>
                    </Link>
                  )}
                </div>
                <div>
                  <h3 class="diff-label">Baseline ({report.baseline})</h3>
                  <DiffText text={row.baselineText} />
                </div>
                <div>
                  <h3 class="diff-label">Candidate ({row.candidate})</h3>
                  <DiffText text={row.candidateText} />
                </div>
              </div>
            </li>
          ))}
        </ol>
      )}
      {rows.length > visible.length && (
        <button type="button" onClick={() => setShown(shown + DIFF_PAGE)}>
          Show {Math.min(DIFF_PAGE, rows.length - visible.length)} more
        </button>
      )}
    </>
  );
}

function RunReportView({ report }: { report: RunReport }) {
  const candidates = orderCandidates(report.candidates, report.baseline);
  const { failed } = countGates(report.gates);
  const errors = errorBreakdownTable(candidates, report.baseline);
  const checks = checksTable(candidates, report.baseline);
  const sections = [
    ['summary', 'Summary'],
    ['gates', 'Gates'],
    ['charts', 'Charts'],
    ['slices', 'Slices'],
    ['checks', 'Checks'],
    ['errors', 'Errors'],
    ['diff', 'Diff'],
  ] as const;
  return (
    <article aria-labelledby="run-heading">
      <p class="breadcrumb">
        <Link href="/runs">← All runs</Link>
      </p>
      {report.simulated && (
        <p class="banner" role="note">
          <strong>SIMULATED:</strong> these results come from simulated (sim) targets, not real
          models.
        </p>
      )}
      <h1 id="run-heading">{report.name}</h1>
      <p class={`verdict ${report.passed ? 'pass' : 'fail'}`} data-testid="run-verdict">
        {report.passed
          ? 'PASS: every gate passed'
          : `FAIL: ${failed} of ${countNoun(report.gates.length, 'gate')} failed`}
      </p>
      <dl class="meta">
        <dt>Run id</dt>
        <dd>
          <code>{report.id}</code>
        </dd>
        <dt>Started</dt>
        <dd>
          {formatTimestamp(report.startedAt)} (took{' '}
          {formatDuration(report.startedAt, report.finishedAt)})
        </dd>
        <dt>Trace</dt>
        <dd>
          {report.trace.source} ({countNoun(report.trace.entries, 'entry', 'entries')}
          {report.trace.skipped.length > 0 && `, ${report.trace.skipped.length} lines skipped`})
        </dd>
        <dt>Load</dt>
        <dd>
          {report.load.description} (<code>{report.load.model}</code>): intended{' '}
          {report.load.intendedRps === null ? NOT_AVAILABLE : formatRps(report.load.intendedRps)},
          achieved {formatRps(report.load.achievedRps)}, max send lag{' '}
          {formatMs(report.load.maxLagMs)}
        </dd>
        <dt>Baseline</dt>
        <dd>{report.baseline}</dd>
      </dl>
      <nav aria-label="Run sections">
        <ul class="section-nav-list">
          {sections.map(([id, label]) => (
            <li key={id}>
              <a href={`#${id}`}>{label}</a>
            </li>
          ))}
        </ul>
      </nav>
      <Section id="summary" title="Summary">
        {candidates.length === 0 ? (
          <p>No candidate results.</p>
        ) : (
          <>
            <ReportTableView
              table={summaryTable(candidates, report.baseline)}
              label="Summary per candidate"
            />
            <p class="note">
              Latency is measured from the intended send time (includes queueing); cost per success
              includes failed and retried attempts.
            </p>
          </>
        )}
      </Section>
      <Section id="gates" title="Gates">
        {report.gates.length === 0 ? (
          <p>No gates configured.</p>
        ) : (
          <ReportTableView table={gatesTable(report.gates)} label="Gate verdicts" markFailedRows />
        )}
      </Section>
      <Section id="charts" title="Charts">
        <Charts report={report} />
      </Section>
      <Section id="slices" title="Slices">
        {report.slices.length === 0 ? (
          <p>No slices in this run.</p>
        ) : (
          <ReportTableView
            table={slicesTable(report.slices, candidates)}
            label="Metrics per slice"
          />
        )}
      </Section>
      <Section id="checks" title="Checks">
        {checks === null ? (
          <p>No checks ran.</p>
        ) : (
          <ReportTableView table={checks} label="Check pass rates" />
        )}
      </Section>
      <Section id="errors" title="Error breakdown">
        {errors === null ? (
          <p>No errors: every request succeeded.</p>
        ) : (
          <ReportTableView table={errors} label="Errors by class" />
        )}
      </Section>
      <Section id="diff" title="Diff">
        <DiffView report={report} />
      </Section>
    </article>
  );
}

/** One eval run: summary, gates, charts, slices, errors and the baseline-vs-candidate diff. */
export function RunPage() {
  const info = useWorkspaceInfo();
  const params = useParams<{ id: string }>();
  const id = decodeURIComponent(params.id ?? '');
  if (!info.features.runs) {
    return <FeatureUnavailable title="Run" reason="This server has no run store to read." />;
  }
  return <RunLoader id={id} />;
}

function RunLoader({ id }: { id: string }) {
  const report = useApi((signal) => api.run(id, signal), `run:${id}`);
  return (
    <ApiView
      state={report}
      loadingLabel={`Loading run ${id}…`}
      errorTitle={`Could not load run ${id}`}
    >
      {(data) => <RunReportView report={data} />}
    </ApiView>
  );
}
