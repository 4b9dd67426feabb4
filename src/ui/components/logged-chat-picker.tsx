import { useState } from 'preact/hooks';
import type { RequestSummary } from '../../gateway/workspace-api/workspace-api-types.js';
import { api } from '../api/api-client.js';
import { errorMessage } from '../api/api-error.js';
import { useApi } from '../api/use-api.js';
import { useWorkspaceInfo } from '../api/workspace-info-context.js';
import { formatTimestamp } from '../logic/format-timestamp.js';
import { chatFromRecord, type ReplayedChat } from '../logic/replay-chat.js';
import { ErrorState, LoadingState } from './data-state.js';

/*
 * The playground's "recent logged chats" picker. The list is fetched only when the user opens
 * it, so a playground visit costs no log query; a pick fetches that one record's stored body.
 */

/** Log rows read to find chats with a stored body; most gateways capture every body or none. */
const SCAN_ROWS = 100;
/** Chats offered in the list. */
const SHOWN_CHATS = 12;

function ChatList({ onPick }: { onPick(chat: ReplayedChat, source: string): void }) {
  const recent = useApi(
    (signal) => api.requests(`limit=${SCAN_ROWS}`, signal),
    'playground-recent-chats',
  );
  const [choosing, setChoosing] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  if (recent.status === 'loading') return <LoadingState label="Loading recent chats…" />;
  if (recent.status === 'error') {
    return (
      <ErrorState
        title="Could not load recent chats"
        error={recent.error}
        onRetry={recent.reload}
      />
    );
  }
  const chats = recent.data.requests.filter((row) => row.hasBody).slice(0, SHOWN_CHATS);
  if (chats.length === 0) {
    return (
      <p class="note picker-empty">
        {recent.data.requests.length === 0
          ? 'The request log is empty: send a chat through the gateway first.'
          : `None of the ${recent.data.requests.length} newest requests has a stored chat.`}
      </p>
    );
  }
  const pick = async (row: RequestSummary) => {
    setChoosing(row.id);
    setProblem(null);
    try {
      const record = await api.request(row.id);
      const chat = chatFromRecord(record.request);
      if (chat === null) setProblem(`Request ${row.id} has no stored chat to load.`);
      else onPick(chat, `request ${row.id}`);
    } catch (error) {
      setProblem(`Could not load request ${row.id}: ${errorMessage(error)}`);
    } finally {
      setChoosing(null);
    }
  };
  return (
    <>
      <ul class="picker-list" aria-label="Recent logged chats" aria-busy={choosing !== null}>
        {chats.map((row) => (
          <li key={row.id}>
            <button
              type="button"
              class="picker-item"
              data-request-id={row.id}
              disabled={choosing !== null}
              onClick={() => void pick(row)}
            >
              <span class="picker-item-title">
                {formatTimestamp(row.ts)} · {row.route ?? 'no route'} →{' '}
                {row.servedTarget ?? 'none answered'}
              </span>
              <span class="picker-item-detail">
                {row.userId === null ? 'no user' : `user ${row.userId}`} · HTTP {row.status} ·{' '}
                <code>{row.id}</code>
              </span>
            </button>
          </li>
        ))}
      </ul>
      <div role="status" aria-live="polite">
        {choosing !== null && <p class="small muted">Loading the chat of request {choosing}…</p>}
      </div>
      {problem !== null && (
        <p class="notice notice-bad" role="alert">
          {problem}
        </p>
      )}
    </>
  );
}

/** A collapsible list of the newest logged requests with a stored chat; a pick fills the chat. */
export function LoggedChatPicker({ onPick }: { onPick(chat: ReplayedChat, source: string): void }) {
  const info = useWorkspaceInfo();
  const [open, setOpen] = useState(false);
  const body = !open ? null : !info.features.requestLog ? (
    <p class="note picker-empty">This gateway keeps no readable request log.</p>
  ) : !info.features.capturedBodies ? (
    <p class="note picker-empty">
      Request bodies are not captured on this gateway (<code>log.capture_bodies</code> is off), so
      logged chats cannot be loaded.
    </p>
  ) : (
    <ChatList onPick={onPick} />
  );
  return (
    <details
      class="picker"
      data-testid="logged-chat-picker"
      onToggle={(event) => setOpen((event.currentTarget as HTMLDetailsElement).open)}
    >
      <summary>From the request log</summary>
      <div class="picker-body">{body}</div>
    </details>
  );
}
