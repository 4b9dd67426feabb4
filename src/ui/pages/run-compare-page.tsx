import { Link, useSearch } from 'wouter-preact';
import type { RunReport } from '../../eval/run-report.js';
import { api } from '../api/api-client.js';
import { useApi } from '../api/use-api.js';
import { useWorkspaceInfo } from '../api/workspace-info-context.js';
import { ApiView, EmptyState } from '../components/data-state.js';
import { FeatureUnavailable } from '../components/feature-unavailable.js';
import { ScrollTable } from '../components/scroll-table.js';
import { SimulatedBadge } from '../components/simulated-badge.js';
import { compareRuns } from '../logic/compare-runs.js';
import { formatTimestamp } from '../logic/format-timestamp.js';

function RunHeading({ label, report }: { label: string; report: RunReport }) {
  return (
    <div class="compare-run">
      <h2>
        Run {label}: <Link href={`/runs/${encodeURIComponent(report.id)}`}>{report.name}</Link>
      </h2>
      <p>
        <code class="small">{report.id}</code> · {formatTimestamp(report.startedAt)} ·{' '}
        <span class={`verdict-chip ${report.passed ? 'good' : 'bad'}`}>
          {report.passed ? 'PASS' : 'FAIL'}
        </span>{' '}
        {report.simulated && <SimulatedBadge title="This run used simulated targets" />}
      </p>
    </div>
  );
}

function Comparison({ a, b }: { a: RunReport; b: RunReport }) {
  const comparison = compareRuns(a, b);
  return (
    <>
      <div class="compare-runs">
        <RunHeading label="A" report={a} />
        <RunHeading label="B" report={b} />
      </div>
      {comparison.candidates.length === 0 ? (
        <EmptyState title="Nothing to compare side by side">
          <p>No candidate appears in both runs.</p>
        </EmptyState>
      ) : (
        comparison.candidates.map((candidate) => (
          <section key={candidate.candidate} aria-labelledby={`compare-${candidate.candidate}`}>
            <h3 id={`compare-${candidate.candidate}`}>
              {candidate.candidate} {candidate.simulated && <SimulatedBadge />}
            </h3>
            <ScrollTable label={`${candidate.candidate}: run A vs run B`}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">metric</th>
                    <th scope="col" class="num">
                      run A
                    </th>
                    <th scope="col" class="num">
                      run B
                    </th>
                    <th scope="col" class="num">
                      change (B − A)
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {candidate.rows.map((row) => (
                    <tr key={row.label}>
                      <th scope="row">{row.label}</th>
                      <td class="num">{row.a}</td>
                      <td class="num">{row.b}</td>
                      <td
                        class={`num ${row.tone === 'better' ? 'good' : row.tone === 'worse' ? 'bad' : ''}`}
                      >
                        {row.delta}
                        {row.tone !== null && <span class="delta-verdict"> {row.tone}</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollTable>
          </section>
        ))
      )}
      {comparison.onlyInA.length > 0 && (
        <p class="note">Only in run A: {comparison.onlyInA.join(', ')}</p>
      )}
      {comparison.onlyInB.length > 0 && (
        <p class="note">Only in run B: {comparison.onlyInB.join(', ')}</p>
      )}
    </>
  );
}

/** Two runs side by side: per shared candidate, each key metric and its change from A to B. */
export function RunComparePage() {
  const info = useWorkspaceInfo();
  const params = new URLSearchParams(useSearch());
  const a = params.get('a') ?? '';
  const b = params.get('b') ?? '';
  const both = useApi(
    async (signal) => Promise.all([api.run(a, signal), api.run(b, signal)]),
    `compare:${a}:${b}`,
  );
  if (!info.features.runs) {
    return (
      <FeatureUnavailable title="Compare runs" reason="This server has no run store to read." />
    );
  }
  return (
    <section aria-labelledby="compare-heading">
      <p class="breadcrumb">
        <Link href="/runs">← All runs</Link>
      </p>
      <h1 id="compare-heading">Compare runs</h1>
      <p class="lede">
        Each change reads from run A (the older run) to run B, marked “better” or “worse” where the
        metric has a better direction.
      </p>
      {a === '' || b === '' ? (
        <EmptyState title="Pick two runs">
          <p>
            Choose two runs on the <Link href="/runs">runs page</Link> and press “Compare selected
            runs”.
          </p>
        </EmptyState>
      ) : (
        <ApiView
          state={both}
          loadingLabel="Loading both runs…"
          errorTitle="Could not load the runs"
        >
          {([runA, runB]) => <Comparison a={runA} b={runB} />}
        </ApiView>
      )}
    </section>
  );
}
