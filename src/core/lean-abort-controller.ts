/** What createLeanAbortController returns: the two halves of an AbortController. */
export interface LeanAbortController {
  /** Duck-compatible with AbortSignal (see createLeanAbortController for the limits). */
  readonly signal: AbortSignal;
  /** Abort once; later calls do nothing. The default reason is an AbortError, as with AbortController. */
  abort(reason?: unknown): void;
}

/**
 * An EventTarget with AbortSignal's instance API: `aborted`, `reason`, `onabort`,
 * `throwIfAborted()`, and an `abort` event dispatched once to its listeners.
 *
 * Why not AbortController: on Node 20 every AbortSignal is built by changing a fresh EventTarget's
 * prototype and then adding properties to it, which gives each signal its own hidden classes. One
 * signal allocates ~1.3 KB, ~1 KB of which ends up in V8's old generation, and costs ~10 µs; one
 * per upstream attempt was a large share of the gateway's per-request garbage (see
 * .notes/perf-findings.md). A subclass of EventTarget shares its hidden class with every other
 * instance and dies young.
 */
class LeanAbortSignal extends EventTarget {
  #aborted = false;
  #reason: unknown = undefined;
  onabort: ((this: AbortSignal, event: Event) => unknown) | null = null;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  throwIfAborted(): void {
    if (this.#aborted) throw this.#reason;
  }

  /** Called by the controller only. */
  abortWith(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    const event = new Event('abort');
    this.onabort?.call(this as unknown as AbortSignal, event);
    this.dispatchEvent(event);
  }
}

/**
 * An AbortController whose signal is cheap to create (see LeanAbortSignal). Listeners, `once`,
 * `aborted`, `reason` and `throwIfAborted()` behave as with AbortSignal, and Node's APIs that take
 * a signal (undici, `events.once`, `timers/promises`, streams) accept it. It is not an
 * `instanceof AbortSignal`: `fetch()` rejects it, and `AbortSignal.any()` accepts it but never
 * hears it abort. Hand it only to code that just listens, as the providers' HTTP calls do.
 */
export function createLeanAbortController(): LeanAbortController {
  const signal = new LeanAbortSignal();
  return {
    signal: signal as unknown as AbortSignal,
    abort(reason = new DOMException('This operation was aborted', 'AbortError')) {
      signal.abortWith(reason);
    },
  };
}

/**
 * A native AbortSignal that follows `signal`: the signal itself when it is native, else a new one
 * aborted (with the same reason) when the lean one aborts. For code that needs the real thing,
 * such as `AbortSignal.any()` or `fetch()`.
 */
export function nativeAbortSignal(signal: AbortSignal): AbortSignal {
  // Typed as AbortSignal everywhere, so TypeScript cannot see a lean one: check the class at run time.
  if (!(signal instanceof LeanAbortSignal)) return signal;
  const lean = signal;
  const native = new AbortController();
  if (lean.aborted) native.abort(lean.reason);
  else lean.addEventListener('abort', () => native.abort(lean.reason), { once: true });
  return native.signal;
}
