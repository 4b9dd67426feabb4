import type {
  ChatCompletion,
  ChatCompletionChunk,
  FinishReason,
  ToolCallDelta,
} from '../../core/chat-types.js';
import type { AttemptErrorClass } from '../../core/error-codes.js';
import { classifyHttpStatus, UpstreamError } from '../../core/switchyard-error.js';
import { describeErrorBody, maskSecret, type UpstreamContext } from '../upstream-request.js';

/*
 * "OpenAI-compatible" servers agree on the happy path and differ at the edges. What we smooth
 * over here, so that everything downstream sees one shape:
 * - Gemini's OpenAI endpoint omits `id` (and sometimes `created`) on chunks and completions, omits
 *   `tool_calls[].index` on streamed tool calls, and ends a streamed tool call with
 *   finish_reason "stop" where OpenAI says "tool_calls".
 * - Some llama.cpp server builds put `usage` (and `timings`) on the finish chunk instead of a
 *   separate `choices: []` chunk after it, as OpenAI, vLLM and Ollama do. Both shapes pass through
 *   untouched: the last chunk before [DONE] carries usage either way.
 * - OpenAI itself answers a call forced to a named function with finish_reason "stop"; like
 *   Gemini's, it becomes "tool_calls" so routing and clients see one meaning.
 * - OpenRouter interleaves `: OPENROUTER PROCESSING` comments (dropped by the SSE parser) and
 *   reports mid-stream failures as a chunk with an `error` object (and finish_reason "error").
 * - vLLM reports some failures as `{"object":"error","message":...,"code":400}`.
 * Fields we do not know pass through untouched (e.g. Gemini's `extra_content` thought signatures,
 * `reasoning_content` from DeepSeek/vLLM, OpenRouter's `provider`).
 */

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An id for answers whose upstream sent none. */
export function createCompletionId(): string {
  return `chatcmpl-sy${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
}

/** The error object carried by a body or chunk, if the upstream put one there. */
export function findErrorPayload(value: JsonObject): unknown {
  if (value.error !== undefined && value.error !== null) return value.error;
  if (value.object === 'error') return value;
  return undefined;
}

/** Classify an error object an upstream sent in-band (in a 200 body or a stream event). */
export function classifyErrorPayload(error: unknown): AttemptErrorClass {
  const text = typeof error === 'string' ? error : JSON.stringify(error);
  const record = isObject(error) ? error : {};
  const numeric = [record.code, record.status, record.status_code].find(
    (value): value is number => typeof value === 'number' && value >= 400 && value < 600,
  );
  if (numeric !== undefined) return classifyHttpStatus(numeric, text);
  if (/rate.?limit|too many requests|quota/i.test(text)) return 'rate_limited';
  if (
    /context_length_exceeded|maximum context length|prompt is too long|too many tokens/i.test(text)
  ) {
    return 'context_length_exceeded';
  }
  if (/content_filter|content_policy/i.test(text)) return 'content_filter';
  return 'server_error';
}

/** The UpstreamError for an in-band error object; the body is the upstream's, masked. */
export function createPayloadError(
  error: unknown,
  context: UpstreamContext,
  where: string,
  status?: number,
): UpstreamError {
  const body = maskSecret(
    typeof error === 'string' ? error : JSON.stringify({ error }),
    context.secret,
  );
  return new UpstreamError({
    errorClass: classifyErrorPayload(error),
    message: `${context.label}: ${where}: ${describeErrorBody(body)}`,
    status,
    body,
  });
}

/** Validate and fill in a non-streaming answer, or throw a classified UpstreamError. */
export function normalizeCompletion(
  value: unknown,
  model: string,
  context: UpstreamContext,
  status: number,
): ChatCompletion {
  if (!isObject(value)) {
    throw new UpstreamError({
      errorClass: 'server_error',
      message: `${context.label}: answer is not a JSON object`,
      status,
    });
  }
  const error = findErrorPayload(value);
  if (error !== undefined)
    throw createPayloadError(error, context, 'error in a 2xx answer', status);
  if (!Array.isArray(value.choices)) {
    throw new UpstreamError({
      errorClass: 'server_error',
      message: `${context.label}: answer has no choices array`,
      status,
      body: maskSecret(JSON.stringify(value).slice(0, 2000), context.secret),
    });
  }
  if (typeof value.id !== 'string' || value.id === '') value.id = createCompletionId();
  value.object = 'chat.completion';
  if (typeof value.created !== 'number') value.created = Math.floor(Date.now() / 1000);
  if (typeof value.model !== 'string') value.model = model;
  for (const [position, choice] of (value.choices as unknown[]).entries()) {
    if (!isObject(choice)) continue;
    if (typeof choice.index !== 'number') choice.index = position;
    const message = isObject(choice.message)
      ? choice.message
      : { role: 'assistant', content: null };
    choice.message = message;
    message.role = 'assistant';
    if (message.content === undefined) message.content = null;
    const hasToolCalls = Array.isArray(message.tool_calls) && message.tool_calls.length > 0;
    if (choice.finish_reason == null) choice.finish_reason = hasToolCalls ? 'tool_calls' : 'stop';
    else if (choice.finish_reason === 'stop' && hasToolCalls) choice.finish_reason = 'tool_calls';
  }
  return value as unknown as ChatCompletion;
}

/** Per-stream memory needed to repair chunks from servers that leave fields out. */
export interface ChunkNormalizerState {
  id: string | null;
  created: number;
  model: string;
  /** Per choice index: the tool-call index last used, and the index given to each tool-call id. */
  toolCalls: Map<number, { last: number; next: number; byId: Map<string, number> }>;
  /** Whether a finish_reason has been seen; a missing [DONE] after it is still a truncation. */
  sawFinish: boolean;
}

/** Fresh state for one stream. */
export function createChunkNormalizerState(model: string): ChunkNormalizerState {
  return {
    id: null,
    created: Math.floor(Date.now() / 1000),
    model,
    toolCalls: new Map(),
    sawFinish: false,
  };
}

/**
 * Fill in and repair one parsed chunk in place; returns false when it has no usable shape.
 * Kept allocation-free on the common path: it runs once per streamed token.
 */
export function normalizeChunk(value: JsonObject, state: ChunkNormalizerState): boolean {
  if (typeof value.id === 'string' && value.id !== '') {
    state.id ??= value.id;
  } else {
    state.id ??= createCompletionId();
    value.id = state.id;
  }
  if (value.object !== 'chat.completion.chunk') value.object = 'chat.completion.chunk';
  if (typeof value.created !== 'number') value.created = state.created;
  if (typeof value.model !== 'string') value.model = state.model;
  const choices = value.choices;
  if (!Array.isArray(choices)) {
    if (!isObject(value.usage)) return false;
    value.choices = [];
    return true;
  }
  for (let position = 0; position < choices.length; position++) {
    const choice: unknown = choices[position];
    if (!isObject(choice)) return false;
    if (typeof choice.index !== 'number') choice.index = position;
    if (!isObject(choice.delta)) choice.delta = {};
    const delta = choice.delta as JsonObject;
    if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0)
      repairToolCallIndexes(delta.tool_calls, choice.index as number, state);
    if (choice.finish_reason === undefined) {
      choice.finish_reason = null;
    } else if (choice.finish_reason !== null) {
      state.sawFinish = true;
      if (choice.finish_reason === 'stop' && state.toolCalls.has(choice.index as number)) {
        choice.finish_reason = 'tool_calls' satisfies FinishReason;
      }
    }
  }
  return true;
}

/**
 * Give every tool-call delta an `index`. A delta with an id starts (or continues) that call;
 * one with neither id nor index continues the last call, which is how index-less servers
 * stream argument fragments.
 */
function repairToolCallIndexes(
  deltas: unknown[],
  choiceIndex: number,
  state: ChunkNormalizerState,
) {
  let calls = state.toolCalls.get(choiceIndex);
  if (calls === undefined) {
    calls = { last: 0, next: 0, byId: new Map() };
    state.toolCalls.set(choiceIndex, calls);
  }
  for (const delta of deltas) {
    if (!isObject(delta)) continue;
    const call = delta as Partial<ToolCallDelta> & JsonObject;
    if (typeof call.index === 'number') {
      calls.last = call.index;
      calls.next = Math.max(calls.next, call.index + 1);
      if (typeof call.id === 'string' && call.id !== '') calls.byId.set(call.id, call.index);
      continue;
    }
    if (typeof call.id === 'string' && call.id !== '') {
      let index = calls.byId.get(call.id);
      if (index === undefined) {
        index = calls.next++;
        calls.byId.set(call.id, index);
      }
      call.index = index;
    } else {
      call.index = calls.last;
    }
    calls.last = call.index;
    calls.next = Math.max(calls.next, call.index + 1);
  }
}

/** Narrow a normalized chunk to the public type. */
export function asChunk(value: JsonObject): ChatCompletionChunk {
  return value as unknown as ChatCompletionChunk;
}
