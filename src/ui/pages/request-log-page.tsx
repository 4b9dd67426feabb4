import { useEffect, useState } from 'preact/hooks';
import { Link, useLocation, useSearch } from 'wouter-preact';
import type {
  RequestSummary,
  WorkspaceInfo,
} from '../../gateway/workspace-api/workspace-api-types.js';
import { formatCount, formatMs, formatUsd } from '../../report/format-values.js';
import { api } from '../api/api-client.js';
import { errorMessage } from '../api/api-error.js';
import { useApi } from '../api/use-api.js';
import { useWorkspaceInfo } from '../api/workspace-info-context.js';
import { ApiView, EmptyState } from '../components/data-state.js';
import { FeatureUnavailable } from '../components/feature-unavailable.js';
import { ScrollTable } from '../components/scroll-table.js';
import { SimulatedBadge } from '../components/simulated-badge.js';
import { formatTimestamp } from '../logic/format-timestamp.js';
import {
  EMPTY_REQUEST_FILTERS,
  filtersFromSearch,
  filtersToSearch,
  type RequestFilters,
  requestListQuery,
  validateFilters,
} from '../logic/request-filters.js';

const PAGE_SIZES = ['25', '50', '100', '200', '500'];

function FilterForm({ info, applied }: { info: WorkspaceInfo; applied: RequestFilters }) {
  const [, navigate] = useLocation();
  const [draft, setDraft] = useState(applied);
  const [problems, setProblems] = useState<Partial<Record<keyof RequestFilters, string>>>({});
  // The URL is the source of truth: Back/Forward or a link resets the form to what is applied.
  const appliedKey = filtersToSearch(applied);
  useEffect(() => setDraft(applied), [appliedKey]);
  const set = (field: keyof RequestFilters) => (event: Event) =>
    setDraft({ ...draft, [field]: (event.currentTarget as HTMLInputElement).value });
  const describedBy = (field: keyof RequestFilters) =>
    problems[field] === undefined ? undefined : `filter-${field}-error`;
  const problem = (field: keyof RequestFilters) =>
    problems[field] === undefined ? null : (
      <p class="field-error" id={`filter-${field}-error`}>
        {problems[field]}
      </p>
    );
  return (
    <form
      class="filters"
      aria-label="Filter requests"
      onSubmit={(event) => {
        event.preventDefault();
        const found = validateFilters(draft);
        setProblems(found);
        if (Object.keys(found).length > 0) return;
        const search = filtersToSearch(draft);
        navigate(search === '' ? '/requests' : `/requests?${search}`);
      }}
    >
      <div class="field">
        <label for="filter-route">Route</label>
        <select id="filter-route" name="route" value={draft.route} onChange={set('route')}>
          <option value="">Any route</option>
          {info.routes.map((route) => (
            <option key={route} value={route}>
              {route}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="filter-target">Target</label>
        <select id="filter-target" name="target" value={draft.target} onChange={set('target')}>
          <option value="">Any target</option>
          {info.targets.map((target) => (
            <option key={target.name} value={target.name}>
              {target.name}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="filter-status">Status</label>
        <input
          id="filter-status"
          name="status"
          list="status-options"
          size={8}
          placeholder="ok, error, 429"
          value={draft.status}
          aria-invalid={problems.status !== undefined}
          aria-describedby={describedBy('status')}
          onInput={set('status')}
        />
        <datalist id="status-options">
          <option value="ok">ok (below 400)</option>
          <option value="error">error (400 and above)</option>
          <option value="200" />
          <option value="429" />
          <option value="500" />
          <option value="502" />
          <option value="503" />
        </datalist>
        {problem('status')}
      </div>
      <div class="field">
        <label for="filter-user">User</label>
        <input
          id="filter-user"
          name="user"
          size={12}
          value={draft.user}
          autocomplete="off"
          onInput={set('user')}
        />
      </div>
      {(
        [
          ['since', 'Since'],
          ['until', 'Until'],
        ] as const
      ).map(([name, label]) => (
        <div class="field" key={name}>
          <label for={`filter-${name}`}>{label}</label>
          <input
            id={`filter-${name}`}
            name={name}
            type="datetime-local"
            step={1}
            value={draft[name]}
            aria-invalid={problems[name] !== undefined}
            aria-describedby={describedBy(name)}
            onInput={set(name)}
          />
          {problem(name)}
        </div>
      ))}
      <div class="field">
        <label for="filter-limit">Per page</label>
        <select id="filter-limit" name="limit" value={draft.limit} onChange={set('limit')}>
          {(PAGE_SIZES.includes(draft.limit) ? PAGE_SIZES : [draft.limit, ...PAGE_SIZES]).map(
            (size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ),
          )}
        </select>
      </div>
      <div class="field button-row">
        <button type="submit" class="button-primary">
          Apply filters
        </button>
        <button
          type="button"
          onClick={() => {
            setDraft(EMPTY_REQUEST_FILTERS);
            setProblems({});
            navigate('/requests');
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}

function StatusCell({ request }: { request: RequestSummary }) {
  const ok = request.status < 400;
  return (
    <td>
      <span class={`status-chip ${ok ? 'good' : 'bad'}`}>{request.status}</span>
      {request.errorCode !== null && (
        <>
          {' '}
          <code class="small">{request.errorCode}</code>
        </>
      )}
    </td>
  );
}

function RequestRows({ info, requests }: { info: WorkspaceInfo; requests: RequestSummary[] }) {
  const simulated = new Set(
    info.targets.filter((target) => target.simulated).map((target) => target.name),
  );
  return (
    <ScrollTable label="Requests, newest first">
      <table class="request-table">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Route</th>
            <th scope="col">Target</th>
            <th scope="col">Status</th>
            <th scope="col">User</th>
            <th scope="col" class="num">
              Latency
            </th>
            <th scope="col" class="num">
              TTFT
            </th>
            <th scope="col" class="num">
              Tokens in / out
            </th>
            <th scope="col" class="num">
              Cost
            </th>
            <th scope="col" class="num">
              Attempts
            </th>
            <th scope="col">Flags</th>
          </tr>
        </thead>
        <tbody>
          {requests.map((request) => (
            <tr key={request.id} data-request-id={request.id}>
              <th scope="row" class="nowrap">
                <Link
                  href={`/requests/${encodeURIComponent(request.id)}`}
                  aria-label={`Request ${request.id} at ${formatTimestamp(request.ts)}`}
                >
                  {formatTimestamp(request.ts)}
                </Link>
              </th>
              <td data-column="route">{request.route ?? <span class="muted">—</span>}</td>
              <td data-column="target">
                {request.servedTarget ?? <span class="muted">none</span>}
                {request.servedTarget !== null && simulated.has(request.servedTarget) && (
                  <>
                    {' '}
                    <SimulatedBadge />
                  </>
                )}
              </td>
              <StatusCell request={request} />
              <td data-column="user">{request.userId ?? <span class="muted">—</span>}</td>
              <td class="num">{formatMs(request.latencyMs)}</td>
              <td class="num">{formatMs(request.ttftMs)}</td>
              <td class="num">
                {formatCount(request.tokensIn)} / {formatCount(request.tokensOut)}
              </td>
              <td class="num">{formatUsd(request.costUsd)}</td>
              <td class="num">{request.attempts}</td>
              <td>
                {request.stream && <span class="chip">stream</span>}
                {request.canary && <span class="chip">canary</span>}
                {request.shadow && <span class="chip">shadow</span>}
                {request.degraded !== null && <span class="chip chip-bad">{request.degraded}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}

interface OlderPages {
  key: string;
  rows: RequestSummary[];
  next: string | null;
  loading: boolean;
  error: string | null;
}

/** The request log, newest first, filtered by route, target, status, user and time. */
export function RequestLogPage() {
  const info = useWorkspaceInfo();
  if (!info.features.requestLog) {
    return (
      <FeatureUnavailable
        title="Request log"
        reason="This server has no readable request log (logging is off in the policy)."
      >
        <p>
          Turn the log on with{' '}
          <code>
            log: {'{'} path: switchyard.db {'}'}
          </code>{' '}
          in the policy; every request is then recorded and can be browsed, filtered and replayed
          here.
        </p>
      </FeatureUnavailable>
    );
  }
  return <RequestLog info={info} />;
}

function RequestLog({ info }: { info: WorkspaceInfo }) {
  const search = useSearch();
  const filters = filtersFromSearch(search);
  const invalid = Object.keys(validateFilters(filters)).length > 0;
  const firstPage = useApi(
    (signal) => api.requests(requestListQuery(invalid ? EMPTY_REQUEST_FILTERS : filters), signal),
    `requests?${search}`,
  );
  const [older, setOlder] = useState<OlderPages | null>(null);
  const current = older !== null && older.key === search ? older : null;
  const loadOlder = async (cursor: string, before: RequestSummary[]) => {
    setOlder({ key: search, rows: before, next: cursor, loading: true, error: null });
    try {
      const page = await api.requests(requestListQuery(filters, cursor));
      setOlder({
        key: search,
        rows: [...before, ...page.requests],
        next: page.next,
        loading: false,
        error: null,
      });
    } catch (error) {
      setOlder({
        key: search,
        rows: before,
        next: cursor,
        loading: false,
        error: errorMessage(error),
      });
    }
  };
  return (
    <section aria-labelledby="requests-heading">
      <h1 id="requests-heading">Requests</h1>
      <p class="lede">
        Every request the gateway served, newest first.{' '}
        {info.features.capturedBodies
          ? 'Bodies are captured (redacted), so chats can be opened and replayed.'
          : 'Body capture is off, so chats are not stored.'}
      </p>
      <FilterForm info={info} applied={filters} />
      <ApiView
        state={firstPage}
        loadingLabel="Loading requests…"
        errorTitle="Could not load the request log"
      >
        {(page) => {
          const rows = [...page.requests, ...(current?.rows ?? [])];
          const next = current === null ? page.next : current.next;
          if (rows.length === 0) {
            return (
              <EmptyState
                title={search === '' ? 'No requests yet' : 'No requests match these filters'}
              >
                <p>
                  {search === ''
                    ? 'Send a request to this gateway (or use the playground) and it will show up here.'
                    : 'Widen the filters, or clear them to see every request.'}
                </p>
              </EmptyState>
            );
          }
          return (
            <>
              <p class="filter-status" role="status" aria-live="polite" data-testid="request-count">
                {rows.length} request{rows.length === 1 ? '' : 's'} shown
                {next === null ? ' (all that match)' : ''}
              </p>
              <RequestRows info={info} requests={rows} />
              {current?.error != null && (
                <p class="notice notice-bad" role="alert">
                  Could not load older requests: {current.error}
                </p>
              )}
              {next !== null && (
                <button
                  type="button"
                  disabled={current?.loading === true}
                  onClick={() => void loadOlder(next, current?.rows ?? [])}
                >
                  {current?.loading === true ? 'Loading…' : 'Load older requests'}
                </button>
              )}
            </>
          );
        }}
      </ApiView>
    </section>
  );
}
