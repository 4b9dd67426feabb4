import { useEffect, useRef, useState } from 'preact/hooks';
import { useSearch } from 'wouter-preact';
import type {
  SuiteCaseSaved,
  WorkspaceInfo,
} from '../../gateway/workspace-api/workspace-api-types.js';
import { formatCount, formatMs, formatUsd } from '../../report/format-values.js';
import { api } from '../api/api-client.js';
import { errorMessage } from '../api/api-error.js';
import { streamChat } from '../api/stream-chat.js';
import { useWorkspaceInfo } from '../api/workspace-info-context.js';
import { LoadingState } from '../components/data-state.js';
import { FeatureUnavailable } from '../components/feature-unavailable.js';
import { LoggedChatPicker } from '../components/logged-chat-picker.js';
import { SimulatedBadge } from '../components/simulated-badge.js';
import { TraceFilePicker } from '../components/trace-file-picker.js';
import { answerCost, isSimulatedAnswer } from '../logic/answer-cost.js';
import { type AnswerState, createAnswer } from '../logic/answer-stream.js';
import { promptFromSearch } from '../logic/playground-link.js';
import {
  type ChatMessage,
  chatFromRecord,
  messageText,
  type ReplayedChat,
} from '../logic/replay-chat.js';

/** The playground compares at least this many and at most this many models. */
const MIN_MODELS = 2;
const MAX_MODELS = 4;

function defaultSelection(info: WorkspaceInfo): string[] {
  const targets = info.targets
    .map((target) => target.name)
    .filter((name) => info.models.includes(name));
  const pool = targets.length >= MIN_MODELS ? targets : info.models;
  return pool.slice(0, MIN_MODELS);
}

function modelKind(info: WorkspaceInfo, model: string): string {
  if (model === 'auto') return 'policy decides';
  if (info.routes.includes(model)) return 'route';
  const target = info.targets.find((entry) => entry.name === model);
  if (target !== undefined) return target.simulated ? 'target, simulated' : 'target';
  return 'model';
}

function AnswerColumn({ answer, info }: { answer: AnswerState; info: WorkspaceInfo }) {
  const cost = answerCost(answer, info.targets);
  const simulated = isSimulatedAnswer(answer, info.targets);
  const busy = answer.status === 'waiting' || answer.status === 'streaming';
  const headingId = `answer-${answer.model.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
  return (
    <article
      class={`answer answer-${answer.status}`}
      aria-labelledby={headingId}
      aria-busy={busy}
      data-model={answer.model}
    >
      <header class="answer-header">
        <h3 id={headingId}>{answer.model}</h3>
        {simulated && <SimulatedBadge />}
      </header>
      <p class="answer-meta">
        {answer.target === null ? (
          <span class="muted">{busy ? 'Waiting for the first byte…' : 'No target answered'}</span>
        ) : (
          <>
            answered by <strong data-testid="answer-target">{answer.target}</strong>
            {answer.route !== null && <> via route {answer.route}</>}
          </>
        )}
      </p>
      {answer.error !== null && (
        <div class="answer-error" role="alert">
          <strong>Error</strong>
          {answer.error.status !== null && ` (HTTP ${answer.error.status})`}: {answer.error.message}{' '}
          <code>{answer.error.code}</code>
        </div>
      )}
      {(answer.text !== '' || answer.error === null) && (
        <div class="answer-text" data-testid="answer-text">
          {answer.text === '' && busy ? <span class="muted">…</span> : answer.text}
        </div>
      )}
      <dl class="answer-metrics">
        <div>
          <dt>Latency</dt>
          <dd data-metric="latency">{busy ? 'running…' : formatMs(answer.latencyMs)}</dd>
        </div>
        <div>
          <dt>TTFT</dt>
          <dd data-metric="ttft">{formatMs(answer.ttftMs)}</dd>
        </div>
        <div>
          <dt>Tokens in / out</dt>
          <dd data-metric="tokens">
            {answer.usage === null
              ? '—'
              : `${formatCount(answer.usage.promptTokens)} / ${formatCount(answer.usage.completionTokens)}`}
          </dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd data-metric="cost">{formatUsd(cost)}</dd>
        </div>
      </dl>
    </article>
  );
}

function SaveCaseForm({
  info,
  messages,
  answers,
}: {
  info: WorkspaceInfo;
  messages: ChatMessage[];
  answers: AnswerState[];
}) {
  const [expected, setExpected] = useState('');
  const [tags, setTags] = useState('');
  const [note, setNote] = useState('');
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<SuiteCaseSaved | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (info.features.suitePath === null) {
    return (
      <p class="note">
        Saving test cases is off on this gateway (no suite file is configured), so this comparison
        cannot be kept as an eval case.
      </p>
    );
  }
  const finished = answers.filter((answer) => answer.status === 'done');
  return (
    <form
      class="save-case form-stack"
      aria-labelledby="save-case-heading"
      onSubmit={async (event) => {
        event.preventDefault();
        setSaving(true);
        setError(null);
        setSaved(null);
        const chosen = finished.find((answer) => answer.model === expected);
        try {
          setSaved(
            await api.saveSuiteCase({
              request: { messages },
              ...(chosen === undefined ? {} : { expected: chosen.text }),
              tags: tags
                .split(',')
                .map((tag) => tag.trim())
                .filter((tag) => tag !== ''),
              ...(note.trim() === '' ? {} : { note: note.trim() }),
            }),
          );
        } catch (caught) {
          setError(errorMessage(caught));
        } finally {
          setSaving(false);
        }
      }}
    >
      <h2 id="save-case-heading">Save as test case</h2>
      <p class="hint">
        Appends this chat to <code>{info.features.suitePath}</code>, a suite that{' '}
        <code>switchyard eval</code> can replay.
      </p>
      <fieldset>
        <legend>Expected answer (optional)</legend>
        <label class="choice">
          <input
            type="radio"
            name="expected"
            value=""
            checked={expected === ''}
            onChange={() => setExpected('')}
          />
          No expected answer
        </label>
        {finished.map((answer) => (
          <label class="choice" key={answer.model}>
            <input
              type="radio"
              name="expected"
              value={answer.model}
              checked={expected === answer.model}
              onChange={() => setExpected(answer.model)}
            />
            The answer of {answer.model}
            {answer.target !== null && answer.target !== answer.model && ` (${answer.target})`}
          </label>
        ))}
      </fieldset>
      <div class="field">
        <label for="case-tags">Tags</label>
        <input
          id="case-tags"
          name="tags"
          value={tags}
          placeholder="e.g. billing, long-context"
          aria-describedby="case-tags-hint"
          onInput={(event) => setTags(event.currentTarget.value)}
        />
        <p class="hint" id="case-tags-hint">
          Comma-separated; tags become slices in eval reports.
        </p>
      </div>
      <div class="field">
        <label for="case-note">Note</label>
        <textarea
          id="case-note"
          name="note"
          rows={2}
          value={note}
          onInput={(event) => setNote(event.currentTarget.value)}
        />
      </div>
      <div>
        <button type="submit" class="button-primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save test case'}
        </button>
      </div>
      <div role="status" aria-live="polite">
        {saved !== null && (
          <p class="notice notice-good" data-testid="saved-case">
            Saved as case <code>{saved.id}</code> in <code>{saved.path}</code>.
          </p>
        )}
      </div>
      {error !== null && (
        <p class="notice notice-bad" role="alert">
          Not saved: {error}
        </p>
      )}
    </form>
  );
}

function ReplayLoader({
  requestId,
  onLoaded,
}: {
  requestId: string;
  onLoaded(history: ChatMessage[], prompt: string, problem: string | null): void;
}) {
  useEffect(() => {
    const controller = new AbortController();
    api.request(requestId, controller.signal).then(
      (record) => {
        const chat = chatFromRecord(record.request);
        if (chat === null) {
          onLoaded(
            [],
            '',
            'That request has no stored chat (body capture was off), so it cannot be replayed.',
          );
        } else onLoaded(chat.history, chat.prompt, null);
      },
      (error: unknown) => {
        if (!controller.signal.aborted)
          onLoaded([], '', `Could not load the request: ${errorMessage(error)}`);
      },
    );
    return () => controller.abort();
  }, [requestId]);
  return <LoadingState label={`Loading the chat of request ${requestId}…`} />;
}

function earlier(history: ChatMessage[]): string {
  if (history.length === 0) return '';
  return ` with ${history.length} earlier message${history.length === 1 ? '' : 's'}`;
}

/** Side-by-side streamed answers from 2 to 4 models, with metrics, and saving as a test case. */
export function PlaygroundPage() {
  const info = useWorkspaceInfo();
  const search = useSearch();
  const replayId = new URLSearchParams(search).get('replay');
  const [replayedId, setReplayedId] = useState<string | null>(null);
  // A prompt handed over by URL (a run's diff row) fills the prompt once, when the page opens.
  const [linked] = useState(() => promptFromSearch(search));
  const [notice, setNotice] = useState<{ text: string; problem: boolean } | null>(() =>
    linked === null ? null : { text: `Prompt from ${linked.source}.`, problem: false },
  );
  const [history, setHistory] = useState<ChatMessage[]>([]);
  const [prompt, setPrompt] = useState(() => linked?.prompt ?? '');
  const promptField = useRef<HTMLTextAreaElement>(null);
  const [selected, setSelected] = useState<string[]>(() => defaultSelection(info));
  const [answers, setAnswers] = useState<AnswerState[]>([]);
  const [sentMessages, setSentMessages] = useState<ChatMessage[]>([]);
  const [formError, setFormError] = useState<string | null>(null);
  const running = useRef<AbortController | null>(null);
  useEffect(() => () => running.current?.abort(), []);

  if (info.mode === 'offline' || !info.features.playground) {
    return (
      <FeatureUnavailable
        title="Playground"
        reason={
          info.mode === 'offline'
            ? 'This Workspace is reading a stored database (switchyard ui), so there is no gateway to send chats through.'
            : 'This gateway does not offer the playground.'
        }
      >
        <p>
          The playground streams the same prompt to two to four models side by side through{' '}
          <code>POST /v1/chat/completions</code>. Start a gateway with{' '}
          <code>switchyard serve --config &lt;policy.yaml&gt;</code> and open its <code>/ui</code>{' '}
          to use it.
        </p>
      </FeatureUnavailable>
    );
  }

  if (replayId !== null && replayedId !== replayId) {
    return (
      <ReplayLoader
        requestId={replayId}
        onLoaded={(loadedHistory, loadedPrompt, problem) => {
          setHistory(loadedHistory);
          setPrompt(loadedPrompt);
          setReplayedId(replayId);
          setNotice(
            problem === null
              ? { text: `Replaying request ${replayId}${earlier(loadedHistory)}.`, problem: false }
              : { text: problem, problem: true },
          );
        }}
      />
    );
  }

  // A chat picked from the log or a trace replaces the chat; focus moves to its prompt.
  const loadChat = (chat: ReplayedChat, source: string) => {
    setHistory(chat.history);
    setPrompt(chat.prompt);
    setFormError(null);
    setNotice({ text: `Loaded ${source}${earlier(chat.history)}.`, problem: false });
    promptField.current?.focus();
  };

  const isRunning = answers.some(
    (answer) => answer.status === 'waiting' || answer.status === 'streaming',
  );
  const allFinished =
    answers.length > 0 &&
    answers.every((answer) => answer.status === 'done' || answer.status === 'error');

  const toggle = (model: string, checked: boolean) => {
    setFormError(null);
    setSelected((current) =>
      checked
        ? [...current.filter((name) => name !== model), model]
        : current.filter((name) => name !== model),
    );
  };

  const send = (event: Event) => {
    event.preventDefault();
    if (selected.length < MIN_MODELS || selected.length > MAX_MODELS) {
      setFormError(`Choose ${MIN_MODELS} to ${MAX_MODELS} models to compare.`);
      return;
    }
    if (prompt.trim() === '' && history.length === 0) {
      setFormError('Type a prompt first.');
      return;
    }
    setFormError(null);
    running.current?.abort();
    const controller = new AbortController();
    running.current = controller;
    const messages: ChatMessage[] =
      prompt.trim() === '' ? history : [...history, { role: 'user', content: prompt }];
    const models = [...selected];
    setSentMessages(messages);
    setAnswers(models.map((model) => ({ ...createAnswer(model), status: 'waiting' })));
    for (const [index, model] of models.entries()) {
      void streamChat({
        model,
        messages,
        signal: controller.signal,
        onUpdate: (answer) =>
          setAnswers((current) =>
            current.map((entry, position) => (position === index ? answer : entry)),
          ),
      });
    }
  };

  return (
    <section aria-labelledby="playground-heading">
      <h1 id="playground-heading">Playground</h1>
      <p class="lede">
        Send one prompt to {MIN_MODELS} to {MAX_MODELS} models through this gateway and compare the
        answers as they stream, with latency, time to first token, tokens and cost.
      </p>
      <section class="prompt-sources" aria-labelledby="prompt-sources-heading">
        <h2 id="prompt-sources-heading">Start from an earlier chat</h2>
        <p class="hint">Optional: pick a logged chat or a trace entry, or type a prompt below.</p>
        <div class="pickers">
          <LoggedChatPicker onPick={loadChat} />
          <TraceFilePicker onPick={loadChat} />
        </div>
      </section>
      <div role="status" aria-live="polite">
        {notice !== null && (
          <p
            class={`notice ${notice.problem ? 'notice-bad' : 'notice-info'}`}
            data-testid="chat-source"
          >
            {notice.text}
          </p>
        )}
      </div>
      <form class="playground-form form-stack" onSubmit={send} aria-label="Compare models">
        {history.length > 0 && (
          <details class="history">
            <summary>Earlier messages ({history.length}), sent before the prompt</summary>
            <ol>
              {history.map((message, index) => (
                <li key={index}>
                  <strong>{message.role}:</strong>{' '}
                  {messageText(message.content) || <em>(no text)</em>}
                </li>
              ))}
            </ol>
            <button type="button" onClick={() => setHistory([])}>
              Drop earlier messages
            </button>
          </details>
        )}
        <div class="field">
          <label for="prompt">Prompt</label>
          <textarea
            id="prompt"
            ref={promptField}
            name="prompt"
            rows={4}
            value={prompt}
            onInput={(event) => setPrompt(event.currentTarget.value)}
          />
        </div>
        <fieldset class="model-picker">
          <legend>
            Models to compare ({MIN_MODELS} to {MAX_MODELS}; {selected.length} chosen)
          </legend>
          {info.models.length === 0 ? (
            <p class="note">This gateway lists no models.</p>
          ) : (
            <div class="model-options">
              {info.models.map((model) => {
                const checked = selected.includes(model);
                return (
                  <label class="choice" key={model}>
                    <input
                      type="checkbox"
                      name="model"
                      value={model}
                      checked={checked}
                      disabled={!checked && selected.length >= MAX_MODELS}
                      onChange={(event) => toggle(model, event.currentTarget.checked)}
                    />
                    {model} <span class="muted">({modelKind(info, model)})</span>
                  </label>
                );
              })}
            </div>
          )}
        </fieldset>
        {formError !== null && (
          <p class="notice notice-bad" role="alert">
            {formError}
          </p>
        )}
        <div class="button-row">
          <button type="submit" class="button-primary" disabled={isRunning}>
            {isRunning ? 'Streaming…' : 'Compare'}
          </button>
          {isRunning && (
            <button type="button" onClick={() => running.current?.abort()}>
              Stop
            </button>
          )}
        </div>
      </form>
      {answers.length > 0 && (
        <section aria-labelledby="answers-heading">
          <h2 id="answers-heading">Answers</h2>
          <p class="visually-hidden" role="status" aria-live="polite">
            {allFinished ? 'All answers are complete.' : ''}
          </p>
          <div class="answers" style={{ '--columns': String(answers.length) }}>
            {answers.map((answer) => (
              <AnswerColumn key={answer.model} answer={answer} info={info} />
            ))}
          </div>
        </section>
      )}
      {allFinished && <SaveCaseForm info={info} messages={sentMessages} answers={answers} />}
    </section>
  );
}
