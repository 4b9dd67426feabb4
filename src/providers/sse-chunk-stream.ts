import { finished } from 'node:stream';
import type { UpstreamError } from '../core/switchyard-error.js';
import { createSseParser, type SseEvent } from './sse-parser.js';
import {
  createAbortedError,
  destroyBody,
  releaseBody,
  toTransportError,
  type UpstreamBody,
  type UpstreamContext,
} from './upstream-request.js';

/** Returned by a translator for the upstream's terminal marker (e.g. `data: [DONE]`). */
export const SSE_STREAM_END: unique symbol = Symbol('sse stream end');

/** Turns one SSE event into at most one item, synchronously. */
export interface SseChunkTranslator<T> {
  /**
   * The item this event carries, `undefined` to skip the event, or SSE_STREAM_END for the
   * terminal marker. Throws an UpstreamError for an event that is an error or malformed.
   */
  push(event: SseEvent): T | undefined | typeof SSE_STREAM_END;
  /** The error for a body that ended without the terminal marker. */
  truncated(): UpstreamError;
}

const EMPTY: SseEvent[] = [];

/**
 * The iterator handed to callers of `doStream` for a provider whose events map one-to-one to
 * chunks: reads the body, parses SSE and translates each event, in one object.
 *
 * Stream lifecycle: this is `readSseEvents` → a translating async generator →
 * `UpstreamChunkStream` collapsed into one hand-written iterator. Each of those layers cost a
 * promise, an iterator result and an async frame per chunk; here a chunk costs one `next()`
 * promise, plus one await on the body only when no parsed event is left. Every behaviour of the
 * three layers is kept, in the same order:
 * - the body is iterated with `destroyOnReturn: false` and, on the terminal marker, its iterator
 *   is returned and the body drained back into the keep-alive pool (`releaseBody`);
 * - every other exit (a thrown error, an abort, the consumer's early `return()`) destroys the
 *   body, and every failure becomes a classified UpstreamError via `toTransportError` (transport
 *   errors, SSE buffer overflow; translator errors pass through);
 * - the signal is checked before each `next()` and again before handing out each chunk, so events
 *   already parsed from a buffered read stop flowing once the caller aborts;
 * - events are translated lazily, one per `next()`: a malformed event after good ones in the same
 *   read fails only after the good ones were handed out; events after the marker are ignored;
 * - a body that ends without the marker dispatches the parser's last complete event, then throws
 *   the translator's `truncated()` error.
 */
export class SseChunkStream<T> implements AsyncIterableIterator<T> {
  readonly #body: UpstreamBody;
  readonly #bytes: BodyReader;
  readonly #translator: SseChunkTranslator<T>;
  readonly #signal: AbortSignal;
  readonly #context: UpstreamContext;
  readonly #parser = createSseParser();
  #events: SseEvent[] = EMPTY;
  #index = 0;
  #bodyEnded = false;
  #finished = false;
  /** Set by the provider when the upstream labelled this stream as simulated. */
  simulated = false;

  constructor(
    body: UpstreamBody,
    translator: SseChunkTranslator<T>,
    signal: AbortSignal,
    context: UpstreamContext,
  ) {
    this.#body = body;
    this.#bytes = new BodyReader(body);
    this.#translator = translator;
    this.#signal = signal;
    this.#context = context;
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.#finished) return { done: true, value: undefined };
    try {
      if (this.#signal.aborted) throw createAbortedError(this.#context, this.#signal);
      for (;;) {
        while (this.#index < this.#events.length) {
          const event = this.#events[this.#index++] as SseEvent;
          const item = this.#translator.push(event);
          if (item === undefined) continue;
          if (item === SSE_STREAM_END) {
            this.#events = EMPTY;
            this.#bytes.release();
            this.#finished = true;
            releaseBody(this.#body);
            return { done: true, value: undefined };
          }
          if (this.#signal.aborted) throw createAbortedError(this.#context, this.#signal);
          return { done: false, value: item };
        }
        if (this.#bodyEnded) throw this.#translator.truncated();
        this.#index = 0;
        this.#events = EMPTY;
        let bytes = this.#bytes.read();
        if (bytes === undefined) {
          await this.#bytes.readable();
          bytes = this.#bytes.read();
        }
        if (bytes === null) {
          this.#bodyEnded = true;
          this.#events = this.#parser.end();
        } else if (bytes !== undefined) {
          this.#events = this.#parser.push(bytes);
        }
      }
    } catch (error) {
      this.#finished = true;
      this.#events = EMPTY;
      destroyBody(this.#body);
      if (!this.#bytes.busy) this.#bytes.release();
      throw toTransportError(error, this.#signal, 'stream', this.#context);
    }
  }

  async return(): Promise<IteratorResult<T>> {
    if (!this.#finished) {
      this.#finished = true;
      this.#events = EMPTY;
      destroyBody(this.#body);
      // Destroying the body makes finished() settle a read in flight; then detach.
      await this.#bytes.settled();
      this.#bytes.release();
    }
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

const noop = (): void => {};

/**
 * Reads a body the way `body.iterator({ destroyOnReturn: false })` does (Node's
 * createAsyncIterator: a 'readable' listener, `read()`, and `finished()` for the end or the
 * error), without the async generator around it, which cost a yield and two promises per read.
 * Nothing is attached until the first read, as with the iterator.
 */
class BodyReader {
  readonly #body: UpstreamBody;
  #attached = false;
  /** undefined while the body is open, null once it ended cleanly, else the error it ended with. */
  #error: unknown = undefined;
  #wake: () => void = noop;
  #cleanup: () => void = noop;
  #pending: Promise<void> | null = null;

  constructor(body: UpstreamBody) {
    this.#body = body;
  }

  /**
   * The next buffered bytes, `null` at a clean end, or `undefined` when nothing is buffered yet
   * (await readable() and read again). Throws the error the body ended with.
   */
  read(): Buffer | null | undefined {
    if (!this.#attached) this.#attach();
    const body = this.#body;
    const bytes = body.destroyed ? null : (body.read() as Buffer | null);
    if (bytes !== null) return bytes;
    if (this.#error) throw this.#error;
    if (this.#error === null) return null;
    // Destroyed but not yet reported by finished(): readable() resolves when it is.
    return undefined;
  }

  /** Resolves when the body has more bytes, ended, or failed. */
  readable(): Promise<void> {
    this.#pending = new Promise<void>(this.#capture);
    return this.#pending;
  }

  /** Detach after a clean finish, leaving the body to be drained (destroyOnReturn: false). */
  release(): void {
    this.#body.off('readable', this.#onReadable);
    this.#cleanup();
    this.#cleanup = noop;
  }

  /** Whether a read is in flight (readable() not yet settled). */
  get busy(): boolean {
    return this.#pending !== null;
  }

  /** Wait for a read in flight to settle, as an iterator's return() waits for its next(). */
  async settled(): Promise<void> {
    const pending = this.#pending;
    if (pending !== null) await pending;
  }

  #attach(): void {
    this.#attached = true;
    this.#body.on('readable', this.#onReadable);
    this.#cleanup = finished(this.#body, { writable: false }, this.#onFinished);
  }

  readonly #capture = (resolve: () => void): void => {
    this.#wake = resolve;
  };

  readonly #onReadable = (): void => {
    this.#settle();
  };

  readonly #onFinished = (error?: unknown): void => {
    this.#error = error ? error : null;
    this.#settle();
  };

  #settle(): void {
    const wake = this.#wake;
    this.#wake = noop;
    this.#pending = null;
    wake();
  }
}
