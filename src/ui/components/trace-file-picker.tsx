import { useState } from 'preact/hooks';
import { errorMessage } from '../api/api-error.js';
import {
  filterTraceEntries,
  parseTraceFile,
  type TraceFile,
  type TraceFileEntry,
} from '../logic/parse-trace-file.js';
import { chatFromRecord, type ReplayedChat } from '../logic/replay-chat.js';
import { LoadingState } from './data-state.js';

/*
 * The playground's trace file picker: a JSONL trace from the user's disk is read and parsed in
 * the browser (nothing is uploaded), its chats are listed, and a pick fills the playground.
 */

/** Larger files are refused: the whole file is read into memory to be parsed. */
const MAX_TRACE_BYTES = 32 * 1024 * 1024;
/** Entries listed at once; the filter narrows a long trace down. */
const SHOWN_ENTRIES = 50;
/** Skipped lines listed by number and reason; the count covers all of them. */
const SHOWN_SKIPPED = 20;

type ReadState =
  | { status: 'idle' }
  | { status: 'reading'; name: string }
  | { status: 'error'; name: string; message: string }
  | { status: 'ready'; name: string; trace: TraceFile };

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

function TraceEntries({
  name,
  trace,
  onPick,
}: {
  name: string;
  trace: TraceFile;
  onPick(entry: TraceFileEntry): void;
}) {
  const [query, setQuery] = useState('');
  const matching = filterTraceEntries(trace.entries, query);
  const shown = matching.slice(0, SHOWN_ENTRIES);
  return (
    <>
      <p data-testid="trace-summary">
        <strong>{name}</strong>: {plural(trace.entries.length, 'chat', 'chats')}
        {trace.skipped.length > 0 &&
          `; ${plural(trace.skipped.length, 'malformed line', 'malformed lines')} skipped`}
        .
      </p>
      {trace.skipped.length > 0 && (
        <details class="skipped-lines">
          <summary>Why lines were skipped</summary>
          <ul>
            {trace.skipped.slice(0, SHOWN_SKIPPED).map((skip) => (
              <li key={skip.line}>
                Line {skip.line}: {skip.reason}
              </li>
            ))}
            {trace.skipped.length > SHOWN_SKIPPED && (
              <li>…and {trace.skipped.length - SHOWN_SKIPPED} more.</li>
            )}
          </ul>
        </details>
      )}
      {trace.entries.length === 0 ? (
        <p class="note picker-empty">
          No line of this file is a chat <code>switchyard eval</code> could replay.
        </p>
      ) : (
        <>
          <div class="field">
            <label for="trace-filter">Filter entries</label>
            <input
              id="trace-filter"
              type="search"
              value={query}
              placeholder="id, tag or words"
              aria-describedby="trace-filter-status"
              onInput={(event) => setQuery(event.currentTarget.value)}
            />
            <p class="hint" id="trace-filter-status" role="status" aria-live="polite">
              {matching.length === trace.entries.length
                ? `Showing ${shown.length} of ${plural(trace.entries.length, 'chat', 'chats')}`
                : `${matching.length} matching; showing ${shown.length}`}
            </p>
          </div>
          {matching.length === 0 ? (
            <p class="note picker-empty">No entry matches “{query.trim()}”.</p>
          ) : (
            <ul class="picker-list" aria-label={`Chats in ${name}`}>
              {shown.map((entry) => (
                <li key={entry.line}>
                  <button
                    type="button"
                    class="picker-item"
                    data-entry={entry.id}
                    onClick={() => onPick(entry)}
                  >
                    <span class="picker-item-title">
                      <code>{entry.id}</code>{' '}
                      {entry.tags.map((tag) => (
                        <span key={tag} class="chip">
                          {tag}
                        </span>
                      ))}
                    </span>
                    <span class="picker-item-detail">
                      {entry.preview === '' ? '(no text)' : entry.preview}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </>
  );
}

/** A file input that lists a local JSONL trace's chats; a pick fills the playground's chat. */
export function TraceFilePicker({ onPick }: { onPick(chat: ReplayedChat, source: string): void }) {
  const [state, setState] = useState<ReadState>({ status: 'idle' });
  const read = async (file: File) => {
    if (file.size > MAX_TRACE_BYTES) {
      setState({
        status: 'error',
        name: file.name,
        message: `The file is ${Math.round(file.size / 1024 / 1024)} MB; the playground reads traces up to ${MAX_TRACE_BYTES / 1024 / 1024} MB.`,
      });
      return;
    }
    setState({ status: 'reading', name: file.name });
    try {
      setState({ status: 'ready', name: file.name, trace: parseTraceFile(await file.text()) });
    } catch (error) {
      setState({ status: 'error', name: file.name, message: errorMessage(error) });
    }
  };
  return (
    <details class="picker" data-testid="trace-file-picker">
      <summary>From a trace file</summary>
      <div class="picker-body">
        <div class="field">
          <label for="trace-file">JSONL trace file</label>
          <input
            id="trace-file"
            type="file"
            accept=".jsonl,.ndjson,.json,.txt"
            aria-describedby="trace-file-hint"
            onChange={(event) => {
              const file = event.currentTarget.files?.[0];
              if (file !== undefined) void read(file);
            }}
          />
          <p class="hint" id="trace-file-hint">
            Read in this browser; nothing is uploaded. Each line is an OpenAI request, an exported
            log record, or <code>{'{"prompt": …}'}</code>, as <code>switchyard eval</code> reads.
          </p>
        </div>
        {state.status === 'reading' && <LoadingState label={`Reading ${state.name}…`} />}
        {state.status === 'error' && (
          <p class="notice notice-bad" role="alert">
            Could not read {state.name}: {state.message} Choose another file to try again.
          </p>
        )}
        {state.status === 'ready' && (
          <TraceEntries
            name={state.name}
            trace={state.trace}
            onPick={(entry) => {
              const chat = chatFromRecord({ messages: entry.messages });
              if (chat !== null) {
                onPick(chat, `entry ${entry.id} (line ${entry.line}) of ${state.name}`);
              }
            }}
          />
        )}
        {state.status === 'idle' && <p class="note picker-empty">No file chosen yet.</p>}
      </div>
    </details>
  );
}
