import { createLeanAbortController } from '../core/lean-abort-controller.js';
import { UpstreamError } from '../core/switchyard-error.js';

/** The signal for one upstream attempt, with a way to abort it and to tidy it up. */
export interface AttemptSignal {
  /**
   * Aborts when the parent aborts (with the parent's reason) or the attempt times out. A lean
   * signal (see createLeanAbortController): listen to it, do not pass it to fetch or AbortSignal.any.
   */
  signal: AbortSignal;
  /** Abort this attempt only (e.g. a stream guard timeout); the parent is untouched. */
  abort(reason: unknown): void;
  /** Clear the timer and detach from the parent. Call it when the attempt ends, however it ends. */
  dispose(): void;
}

/** setTimeout's largest delay; larger ones fire after 1 ms. */
const TIMEOUT_MAX_MS = 2 ** 31 - 1;

/**
 * Link a parent signal (client disconnect, route deadline) with a per-attempt timeout of
 * `totalMs`. On timeout the signal aborts with `UpstreamError('timeout')`, so the caller can
 * classify the failure from `signal.reason`.
 *
 * Why not `AbortSignal.any([parent, AbortSignal.timeout(totalMs)])`: the timeout signal's timer
 * cannot be cleared, so a 60 s attempt that finishes in 200 ms still holds a timer and a signal
 * for 60 s (at 5,000 requests per second, hundreds of thousands of them), and vitest's fake
 * timers do not control it. `AbortSignal.any` also registers every composite on the long-lived
 * parent, which has leaked in Node 20 and 22 (nodejs/node#54614, #55351). One lean controller,
 * one clearable setTimeout and one `once` listener that dispose() removes leave nothing behind.
 */
export function createAttemptSignal(parent: AbortSignal, totalMs: number): AttemptSignal {
  const controller = createLeanAbortController();
  let timer: ReturnType<typeof setTimeout> | null = null;

  const dispose = (): void => {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    parent.removeEventListener('abort', onParentAbort);
  };
  const abort = (reason: unknown): void => {
    dispose();
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onParentAbort = (): void => abort(parent.reason);

  if (parent.aborted) {
    controller.abort(parent.reason);
  } else {
    parent.addEventListener('abort', onParentAbort, { once: true });
    if (Number.isFinite(totalMs)) {
      timer = setTimeout(
        () => {
          timer = null;
          abort(
            new UpstreamError({
              errorClass: 'timeout',
              message: `attempt took longer than ${totalMs} ms`,
            }),
          );
        },
        Math.min(Math.max(0, totalMs), TIMEOUT_MAX_MS),
      );
    }
  }
  return { signal: controller.signal, abort, dispose };
}
