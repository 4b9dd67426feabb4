import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import type { RunListResponse } from '../../gateway/workspace-api/workspace-api-types.js';
import { formatCount } from '../../report/format-values.js';
import { api } from '../api/api-client.js';
import { useApi } from '../api/use-api.js';
import { useWorkspaceInfo } from '../api/workspace-info-context.js';
import { ApiView, EmptyState } from '../components/data-state.js';
import { FeatureUnavailable } from '../components/feature-unavailable.js';
import { ScrollTable } from '../components/scroll-table.js';
import { SimulatedBadge } from '../components/simulated-badge.js';
import { formatTimestamp } from '../logic/format-timestamp.js';

type RunListing = RunListResponse['runs'][number];

function RunsTable({ runs }: { runs: RunListing[] }) {
  const [, navigate] = useLocation();
  const [picked, setPicked] = useState<string[]>([]);
  const toggle = (id: string, checked: boolean) =>
    setPicked((current) =>
      checked
        ? [...current.filter((entry) => entry !== id), id].slice(-2)
        : current.filter((entry) => entry !== id),
    );
  const compare = () => {
    // Run A is the older run, so deltas read as "what changed since".
    const [first, second] = runs.filter((run) => picked.includes(run.id)).reverse();
    if (first === undefined || second === undefined) return;
    navigate(`/runs/compare?a=${encodeURIComponent(first.id)}&b=${encodeURIComponent(second.id)}`);
  };
  return (
    <>
      <div class="toolbar">
        <p id="compare-hint" class="hint">
          Tick two runs to compare them side by side ({picked.length} of 2 chosen).
        </p>
        <button
          type="button"
          class="button-primary"
          disabled={picked.length !== 2}
          onClick={compare}
          aria-describedby="compare-hint"
        >
          Compare selected runs
        </button>
      </div>
      <ScrollTable label="Eval runs">
        <table class="runs-table">
          <thead>
            <tr>
              <th scope="col">Compare</th>
              <th scope="col">Run</th>
              <th scope="col">Started</th>
              <th scope="col">Baseline</th>
              <th scope="col">Candidates</th>
              <th scope="col" class="num">
                Requests
              </th>
              <th scope="col">Gates</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.id} data-run-id={run.id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Compare ${run.name} (${run.id})`}
                    checked={picked.includes(run.id)}
                    onChange={(event) => toggle(run.id, event.currentTarget.checked)}
                  />
                </td>
                <th scope="row">
                  <Link href={`/runs/${encodeURIComponent(run.id)}`}>{run.name}</Link>
                  <br />
                  <code class="muted small">{run.id}</code>
                  {run.simulated && (
                    <>
                      {' '}
                      <SimulatedBadge title="Some candidates in this run were simulated" />
                    </>
                  )}
                </th>
                <td class="nowrap">{formatTimestamp(run.startedAt)}</td>
                <td>{run.baseline}</td>
                <td>{run.candidates.join(', ')}</td>
                <td class="num">{formatCount(run.requests)}</td>
                <td>
                  <span class={`verdict-chip ${run.passed ? 'good' : 'bad'}`}>
                    {run.passed ? 'PASS' : 'FAIL'}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollTable>
    </>
  );
}

/** Stored eval runs, newest first, with links to each run and a two-run comparison. */
export function RunsPage() {
  const info = useWorkspaceInfo();
  if (!info.features.runs) {
    return (
      <FeatureUnavailable
        title="Runs"
        reason="This server has no run store to read, so there are no eval runs to show."
      >
        <p>
          Runs are stored by <code>switchyard eval</code> in the log database. Point the gateway at
          the database your evals write to, or open it with{' '}
          <code>switchyard ui --db &lt;file&gt;</code>.
        </p>
      </FeatureUnavailable>
    );
  }
  return <RunList />;
}

function RunList() {
  const runs = useApi((signal) => api.runs(signal), 'runs');
  return (
    <section aria-labelledby="runs-heading">
      <h1 id="runs-heading">Runs</h1>
      <p class="lede">
        Every stored evaluation: a trace replayed against candidates under load, judged by gates.
      </p>
      <ApiView state={runs} loadingLabel="Loading runs…" errorTitle="Could not load the runs">
        {(data) =>
          data.runs.length === 0 ? (
            <EmptyState title="No runs yet">
              <p>
                Run an evaluation with <code>switchyard eval --config eval.yaml</code> (or try{' '}
                <code>switchyard demo</code>); its results appear here.
              </p>
            </EmptyState>
          ) : (
            <RunsTable runs={data.runs} />
          )
        }
      </ApiView>
    </section>
  );
}
