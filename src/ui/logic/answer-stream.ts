import type { ChatCompletionChunk, Usage } from '../../core/chat-types.js';

/*
 * One playground answer as it streams in, kept as plain data and advanced by pure functions so
 * the timing rules (what counts as the first token, when an answer is complete) are unit-tested
 * without a browser. The caller passes the clock reading with every step; it uses
 * performance.now() in the browser and fixed numbers in tests.
 */

/** Where an answer is in its life. */
export type AnswerStatus = 'idle' | 'waiting' | 'streaming' | 'done' | 'error';

/** Why an answer failed: an HTTP error, an in-band stream error, or a broken connection. */
export interface AnswerError {
  message: string;
  code: string;
  /** HTTP status when the gateway refused the request; null for in-band or network errors. */
  status: number | null;
}

/** What the gateway's response headers say about who answered. */
export interface AnswerHeaders {
  target: string | null;
  route: string | null;
  simulated: boolean;
  requestId: string | null;
}

/** One column of the playground: the model asked, the answer so far, and its measurements. */
export interface AnswerState {
  /** What the user chose as `model` (a route, a target, or `auto`). */
  model: string;
  status: AnswerStatus;
  text: string;
  /** The target that answered: the chunks' `model`, else the x-switchyard-target header. */
  target: string | null;
  route: string | null;
  /** The answer came from a simulated target (header, or the target's `simulated` flag). */
  simulated: boolean;
  requestId: string | null;
  startedAt: number | null;
  ttftMs: number | null;
  latencyMs: number | null;
  usage: { promptTokens: number; completionTokens: number } | null;
  finishReason: string | null;
  error: AnswerError | null;
}

/** A column before anything was sent. */
export function createAnswer(model: string): AnswerState {
  return {
    model,
    status: 'idle',
    text: '',
    target: null,
    route: null,
    simulated: false,
    requestId: null,
    startedAt: null,
    ttftMs: null,
    latencyMs: null,
    usage: null,
    finishReason: null,
    error: null,
  };
}

/** The request was sent at `now`. */
export function startAnswer(model: string, now: number): AnswerState {
  return { ...createAnswer(model), status: 'waiting', startedAt: now };
}

/** Response headers arrived. */
export function applyHeaders(state: AnswerState, headers: AnswerHeaders): AnswerState {
  return {
    ...state,
    target: state.target ?? headers.target,
    route: headers.route ?? state.route,
    simulated: state.simulated || headers.simulated,
    requestId: headers.requestId ?? state.requestId,
  };
}

function elapsed(state: AnswerState, now: number): number | null {
  return state.startedAt === null ? null : Math.max(0, now - state.startedAt);
}

/** The answer failed at `now`; text already received is kept so a cut-off answer stays visible. */
export function failAnswer(state: AnswerState, error: AnswerError, now: number): AnswerState {
  return { ...state, status: 'error', error, latencyMs: elapsed(state, now) };
}

function toUsage(usage: Usage): AnswerState['usage'] {
  return { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens };
}

function parseData(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

/**
 * One SSE `data:` payload at `now`: `[DONE]` completes the answer, an `{"error":…}` object
 * fails it (the gateway's in-band error after the stream started), and a chunk appends its
 * content. TTFT is the time to the first chunk carrying content, not to the role-only first
 * chunk, matching how the gateway measures it.
 */
export function applyEvent(state: AnswerState, data: string, now: number): AnswerState {
  if (state.status === 'done' || state.status === 'error') return state;
  if (data.trim() === '[DONE]') {
    return { ...state, status: 'done', latencyMs: elapsed(state, now) };
  }
  const parsed = parseData(data);
  if (typeof parsed !== 'object' || parsed === null) {
    return failAnswer(
      state,
      { message: 'The stream sent an event that is not JSON.', code: 'bad_stream', status: null },
      now,
    );
  }
  const maybeError = (parsed as { error?: unknown }).error;
  if (typeof maybeError === 'object' && maybeError !== null) {
    const error = maybeError as { message?: unknown; code?: unknown };
    return failAnswer(
      state,
      {
        message: typeof error.message === 'string' ? error.message : 'The stream failed.',
        code: typeof error.code === 'string' ? error.code : 'stream_error',
        status: null,
      },
      now,
    );
  }
  const chunk = parsed as Partial<ChatCompletionChunk>;
  const choice = chunk.choices?.[0];
  const content = choice?.delta?.content ?? '';
  const next: AnswerState = { ...state, status: 'streaming' };
  if (typeof chunk.model === 'string' && chunk.model !== '') next.target = chunk.model;
  if (content !== '') {
    next.text = state.text + content;
    if (state.ttftMs === null) next.ttftMs = elapsed(state, now);
  }
  if (choice?.finish_reason) next.finishReason = choice.finish_reason;
  if (chunk.usage) next.usage = toUsage(chunk.usage);
  return next;
}

/**
 * The response body ended at `now`. A stream that ends without `[DONE]` and without an error
 * event was cut off (the gateway always closes a good stream with `[DONE]`), so it is an error,
 * never a silently shortened answer.
 */
export function endAnswer(state: AnswerState, now: number): AnswerState {
  if (state.status === 'done' || state.status === 'error') return state;
  return failAnswer(
    state,
    {
      message: 'The stream ended before the answer was complete.',
      code: 'stream_truncated',
      status: null,
    },
    now,
  );
}
