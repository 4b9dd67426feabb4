import { type Dispatcher, request } from 'undici';
import type { AttemptErrorClass } from '../core/error-codes.js';
import { createLeanAbortController } from '../core/lean-abort-controller.js';
import { classifyHttpStatus, UpstreamError } from '../core/switchyard-error.js';
import { headerValue, parseRetryAfterMs, type ResponseHeaders } from './retry-after.js';
import { createSseParser, SseBufferOverflowError, type SseEvent } from './sse-parser.js';

/** An upstream response body as undici hands it over. */
export type UpstreamBody = Dispatcher.ResponseData['body'];

/** Who is calling, for error messages, and which secret must never leak into them. */
export interface UpstreamContext {
  /** Names the upstream in messages, e.g. `openai-compatible gpt-4o-mini`. */
  label: string;
  /** The upstream API key; masked out of everything copied from a response. */
  secret: string | null;
}

/** One POST to an upstream. */
export interface UpstreamRequestOptions extends UpstreamContext {
  url: string;
  dispatcher: Dispatcher;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
  /** Decides the class of a non-2xx answer; defaults to classifyHttpStatus. */
  classifyStatus?: (status: number, body: string) => AttemptErrorClass;
}

/** A 2xx upstream answer whose body has not been read yet. */
export interface UpstreamResponse {
  status: number;
  headers: ResponseHeaders;
  body: UpstreamBody;
}

/** Largest error body kept; upstream error bodies are short, a proxy's HTML page is not. */
export const ERROR_BODY_LIMIT_BYTES = 64 * 1024;

/** Largest non-streaming answer read into memory. */
export const COMPLETION_BODY_LIMIT_BYTES = 32 * 1024 * 1024;

const MASK = '[redacted]';
const MIN_MASKED_SECRET_LENGTH = 4;

/** Replace every occurrence of the secret; too-short "secrets" are left alone so text stays readable. */
export function maskSecret(text: string, secret: string | null): string {
  if (secret === null || secret.length < MIN_MASKED_SECRET_LENGTH) return text;
  return text.includes(secret) ? text.split(secret).join(MASK) : text;
}

/** Request headers that must never be forwarded: undici computes or forbids them. */
const FORBIDDEN_REQUEST_HEADERS = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

/** The content headers of a JSON call: the body is JSON; the answer JSON, or SSE for a stream. */
export function jsonCallHeaders(stream: boolean): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: stream ? 'text/event-stream' : 'application/json',
  };
}

/** Merge header layers (later wins, names case-insensitive), dropping hop-by-hop ones. */
export function mergeRequestHeaders(
  ...layers: Array<Record<string, string> | undefined>
): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const layer of layers) {
    if (layer === undefined) continue;
    for (const [name, value] of Object.entries(layer)) {
      const lower = name.toLowerCase();
      if (!FORBIDDEN_REQUEST_HEADERS.has(lower)) merged[lower] = value;
    }
  }
  return merged;
}

/** Where undici sends a request: what its top-level `request(url)` derives from the URL. */
export interface DispatchTarget {
  origin: string;
  path: string;
}

/** Parsed upstream URLs; they come from the policy, so a handful. Cleared if it ever grows. */
const dispatchTargets = new Map<string, DispatchTarget | null>();
const MAX_DISPATCH_TARGETS = 256;

/**
 * The origin and path of an http(s) URL, parsed once per URL; null for anything else, which is
 * left to undici's `request(url)` so that its errors stay the same. Calling the dispatcher with
 * them directly skips what `request(url)` does per call: a URL parse and a copy of the options
 * made with an object spread, which on Node 20 gives every copy its own hidden class and costs
 * ~1.3 KB of old-generation garbage per call.
 */
export function dispatchTargetOf(url: string): DispatchTarget | null {
  let target = dispatchTargets.get(url);
  if (target === undefined) {
    target = parseDispatchTarget(url);
    if (dispatchTargets.size >= MAX_DISPATCH_TARGETS) dispatchTargets.clear();
    dispatchTargets.set(url, target);
  }
  return target;
}

function parseDispatchTarget(url: string): DispatchTarget | null {
  if (!URL.canParse(url)) return null;
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
}

/**
 * POST to the upstream and wait for its status and headers.
 *
 * Resolves only on 2xx. Any other status is read (bounded) and rejected as an UpstreamError
 * classified from the status and body. Transport failures and aborts reject too, classified.
 */
export async function sendUpstreamRequest(
  options: UpstreamRequestOptions,
): Promise<UpstreamResponse> {
  if (options.signal.aborted) throw createAbortedError(options, options.signal);
  let response: Dispatcher.ResponseData;
  try {
    const target = dispatchTargetOf(options.url);
    response = target
      ? await options.dispatcher.request({
          origin: target.origin,
          path: target.path,
          method: 'POST',
          headers: options.headers,
          body: options.body,
          signal: options.signal,
        })
      : await request(options.url, {
          dispatcher: options.dispatcher,
          method: 'POST',
          headers: options.headers,
          body: options.body,
          signal: options.signal,
        });
  } catch (error) {
    throw toTransportError(error, options.signal, 'connect', options);
  }
  const headers = response.headers as ResponseHeaders;
  if (response.statusCode >= 200 && response.statusCode < 300) {
    return { status: response.statusCode, headers, body: response.body };
  }
  let text = '';
  try {
    text = (await readBodyText(response.body, ERROR_BODY_LIMIT_BYTES)).text;
  } catch {
    // The status is what matters; a body cut short still leaves a classifiable error.
    if (options.signal.aborted) throw createAbortedError(options, options.signal);
  }
  const classify = options.classifyStatus ?? classifyHttpStatus;
  throw createHttpError({
    ...options,
    status: response.statusCode,
    headers,
    body: text,
    errorClass: classify(response.statusCode, text),
  });
}

/** Read a body as UTF-8 text, keeping at most `limitBytes`; a longer body is cut and destroyed. */
export async function readBodyText(
  body: UpstreamBody,
  limitBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  const parts: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (size + chunk.length > limitBytes) {
      parts.push(chunk.subarray(0, limitBytes - size));
      truncated = true;
      break;
    }
    parts.push(chunk);
    size += chunk.length;
  }
  return { text: Buffer.concat(parts).toString('utf8'), truncated };
}

/** Headers worth keeping on an error: pacing and correlation. Never anything auth-related. */
function isKeptResponseHeader(name: string): boolean {
  return (
    name === 'retry-after' ||
    name === 'retry-after-ms' ||
    name === 'x-request-id' ||
    name === 'request-id' ||
    name === 'content-type' ||
    name.startsWith('x-ratelimit-') ||
    name.startsWith('anthropic-ratelimit-')
  );
}

/** The kept response headers, flattened and masked. */
export function selectErrorHeaders(
  headers: ResponseHeaders,
  secret: string | null,
): Record<string, string> {
  const selected: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !isKeptResponseHeader(name.toLowerCase())) continue;
    selected[name.toLowerCase()] = maskSecret(
      Array.isArray(value) ? value.join(', ') : value,
      secret,
    );
  }
  return selected;
}

/** The upstream's own words from an error body: `error.message`, `message`, or the raw start. */
export function describeErrorBody(body: string): string {
  const trimmed = body.trim();
  if (trimmed.length === 0) return 'no body';
  try {
    const parsed: unknown = JSON.parse(trimmed);
    const message = findErrorMessage(parsed);
    if (message !== undefined) return message;
  } catch {
    // Not JSON (an HTML page from a proxy, plain text): fall through to the raw excerpt.
  }
  const flat = trimmed.replace(/\s+/g, ' ');
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

function findErrorMessage(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const error = record.error;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const message = (error as Record<string, unknown>).message;
    if (typeof message === 'string') return message;
  }
  return typeof record.message === 'string' ? record.message : undefined;
}

/** Build the error for a non-2xx answer. Everything in it comes from the response, masked. */
export function createHttpError(
  options: UpstreamContext & {
    status: number;
    headers: ResponseHeaders;
    body: string;
    errorClass: AttemptErrorClass;
  },
): UpstreamError {
  const body = maskSecret(options.body, options.secret);
  return new UpstreamError({
    errorClass: options.errorClass,
    message: `${options.label}: HTTP ${options.status}: ${describeErrorBody(body)}`,
    status: options.status,
    headers: selectErrorHeaders(options.headers, options.secret),
    body,
    retryAfterMs: parseRetryAfterMs(options.headers) ?? undefined,
  });
}

/** The error for a call its caller aborted. */
export function createAbortedError(context: UpstreamContext, signal: AbortSignal): UpstreamError {
  return new UpstreamError({
    errorClass: 'aborted',
    message: `${context.label}: aborted by the caller`,
    cause: signal.reason,
  });
}

/** Where in the exchange a transport failure happened; it decides the class. */
export type TransportPhase = 'connect' | 'body' | 'stream';

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  // Walk a short cause chain: undici and Node sometimes wrap the socket error once or twice.
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Classify a failure that is not an HTTP status: the caller's abort, undici's timeouts, a refused
 * or reset socket. Before the response (`connect`) a dead socket is a `connection_error`; once a
 * stream has begun the same failure means the answer was cut, so `stream_truncated`.
 */
export function toTransportError(
  error: unknown,
  signal: AbortSignal,
  phase: TransportPhase,
  context: UpstreamContext,
): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (signal.aborted) return createAbortedError(context, signal);
  if (error instanceof SseBufferOverflowError) {
    return new UpstreamError({
      errorClass: 'malformed_stream',
      message: `${context.label}: ${error.message}`,
      cause: error,
    });
  }
  const code = errorCode(error);
  const detail = maskSecret(error instanceof Error ? error.message : String(error), context.secret);
  const errorClass = classifyTransportCode(code, phase);
  return new UpstreamError({
    errorClass,
    message: `${context.label}: ${phase === 'stream' ? 'stream failed' : 'request failed'}: ${detail}${code ? ` (${code})` : ''}`,
    cause: error,
  });
}

function classifyTransportCode(code: string | undefined, phase: TransportPhase): AttemptErrorClass {
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return 'timeout';
  if (code === 'UND_ERR_BODY_TIMEOUT') return phase === 'stream' ? 'stream_stall' : 'timeout';
  if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') return 'bad_request';
  if (phase === 'stream') return 'stream_truncated';
  // ECONNREFUSED, ECONNRESET, EPIPE, ENOTFOUND, UND_ERR_SOCKET ("other side closed"),
  // UND_ERR_CONNECT_TIMEOUT, UND_ERR_CLOSED...: the upstream could not be reached or hung up.
  return 'connection_error';
}

/**
 * Yield the SSE events of a streaming body; transport failures become classified UpstreamErrors.
 *
 * The body is iterated with `destroyOnReturn: false`: when the consumer stops after the terminal
 * marker, the socket must survive so releaseBody() can drain it back into the keep-alive pool.
 * Early exits that are not a clean finish destroy the body through UpstreamChunkStream instead.
 */
export async function* readSseEvents(
  body: UpstreamBody,
  signal: AbortSignal,
  context: UpstreamContext,
): AsyncGenerator<SseEvent, void, undefined> {
  const parser = createSseParser();
  const bytes = body.iterator({ destroyOnReturn: false }) as AsyncIterableIterator<Buffer>;
  try {
    for await (const chunk of bytes) {
      for (const event of parser.push(chunk)) yield event;
    }
    for (const event of parser.end()) yield event;
  } catch (error) {
    throw toTransportError(error, signal, 'stream', context);
  }
}

/**
 * Destroy a body we no longer want. undici's body emits an 'error' (RequestAbortedError) when
 * destroyed before its end; with nobody left listening that would be an uncaught exception.
 */
export function destroyBody(body: UpstreamBody): void {
  if (body.destroyed) return;
  body.on('error', ignoreError);
  body.destroy();
}

function ignoreError(): void {
  // The failure that made us destroy the body has already been reported.
}

const DRAIN_LIMIT_BYTES = 64 * 1024;
const DRAIN_TIMEOUT_MS = 1000;

/**
 * Return a finished stream's socket to the pool. After the terminal marker the upstream usually
 * has only the chunked-encoding trailer left to send; reading it lets undici reuse the socket.
 * A server that keeps talking past the limit or the timeout gets its socket closed instead.
 */
export function releaseBody(body: UpstreamBody): void {
  if (body.destroyed || body.readableEnded) return;
  // A lean signal and a timer cleared as soon as the drain ends, rather than
  // AbortSignal.timeout(): that one is a native AbortSignal (~1 KB of old-generation garbage on
  // Node 20) whose timer and finalizer keep it alive for the full second after every stream.
  const timeout = createLeanAbortController();
  const timer = setTimeout(() => timeout.abort(), DRAIN_TIMEOUT_MS);
  body
    .dump({ limit: DRAIN_LIMIT_BYTES, signal: timeout.signal })
    .catch(() => {
      // dump() destroys the body itself on timeout; nothing else to clean up.
    })
    .finally(() => clearTimeout(timer));
}

/**
 * The iterator handed to callers of `doStream`.
 *
 * An async generator alone cannot guarantee cleanup: `return()` on a generator that never started
 * skips its `finally`, and a consumer that drops the iterator mid-way would leave the socket
 * open until undici's body timeout. This wrapper destroys the body on every exit that is not the
 * terminal marker (early return, thrown error, abort) and drains it on a clean finish.
 *
 * It also re-checks the signal before handing out each chunk: events already parsed from a
 * buffered read would otherwise keep flowing for a while after the caller aborted.
 */
export class UpstreamChunkStream<T> implements AsyncIterableIterator<T> {
  readonly #source: AsyncGenerator<T, void, undefined>;
  readonly #body: UpstreamBody;
  readonly #signal: AbortSignal;
  readonly #context: UpstreamContext;
  #finished = false;

  constructor(
    source: AsyncGenerator<T, void, undefined>,
    body: UpstreamBody,
    signal: AbortSignal,
    context: UpstreamContext,
  ) {
    this.#source = source;
    this.#body = body;
    this.#signal = signal;
    this.#context = context;
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.#finished) return { done: true, value: undefined };
    try {
      if (this.#signal.aborted) throw createAbortedError(this.#context, this.#signal);
      const result = await this.#source.next();
      if (result.done) {
        this.#finished = true;
        releaseBody(this.#body);
        return { done: true, value: undefined };
      }
      if (this.#signal.aborted) throw createAbortedError(this.#context, this.#signal);
      return result;
    } catch (error) {
      this.#finished = true;
      destroyBody(this.#body);
      throw toTransportError(error, this.#signal, 'stream', this.#context);
    }
  }

  async return(): Promise<IteratorResult<T>> {
    if (!this.#finished) {
      this.#finished = true;
      destroyBody(this.#body);
      await this.#source.return(undefined).catch(() => undefined);
    }
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

/**
 * A 2xx answer's body parsed as JSON. Bounded by COMPLETION_BODY_LIMIT_BYTES; a body that breaks
 * off, runs over the limit or is not JSON rejects as an UpstreamError (server_error), its
 * excerpt masked.
 */
export async function readUpstreamJson(
  response: UpstreamResponse,
  signal: AbortSignal,
  context: UpstreamContext,
): Promise<unknown> {
  const text = await readWholeBody(response, signal, context);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw notJsonError(context, response.status, text, cause);
  }
}

/** A 2xx answer that does not parse as JSON; its excerpts masked. */
export function notJsonError(
  context: UpstreamContext,
  status: number,
  text: string,
  cause: unknown,
): UpstreamError {
  return new UpstreamError({
    errorClass: 'server_error',
    message: `${context.label}: HTTP ${status} answer is not JSON: ${maskSecret(text.slice(0, 300), context.secret)}`,
    status,
    body: maskSecret(text.slice(0, 2000), context.secret),
    cause,
  });
}

/** A 2xx answer past COMPLETION_BODY_LIMIT_BYTES. */
export function answerTooLargeError(context: UpstreamContext): UpstreamError {
  return new UpstreamError({
    errorClass: 'server_error',
    message: `${context.label}: answer is larger than ${COMPLETION_BODY_LIMIT_BYTES} bytes`,
  });
}

async function readWholeBody(
  response: UpstreamResponse,
  signal: AbortSignal,
  context: UpstreamContext,
): Promise<string> {
  // A declared length within the limit cannot grow past it (undici enforces the framing), so the
  // body is collected in one call: undici gathers the chunks itself, which costs less per answer
  // than an async iterator with a promise per chunk. Anything else goes through the bounded reader.
  const declared = Number(headerValue(response.headers, 'content-length'));
  if (Number.isSafeInteger(declared) && declared >= 0 && declared <= COMPLETION_BODY_LIMIT_BYTES) {
    try {
      const bytes = await response.body.bytes();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    } catch (error) {
      throw toTransportError(error, signal, 'body', context);
    }
  }
  let read: { text: string; truncated: boolean };
  try {
    read = await readBodyText(response.body, COMPLETION_BODY_LIMIT_BYTES);
  } catch (error) {
    throw toTransportError(error, signal, 'body', context);
  }
  if (read.truncated) throw answerTooLargeError(context);
  return read.text;
}
