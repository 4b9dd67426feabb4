import { useState } from 'preact/hooks';
import type {
  LiveBudget,
  LiveCanary,
  LiveSnapshot,
  WorkspaceInfo,
} from '../../gateway/workspace-api/workspace-api-types.js';
import { formatMs, formatPercent, formatUsd } from '../../report/format-values.js';
import { formatGateValue } from '../../report/report-tables.js';
import { api } from '../api/api-client.js';
import { errorMessage } from '../api/api-error.js';
import { usePolling } from '../api/use-polling.js';
import { useWorkspaceInfo } from '../api/workspace-info-context.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { EmptyState, ErrorState, LoadingState } from '../components/data-state.js';
import { FeatureUnavailable } from '../components/feature-unavailable.js';
import { ScrollTable } from '../components/scroll-table.js';
import { SimulatedBadge } from '../components/simulated-badge.js';
import { Sparkline } from '../components/sparkline.js';
import { formatDurationMs, formatTimestamp } from '../logic/format-timestamp.js';

/** How often the live page polls `GET /api/live`. */
const POLL_INTERVAL_MS = 2000;

function formatRate(value: number): string {
  return `${value.toFixed(value >= 10 ? 0 : 2)} req/s`;
}

function TrafficTable({ snapshot }: { snapshot: LiveSnapshot }) {
  if (snapshot.traffic.length === 0) {
    return (
      <EmptyState title="No traffic">
        <p>No requests reached this gateway in the last {snapshot.windowSeconds} s.</p>
      </EmptyState>
    );
  }
  return (
    <ScrollTable label="Traffic per route and target">
      <table>
        <thead>
          <tr>
            <th scope="col">Route</th>
            <th scope="col">Target</th>
            <th scope="col" class="num">
              Req/s
            </th>
            <th scope="col" class="num">
              p50
            </th>
            <th scope="col" class="num">
              p95
            </th>
            <th scope="col" class="num">
              Error rate
            </th>
            <th scope="col" class="num">
              Cost / min
            </th>
            <th scope="col">Requests ({snapshot.windowSeconds} s)</th>
          </tr>
        </thead>
        <tbody>
          {snapshot.traffic.map((row) => (
            <tr key={`${row.route}:${row.target}`}>
              <th scope="row">{row.route}</th>
              <td>
                {row.target === 'none' ? <span class="muted">none answered</span> : row.target}{' '}
                {row.simulated && <SimulatedBadge />}
              </td>
              <td class="num">{formatRate(row.requestsPerSecond)}</td>
              <td class="num">{formatMs(row.p50Ms)}</td>
              <td class="num">{formatMs(row.p95Ms)}</td>
              <td class={`num ${row.errorRate > 0.05 ? 'bad' : ''}`}>
                {formatPercent(row.errorRate)}
              </td>
              <td class="num">{formatUsd(row.costPerMinuteUsd)}</td>
              <td class="spark-cell">
                <Sparkline
                  series={row.series}
                  label={`${row.route} → ${row.target} requests per 5 s`}
                />
                <span class="small muted">{row.requests} total</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}

function Breakers({ snapshot }: { snapshot: LiveSnapshot }) {
  if (snapshot.breakers.length === 0)
    return <p class="note">No circuit breakers are configured.</p>;
  return (
    <ul class="breaker-list">
      {snapshot.breakers.map((breaker) => (
        <li key={breaker.target} class={`breaker breaker-${breaker.state}`}>
          <span class="breaker-target">{breaker.target}</span>
          <span class="breaker-state">{breaker.state}</span>
        </li>
      ))}
    </ul>
  );
}

function CanaryCard({ canary }: { canary: LiveCanary }) {
  const verdict = canary.lastVerdict;
  return (
    <article class="card canary" aria-labelledby={`canary-${canary.route}`}>
      <h3 id={`canary-${canary.route}`}>
        Route {canary.route}: {canary.candidate} <span class="chip">{canary.status}</span>
      </h3>
      <p>
        <label for={`canary-progress-${canary.route}`}>
          {canary.percentage}% of traffic
          {canary.nextPercentage !== null ? `, next step ${canary.nextPercentage}%` : ''}
        </label>
        <progress id={`canary-progress-${canary.route}`} max={100} value={canary.percentage}>
          {canary.percentage}%
        </progress>
      </p>
      {canary.steps.length > 0 && (
        <ol class="steps" aria-label="Canary steps">
          {canary.steps.map((step) => (
            <li key={step} class={step <= canary.percentage ? 'reached' : undefined}>
              {step}%
            </li>
          ))}
        </ol>
      )}
      <p class="small">
        Samples: {canary.samples.canary} canary, {canary.samples.baseline} baseline.
      </p>
      {verdict === null ? (
        <p class="note">Not judged yet. Gates: {canary.gates.join('; ') || 'none'}.</p>
      ) : (
        <>
          <p>
            Last verdict ({formatTimestamp(verdict.at)}): <strong>{verdict.action}</strong>,{' '}
            {verdict.reason}
            {verdict.detail !== '' && <span class="muted"> ({verdict.detail})</span>}
          </p>
          {verdict.gates.length === 0 ? (
            <p class="note">No gate values yet. Gates: {canary.gates.join('; ') || 'none'}.</p>
          ) : (
            <ScrollTable label={`Canary gates of ${canary.route}`}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Gate</th>
                    <th scope="col">Status</th>
                    <th scope="col" class="num">
                      Canary
                    </th>
                    <th scope="col" class="num">
                      Baseline
                    </th>
                    <th scope="col" class="num">
                      Threshold
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {verdict.gates.map((gate) => (
                    <tr key={gate.gate}>
                      <th scope="row">
                        <code>{gate.gate}</code>
                      </th>
                      <td
                        class={
                          gate.status === 'fail' ? 'bad' : gate.status === 'pass' ? 'good' : ''
                        }
                      >
                        {gate.status}
                      </td>
                      <td class="num">{formatGateValue(gate.canary)}</td>
                      <td class="num">{formatGateValue(gate.baseline)}</td>
                      <td class="num">{formatGateValue(gate.threshold)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollTable>
          )}
        </>
      )}
      <h4>History</h4>
      {canary.history.length === 0 ? (
        <p class="note">No promotions or rollbacks yet.</p>
      ) : (
        <ol class="history-list">
          {canary.history.map((entry) => (
            <li key={`${entry.at}:${entry.type}`}>
              <span class={`chip ${entry.type.includes('rollback') ? 'chip-bad' : ''}`}>
                {entry.type}
              </span>{' '}
              {formatTimestamp(entry.at)}: {entry.fromPercentage}% → {entry.toPercentage}%,{' '}
              {entry.reason}
              {entry.manual && ' (manual)'}
            </li>
          ))}
        </ol>
      )}
    </article>
  );
}

function BudgetMeter({ budget }: { budget: LiveBudget }) {
  const id = `budget-${budget.id.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
  const share = budget.limitUsd > 0 ? budget.spentUsd / budget.limitUsd : 0;
  return (
    <li class={`budget ${budget.exceeded ? 'budget-exceeded' : ''}`}>
      <label for={id}>
        <strong>{budget.id}</strong>: {formatUsd(budget.spentUsd)} of {formatUsd(budget.limitUsd)} (
        {formatPercent(Math.min(share, 9.99))})
      </label>
      <meter
        id={id}
        min={0}
        max={budget.limitUsd}
        low={budget.limitUsd * 0.75}
        high={budget.limitUsd * 0.9}
        optimum={0}
        value={Math.min(budget.spentUsd, budget.limitUsd)}
      />
      <span class="small muted">
        Resets in {formatDurationMs(budget.resetsInMs)}. When exceeded:{' '}
        {budget.onExceeded === 'downgrade'
          ? `downgrade to route ${budget.downgradeRoute ?? '(none)'}`
          : 'reject requests'}
        .{budget.exceeded && <strong class="bad"> Exceeded now.</strong>}
      </span>
    </li>
  );
}

function KillSwitchPanel({
  info,
  snapshot,
  onChanged,
}: {
  info: WorkspaceInfo;
  snapshot: LiveSnapshot;
  onChanged(): void;
}) {
  const [dialog, setDialog] = useState<'kill' | 'lift' | null>(null);
  const [busy, setBusy] = useState(false);
  const [dialogError, setDialogError] = useState<string | null>(null);
  const [result, setResult] = useState<{ tone: 'good' | 'bad'; text: string } | null>(null);
  const kill = snapshot.killSwitch;
  const active = kill?.active === true;
  const submit = async (data: FormData) => {
    const token = String(data.get('admin-token') ?? '').trim();
    const reason = String(data.get('reason') ?? '').trim();
    if (token === '') {
      setDialogError('Enter the admin token.');
      return;
    }
    setBusy(true);
    setDialogError(null);
    try {
      const state = await api.changeTraffic(
        dialog === 'kill'
          ? { kill: true, reason }
          : { kill: false, ...(reason === '' ? {} : { reason }) },
        token,
      );
      const now = state.kill_switch;
      setResult({
        tone: 'good',
        text: now?.active
          ? `Kill-switch is ON: every request now takes route ${now.safeRoute}.`
          : 'Kill-switch lifted: requests follow the policy again.',
      });
      setDialog(null);
      onChanged();
    } catch (error) {
      setDialogError(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section
      class={`card kill-switch ${active ? 'kill-active' : ''}`}
      aria-labelledby="kill-heading"
    >
      <h2 id="kill-heading">Kill-switch</h2>
      <p data-testid="kill-state">
        {active && kill !== null ? (
          <>
            <strong class="bad">ON</strong> since {formatTimestamp(kill.since)} by {kill.actor}
            {kill.reason !== null && kill.reason !== '' && <>: “{kill.reason}”</>}. Every request
            takes route <strong>{kill.safeRoute}</strong>.
          </>
        ) : (
          <>
            <strong>Off.</strong> When on, every request takes the safe route{' '}
            <strong>{snapshot.safeRoute}</strong>.
          </>
        )}
      </p>
      {info.features.killSwitch ? (
        <div class="button-row">
          {active ? (
            <button
              type="button"
              class="button-primary"
              onClick={() => {
                setResult(null);
                setDialogError(null);
                setDialog('lift');
              }}
            >
              Lift kill-switch…
            </button>
          ) : (
            <button
              type="button"
              class="button-danger"
              onClick={() => {
                setResult(null);
                setDialogError(null);
                setDialog('kill');
              }}
            >
              Kill traffic…
            </button>
          )}
        </div>
      ) : (
        <p class="note">
          No admin token is configured on this gateway (<code>server.admin_token_env</code>), so the
          kill-switch cannot be used from here.
        </p>
      )}
      <div role="status" aria-live="polite">
        {result !== null && (
          <p class={`notice notice-${result.tone}`} data-testid="kill-result">
            {result.text}
          </p>
        )}
      </div>
      <ConfirmDialog
        open={dialog !== null}
        title={dialog === 'lift' ? 'Lift the kill-switch?' : 'Send all traffic to the safe route?'}
        confirmLabel={dialog === 'lift' ? 'Lift kill-switch' : 'Kill traffic'}
        danger={dialog === 'kill'}
        busy={busy}
        onCancel={() => {
          setDialog(null);
          setDialogError(null);
        }}
        onConfirm={(data) => void submit(data)}
      >
        <p>
          {dialog === 'lift'
            ? 'Requests will follow the routing policy again, starting with the next request.'
            : `From the next request on, every request takes route ${snapshot.safeRoute}, whatever the policy says, until the kill-switch is lifted.`}
        </p>
        <div class="field">
          <label for="kill-reason">Reason{dialog === 'kill' ? '' : ' (optional)'}</label>
          <input id="kill-reason" name="reason" required={dialog === 'kill'} autocomplete="off" />
        </div>
        <div class="field">
          <label for="kill-admin-token">Admin token</label>
          <input
            id="kill-admin-token"
            name="admin-token"
            type="password"
            required
            autocomplete="off"
          />
          <p class="hint">Sent once with this change; never stored.</p>
        </div>
        {dialogError !== null && (
          <p class="notice notice-bad" role="alert">
            {dialogError}
          </p>
        )}
      </ConfirmDialog>
    </section>
  );
}

function LiveView({
  info,
  snapshot,
  refresh,
}: {
  info: WorkspaceInfo;
  snapshot: LiveSnapshot;
  refresh(): void;
}) {
  return (
    <>
      <KillSwitchPanel info={info} snapshot={snapshot} onChanged={refresh} />
      <section aria-labelledby="traffic-heading">
        <h2 id="traffic-heading">Traffic</h2>
        <TrafficTable snapshot={snapshot} />
      </section>
      <div class="two-columns">
        <section aria-labelledby="breakers-heading">
          <h2 id="breakers-heading">Circuit breakers</h2>
          <Breakers snapshot={snapshot} />
        </section>
        <section aria-labelledby="budgets-heading">
          <h2 id="budgets-heading">Budgets</h2>
          {snapshot.budgets.length === 0 ? (
            <p class="note">No budgets are configured.</p>
          ) : (
            <ul class="budget-list">
              {snapshot.budgets.map((budget) => (
                <BudgetMeter key={budget.id} budget={budget} />
              ))}
            </ul>
          )}
        </section>
      </div>
      <section aria-labelledby="canaries-heading">
        <h2 id="canaries-heading">Canaries</h2>
        {snapshot.canaries.length === 0 ? (
          <p class="note">No route has a canary.</p>
        ) : (
          snapshot.canaries.map((canary) => <CanaryCard key={canary.route} canary={canary} />)
        )}
      </section>
    </>
  );
}

/** Live traffic, breakers, canaries and budgets, polled every 2 s, with the kill-switch. */
export function LivePage() {
  const info = useWorkspaceInfo();
  if (info.mode !== 'gateway' || !info.features.live) {
    return (
      <FeatureUnavailable
        title="Live traffic"
        reason={
          info.mode === 'offline'
            ? 'This Workspace is reading a stored database (switchyard ui), so there is no live traffic to watch and nothing to steer.'
            : 'This gateway does not serve live traffic data.'
        }
      >
        <p>
          On a running gateway (<code>switchyard serve</code>) this page shows requests per second,
          p95 latency, error rate and cost per route and target, circuit breakers, canary progress,
          budgets, and the kill-switch.
        </p>
      </FeatureUnavailable>
    );
  }
  return <LiveMonitor info={info} />;
}

function LiveMonitor({ info }: { info: WorkspaceInfo }) {
  const live = usePolling((signal) => api.live(signal), POLL_INTERVAL_MS);
  return (
    <section aria-labelledby="live-heading">
      <div class="page-title-row">
        <h1 id="live-heading">Live</h1>
        <p class="small muted" aria-live="off">
          {live.updatedAt === null
            ? 'Waiting for the first update…'
            : `Updated ${formatTimestamp(live.updatedAt)} · refreshes every ${POLL_INTERVAL_MS / 1000} s`}
        </p>
      </div>
      {live.error !== null && live.data !== null && (
        <p class="notice notice-bad" role="alert">
          Live updates are failing ({live.error.message}); showing the data from{' '}
          {formatTimestamp(live.updatedAt ?? 0)}.
        </p>
      )}
      {live.data === null ? (
        live.error !== null ? (
          <ErrorState
            title="Could not load live traffic"
            error={live.error}
            onRetry={live.refresh}
          />
        ) : (
          <LoadingState label="Loading live traffic…" />
        )
      ) : (
        <LiveView info={info} snapshot={live.data} refresh={live.refresh} />
      )}
    </section>
  );
}
