import { Fragment } from 'preact';
import { Link, useLocation, useParams } from 'wouter-preact';
import type {
  RequestDetail,
  WorkspaceInfo,
} from '../../gateway/workspace-api/workspace-api-types.js';
import { formatCount, formatMs, formatUsd } from '../../report/format-values.js';
import { api } from '../api/api-client.js';
import { useApi } from '../api/use-api.js';
import { useWorkspaceInfo } from '../api/workspace-info-context.js';
import { ApiView } from '../components/data-state.js';
import { FeatureUnavailable } from '../components/feature-unavailable.js';
import { ScrollTable } from '../components/scroll-table.js';
import { SimulatedBadge } from '../components/simulated-badge.js';
import { attemptWaterfall } from '../logic/attempt-waterfall.js';
import { formatTimestamp } from '../logic/format-timestamp.js';
import { chatFromRecord, messageText } from '../logic/replay-chat.js';

function Waterfall({ record }: { record: RequestDetail }) {
  if (record.attempts.length === 0) {
    return (
      <p class="note">
        No upstream attempt was made (the request was rejected or answered from the cache).
      </p>
    );
  }
  const layout = attemptWaterfall(record.ts, record.latencyMs, record.attempts);
  return (
    <figure class="waterfall">
      <figcaption>
        Attempts on the request’s timeline (0 to {formatMs(layout.spanMs)}); the tick marks the
        first token.
      </figcaption>
      <ol class="waterfall-rows">
        {layout.bars.map((bar, index) => (
          <li key={index} class="waterfall-row">
            <span class="waterfall-label">
              {index + 1}. {bar.target}
            </span>
            <span class="waterfall-track" aria-hidden="true">
              <span
                class={`waterfall-bar ${bar.ok ? 'ok' : 'failed'}`}
                style={{ left: `${bar.offsetPercent}%`, width: `${bar.widthPercent}%` }}
              >
                {bar.ttftPercent !== null && (
                  <span class="waterfall-ttft" style={{ left: `${bar.ttftPercent}%` }} />
                )}
              </span>
            </span>
            <span class="waterfall-text small">
              starts +{formatMs(bar.startMs)}, {formatMs(bar.latencyMs)}
              {bar.ttftMs !== null && `, TTFT ${formatMs(bar.ttftMs)}`}
              {bar.ok ? '' : ' (failed)'}
            </span>
          </li>
        ))}
      </ol>
    </figure>
  );
}

function Chat({ record, info }: { record: RequestDetail; info: WorkspaceInfo }) {
  const [, navigate] = useLocation();
  if (record.request === null) {
    return (
      <p class="notice notice-info">
        Body capture was off when this request was logged, so its chat was not stored and cannot be
        shown or replayed.
      </p>
    );
  }
  const chat = chatFromRecord(record.request);
  const messages =
    chat === null
      ? []
      : [...chat.history, ...(chat.prompt === '' ? [] : [{ role: 'user', content: chat.prompt }])];
  const canReplay = chat !== null && info.mode === 'gateway' && info.features.playground;
  return (
    <>
      {messages.length === 0 ? (
        <p class="note">The stored body holds no chat messages.</p>
      ) : (
        <ol class="chat">
          {messages.map((message, index) => (
            <li key={index} class={`chat-message chat-${message.role}`}>
              <span class="chat-role">{message.role}</span>
              <div class="chat-text">{messageText(message.content) || <em>(no text)</em>}</div>
            </li>
          ))}
          <li class="chat-message chat-assistant chat-answer">
            <span class="chat-role">
              answer{record.servedTarget !== null && ` (${record.servedTarget})`}
            </span>
            <div class="chat-text">
              {record.responseText ?? <em class="muted">No answer text was stored.</em>}
            </div>
          </li>
        </ol>
      )}
      <details>
        <summary>Stored request body (JSON, redacted as stored)</summary>
        <pre>
          <code>{JSON.stringify(record.request, null, 2)}</code>
        </pre>
      </details>
      <div class="button-row">
        <button
          type="button"
          class="button-primary"
          disabled={!canReplay}
          aria-describedby={canReplay ? undefined : 'replay-hint'}
          onClick={() => navigate(`/playground?replay=${encodeURIComponent(record.id)}`)}
        >
          Replay this chat
        </button>
        {!canReplay && (
          <span id="replay-hint" class="hint">
            {chat === null
              ? 'There is no chat to replay.'
              : 'Replaying needs a live gateway (the playground).'}
          </span>
        )}
      </div>
    </>
  );
}

function RequestView({ record, info }: { record: RequestDetail; info: WorkspaceInfo }) {
  const simulated = info.targets.some(
    (target) => target.name === record.servedTarget && target.simulated,
  );
  const facts: Array<[string, preact.ComponentChildren]> = [
    ['Request id', <code key="id">{record.id}</code>],
    ['Time', formatTimestamp(record.ts)],
    [
      'Status',
      <span key="status" class={record.status < 400 ? 'good' : 'bad'}>
        {record.status}
        {record.errorCode !== null && ` (${record.errorCode})`}
      </span>,
    ],
    ['Route', record.route ?? '—'],
    ['Rule', record.rule ?? '—'],
    ['Intent', record.intent ?? '—'],
    [
      'Served by',
      <>
        {record.servedTarget ?? 'no target'} {simulated && <SimulatedBadge />}
      </>,
    ],
    [
      'User / session / tenant',
      `${record.userId ?? '—'} / ${record.sessionId ?? '—'} / ${record.tenant ?? '—'}`,
    ],
    [
      'Latency',
      `${formatMs(record.latencyMs)} (TTFT ${formatMs(record.ttftMs)}, gateway overhead ${formatMs(record.overheadMs)})`,
    ],
    [
      'Tokens in / out',
      `${formatCount(record.tokensIn)} / ${formatCount(record.tokensOut)} (${record.usageSource})`,
    ],
    ['Cost', formatUsd(record.costUsd)],
    ['Finish reason', record.finishReason ?? '—'],
    [
      'Flags',
      [
        record.stream ? 'stream' : 'non-stream',
        record.canary ? 'canary' : null,
        record.shadow ? `shadow of ${record.shadowOf ?? '?'}` : null,
        record.degraded ? `degraded (${record.degraded})` : null,
        record.contextFit,
      ]
        .filter(Boolean)
        .join(', '),
    ],
  ];
  if (record.tags.length > 0) facts.push(['Tags', record.tags.join(', ')]);
  return (
    <article aria-labelledby="request-heading">
      <p class="breadcrumb">
        <Link href="/requests">← Request log</Link>
      </p>
      <h1 id="request-heading">Request {record.id}</h1>
      <dl class="meta">
        {facts.map(([term, value]) => (
          <Fragment key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </Fragment>
        ))}
      </dl>
      <section aria-labelledby="attempts-heading">
        <h2 id="attempts-heading">Attempts</h2>
        <Waterfall record={record} />
        {record.attempts.length > 0 && (
          <ScrollTable label="Attempt details">
            <table>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Target</th>
                  <th scope="col">Started</th>
                  <th scope="col">Upstream status</th>
                  <th scope="col">Error class</th>
                  <th scope="col" class="num">
                    Latency
                  </th>
                  <th scope="col" class="num">
                    TTFT
                  </th>
                </tr>
              </thead>
              <tbody>
                {record.attempts.map((attempt, index) => (
                  <tr key={index}>
                    <th scope="row">{index + 1}</th>
                    <td>{attempt.target}</td>
                    <td class="nowrap">+{formatMs(Math.max(0, attempt.startedAt - record.ts))}</td>
                    <td>{attempt.status ?? 'no response'}</td>
                    <td class={attempt.errorClass === null ? 'good' : 'bad'}>
                      {attempt.errorClass ?? 'ok'}
                    </td>
                    <td class="num">{formatMs(attempt.latencyMs)}</td>
                    <td class="num">{formatMs(attempt.ttftMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollTable>
        )}
      </section>
      <section aria-labelledby="chat-heading">
        <h2 id="chat-heading">Chat</h2>
        <Chat record={record} info={info} />
      </section>
    </article>
  );
}

/** One logged request: its facts, its attempts as a waterfall, and the stored chat to replay. */
export function RequestPage() {
  const info = useWorkspaceInfo();
  const params = useParams<{ id: string }>();
  const id = decodeURIComponent(params.id ?? '');
  if (!info.features.requestLog) {
    return <FeatureUnavailable title="Request" reason="This server has no readable request log." />;
  }
  return <RequestLoader id={id} info={info} />;
}

function RequestLoader({ id, info }: { id: string; info: WorkspaceInfo }) {
  const record = useApi((signal) => api.request(id, signal), `request:${id}`);
  return (
    <ApiView
      state={record}
      loadingLabel={`Loading request ${id}…`}
      errorTitle={`Could not load request ${id}`}
    >
      {(data) => <RequestView record={data} info={info} />}
    </ApiView>
  );
}
