import { UpstreamError } from '../core/switchyard-error.js';

/** Which stream timeout fired: no first content in time, or too long a silence after it. */
export type StreamTimeoutKind = 'ttft_timeout' | 'stream_stall';

/** Timeouts and hooks of a guarded stream. */
export interface GuardStreamOptions<T> {
  /** Longest wait, from guardStream() being called, for the first content item. */
  firstItemTimeoutMs: number;
  /** Longest wait for any item once content has started. */
  idleTimeoutMs: number;
  /** Whether an item counts as content for the first-item timeout; default: every item does. */
  isContent?(item: T): boolean;
  /** Called once when a timeout fires, before the error is raised; abort the upstream here. */
  onTimeout(kind: StreamTimeoutKind): void;
}

/**
 * Wrap an upstream stream so that it fails with `UpstreamError('ttft_timeout')` when no content
 * item arrives within `firstItemTimeoutMs`, or `UpstreamError('stream_stall')` when the gap
 * before a later item exceeds `idleTimeoutMs`. On timeout the source's `return()` is called to
 * release it. The result is single-use, like the iterator of an async generator.
 */
export function guardStream<T>(
  source: AsyncIterable<T>,
  options: GuardStreamOptions<T>,
): AsyncIterableIterator<T> {
  return new GuardedStream(source[Symbol.asyncIterator](), options);
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
const ignore = (): void => {};

/**
 * Stream lifecycle: racing `source.next()` against a timer, cheaply and without leaks.
 *
 * The obvious `Promise.race([source.next(), timeoutPromise])` with a fresh `setTimeout` per
 * chunk costs a timer insert and delete, a race promise and a timeout promise for every chunk,
 * and the losing timeout promise must still be cleaned up. At thousands of chunks per second
 * that is measurable, so instead:
 *
 * 1. Deadlines are timestamps. Each `next()` only computes `deadline` (the fixed first-content
 *    deadline until content arrives, then `now + idleTimeoutMs`) and stores it; no timer call.
 * 2. There is at most one timer per stream, armed lazily. `next()` arms it only when none is
 *    pending, or when the new deadline is earlier than the pending timer (which happens once,
 *    when the first content switches from the long first-item timeout to a shorter idle one).
 *    When the timer fires it compares the clock to the current deadline: if the deadline has
 *    moved on (chunks kept arriving), it re-arms for the remainder and nothing else happens. So
 *    a healthy stream sets about one timer per `idleTimeoutMs`, not one per chunk. A timer that
 *    fires while no `next()` is outstanding (the consumer is busy) simply lapses.
 * 3. Each `next()` still returns one promise of ours (the iterator protocol needs one), whose
 *    resolve/reject are captured by a pre-bound executor; `source.next()` settles it through
 *    pre-bound handlers, so there are no per-chunk closures. A timeout rejects that same
 *    promise. Both the source result and the timer check `#waiting`/`#finished`, so whichever
 *    comes second is ignored: a source promise that settles after a timeout has handlers
 *    attached (no unhandled rejection) and goes nowhere.
 * 4. Every way out (source done, source error, timeout, consumer `return()`) clears the timer,
 *    so a finished stream holds no timer. On timeout, `onTimeout` runs first so the caller can
 *    abort the upstream request (which is what actually frees the socket), then the source's
 *    `return()` is called without awaiting it: an async generator parked on a read cannot
 *    run its `finally` until that read settles, and the consumer must not wait for that.
 */
class GuardedStream<T> implements AsyncIterableIterator<T> {
  readonly #source: AsyncIterator<T>;
  readonly #options: GuardStreamOptions<T>;
  readonly #firstItemDeadline: number;
  #sawContent = false;
  #deadline = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #timerAt = 0;
  #waiting = false;
  #finished = false;
  #resolve: ((result: IteratorResult<T>) => void) | null = null;
  #reject: ((error: unknown) => void) | null = null;

  constructor(source: AsyncIterator<T>, options: GuardStreamOptions<T>) {
    this.#source = source;
    this.#options = options;
    this.#firstItemDeadline = performance.now() + options.firstItemTimeoutMs;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#finished) return Promise.resolve(DONE);
    if (this.#waiting) {
      return Promise.reject(new Error('guardStream does not support concurrent next() calls'));
    }
    const now = performance.now();
    this.#deadline = this.#sawContent ? now + this.#options.idleTimeoutMs : this.#firstItemDeadline;
    this.#waiting = true;
    if (this.#timer === null || this.#deadline < this.#timerAt) this.#arm(now);
    const result = new Promise<IteratorResult<T>>(this.#capture);
    try {
      this.#source.next().then(this.#onResult, this.#onError);
    } catch (error) {
      this.#onError(error);
    }
    return result;
  }

  async return(): Promise<IteratorResult<T>> {
    if (this.#finished && !this.#waiting) return DONE;
    const wasWaiting = this.#waiting;
    this.#finish();
    if (wasWaiting) {
      this.#resolvePending(DONE);
      this.#releaseSource();
      return DONE;
    }
    await this.#source.return?.();
    return DONE;
  }

  readonly #capture = (
    resolve: (result: IteratorResult<T>) => void,
    reject: (error: unknown) => void,
  ): void => {
    this.#resolve = resolve;
    this.#reject = reject;
  };

  readonly #onResult = (result: IteratorResult<T>): void => {
    if (this.#finished || !this.#waiting) return;
    if (result.done) {
      this.#finish();
    } else if (!this.#sawContent) {
      const isContent = this.#options.isContent;
      try {
        this.#sawContent = isContent === undefined || isContent(result.value);
      } catch (error) {
        // Thrown inside a promise handler it would be an unhandled rejection; fail the stream instead.
        this.#releaseSource();
        this.#onError(error);
        return;
      }
    }
    this.#resolvePending(result);
  };

  readonly #onError = (error: unknown): void => {
    if (this.#finished || !this.#waiting) return;
    this.#finish();
    this.#rejectPending(error);
  };

  readonly #onTimer = (): void => {
    this.#timer = null;
    if (this.#finished || !this.#waiting) return;
    const now = performance.now();
    if (now < this.#deadline) {
      this.#arm(now);
      return;
    }
    const kind: StreamTimeoutKind = this.#sawContent ? 'stream_stall' : 'ttft_timeout';
    this.#finish();
    let hookError: unknown;
    try {
      this.#options.onTimeout(kind);
    } catch (error) {
      hookError = error;
    }
    this.#releaseSource();
    const message =
      kind === 'ttft_timeout'
        ? `no content within ${this.#options.firstItemTimeoutMs} ms`
        : `stream silent for more than ${this.#options.idleTimeoutMs} ms`;
    this.#rejectPending(new UpstreamError({ errorClass: kind, message, cause: hookError }));
  };

  #arm(now: number): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timerAt = this.#deadline;
    this.#timer = setTimeout(this.#onTimer, Math.max(0, this.#deadline - now));
  }

  /** Settle the outstanding next() promise, if any, and mark the stream as not waiting. */
  #resolvePending(result: IteratorResult<T>): void {
    const resolve = this.#resolve;
    this.#clearPending();
    resolve?.(result);
  }

  #rejectPending(error: unknown): void {
    const reject = this.#reject;
    this.#clearPending();
    reject?.(error);
  }

  #clearPending(): void {
    this.#waiting = false;
    this.#resolve = null;
    this.#reject = null;
  }

  #finish(): void {
    this.#finished = true;
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  #releaseSource(): void {
    try {
      this.#source.return?.().then(ignore, ignore);
    } catch {
      // A source whose return() throws has nothing left for us to release.
    }
  }
}
