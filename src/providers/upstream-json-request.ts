import type { Dispatcher } from 'undici';
import { classifyHttpStatus, type UpstreamError } from '../core/switchyard-error.js';
import type { ResponseHeaders } from './retry-after.js';
import {
  answerTooLargeError,
  COMPLETION_BODY_LIMIT_BYTES,
  createAbortedError,
  createHttpError,
  dispatchTargetOf,
  ERROR_BODY_LIMIT_BYTES,
  notJsonError,
  readUpstreamJson,
  sendUpstreamRequest,
  toTransportError,
  type UpstreamContext,
  type UpstreamRequestOptions,
} from './upstream-request.js';

/** A 2xx upstream answer, read whole and parsed. */
export interface UpstreamJsonAnswer {
  status: number;
  headers: ResponseHeaders;
  body: unknown;
}

/**
 * POST to the upstream and read its whole answer as JSON: the non-streaming call.
 *
 * Same contract as sendUpstreamRequest followed by readUpstreamJson (the same errors, classes
 * and masking), with the answer collected by a handler given straight to the dispatcher rather
 * than through undici's `request()`. That skips, per call, its request handler, a Readable
 * stream for the body and the machinery that consumes one, which is a few µs of the ~150 a
 * request costs the gateway at thousands per second (docs/benchmarks.md).
 */
export function requestUpstreamJson(options: UpstreamRequestOptions): Promise<UpstreamJsonAnswer> {
  if (options.signal.aborted) return Promise.reject(createAbortedError(options, options.signal));
  const target = dispatchTargetOf(options.url);
  // Not an http(s) URL: undici's request(url) refuses it with its own error, classified as usual.
  if (target === null) return viaRequest(options);
  return new Promise((resolve, reject) => {
    const handler = new JsonAnswerHandler(options, resolve, reject);
    try {
      options.dispatcher.dispatch(
        {
          origin: target.origin,
          path: target.path,
          method: 'POST',
          headers: options.headers,
          body: options.body,
        },
        handler,
      );
    } catch (error) {
      handler.fail(error, 'connect');
    }
  });
}

async function viaRequest(options: UpstreamRequestOptions): Promise<UpstreamJsonAnswer> {
  const response = await sendUpstreamRequest(options);
  const body = await readUpstreamJson(response, options.signal, options);
  return { status: response.status, headers: response.headers, body };
}

/**
 * Collects one answer. Settles exactly once: with the parsed body, the classified HTTP error,
 * or the transport failure (or the caller's abort, the moment it happens). Registered on the
 * caller's signal as a listener object (handleEvent), so no closure is made per call.
 *
 * Settling lets go of everything the exchange held (the controller, headers, chunks, callbacks):
 * undici keeps a finished request's handler reachable for a while, long enough at gateway rates
 * for whatever it still points to to be moved to the old generation; that was ~2.7 KB per
 * request and a full GC every second or two (docs/benchmarks.md). undici's own handlers let go
 * the same way. Only the few fields error reporting needs are kept, never the request options.
 */
class JsonAnswerHandler implements Dispatcher.DispatchHandler, UpstreamContext {
  readonly label: string;
  readonly secret: string | null;
  readonly #signal: AbortSignal;
  readonly #classifyStatus: UpstreamRequestOptions['classifyStatus'];
  #resolve: ((answer: UpstreamJsonAnswer) => void) | null;
  #reject: ((error: unknown) => void) | null;
  #controller: Dispatcher.DispatchController | null = null;
  #settled = false;
  #status = 0;
  #headers: ResponseHeaders = {};
  #limit = 0;
  #size = 0;
  #chunks: Buffer[] = [];

  constructor(
    options: UpstreamRequestOptions,
    resolve: (answer: UpstreamJsonAnswer) => void,
    reject: (error: unknown) => void,
  ) {
    this.label = options.label;
    this.secret = options.secret;
    this.#signal = options.signal;
    this.#classifyStatus = options.classifyStatus;
    this.#resolve = resolve;
    this.#reject = reject;
    options.signal.addEventListener('abort', this);
  }

  /** The caller aborted: settle now, and stop the request if it has started. */
  handleEvent(): void {
    const controller = this.#controller;
    this.#settle(createAbortedError(this, this.#signal), null);
    controller?.abort(abortReason(this.#signal));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // Aborted while queued for a connection: it must not be sent.
    if (this.#settled) controller.abort(abortReason(this.#signal));
    else this.#controller = controller;
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: ResponseHeaders,
  ): void {
    if (this.#settled) return;
    this.#status = statusCode;
    this.#headers = headers;
    const ok = statusCode >= 200 && statusCode < 300;
    this.#limit = ok ? COMPLETION_BODY_LIMIT_BYTES : ERROR_BODY_LIMIT_BYTES;
    const declared = Number(headers['content-length']);
    if (ok && Number.isFinite(declared) && declared > COMPLETION_BODY_LIMIT_BYTES) {
      this.#tooLarge(controller);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    if (this.#size + chunk.length <= this.#limit) {
      this.#chunks.push(chunk);
      this.#size += chunk.length;
      return;
    }
    if (this.#status >= 200 && this.#status < 300) {
      this.#tooLarge(controller);
      return;
    }
    // An error body past its limit: its start is enough to classify it; the rest is not read.
    this.#chunks.push(chunk.subarray(0, this.#limit - this.#size));
    this.#size = this.#limit;
    this.#settle(this.#httpError(), null);
    controller.abort(new Error('error body over the limit; not read further'));
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    const status = this.#status;
    if (status < 200 || status >= 300) {
      this.#settle(this.#httpError(), null);
      return;
    }
    const text = this.#text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (cause) {
      this.#settle(notJsonError(this, status, text, cause), null);
      return;
    }
    this.#settle(null, { status, headers: this.#headers, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error, this.#status === 0 ? 'connect' : 'body');
  }

  /** A failure outside the exchange's answer: classified by where it happened. */
  fail(error: unknown, phase: 'connect' | 'body'): void {
    if (this.#settled) return;
    this.#settle(toTransportError(error, this.#signal, phase, this), null);
  }

  #tooLarge(controller: Dispatcher.DispatchController): void {
    const error = answerTooLargeError(this);
    this.#settle(error, null);
    controller.abort(error);
  }

  #httpError(): UpstreamError {
    const text = this.#text();
    const classify = this.#classifyStatus ?? classifyHttpStatus;
    return createHttpError({
      label: this.label,
      secret: this.secret,
      status: this.#status,
      headers: this.#headers,
      body: text,
      errorClass: classify(this.#status, text),
    });
  }

  #text(): string {
    const chunks = this.#chunks;
    this.#chunks = [];
    const only = chunks.length === 1 ? chunks[0] : undefined;
    if (only !== undefined) return only.toString('utf8');
    return Buffer.concat(chunks, this.#size).toString('utf8');
  }

  #settle(error: unknown, answer: UpstreamJsonAnswer | null): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#signal.removeEventListener('abort', this);
    const resolve = this.#resolve;
    const reject = this.#reject;
    this.#resolve = null;
    this.#reject = null;
    this.#controller = null;
    this.#headers = NO_HEADERS;
    this.#chunks = NO_CHUNKS;
    if (answer !== null) resolve?.(answer);
    else reject?.(error);
  }
}

/** What a settled handler holds instead of its exchange's headers and chunks; never written. */
const NO_HEADERS: ResponseHeaders = Object.freeze({});
const NO_CHUNKS: Buffer[] = [];

/** undici needs an Error to abort with; a signal's reason may be anything. */
function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted by the caller');
}
