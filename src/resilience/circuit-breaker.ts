import type { BreakerConfig } from '../routing/policy/policy-types.js';

/** Where a breaker stands: passing calls, refusing them, or letting a few probes test the target. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** A breaker's counters at one instant, for /admin/state, metrics and tests. */
export interface BreakerSnapshot {
  state: BreakerState;
  consecutiveFailures: number;
  /** Calls recorded in the rolling window (closed state only). */
  windowRequests: number;
  /** Failures among them. */
  windowFailures: number;
  /** Clock time the breaker last opened, or null while it has never opened since closing. */
  openedAt: number | null;
  /** Clock time the next probe may go through, or null when not open. */
  nextProbeAt: number | null;
}

/** Constructor options: the thresholds plus an injectable clock and a transition hook. */
export type CircuitBreakerOptions = BreakerConfig & {
  /** Milliseconds clock; defaults to Date.now so snapshots carry wall-clock times. */
  now?: () => number;
  /** Called after every state transition; must not throw. */
  onStateChange?(from: BreakerState, to: BreakerState): void;
};

/** Buckets in the rolling window; the window forgets in steps of windowMs / WINDOW_BUCKETS. */
const WINDOW_BUCKETS = 10;

/**
 * A per-target circuit breaker. It opens on `consecutiveFailures` failures in a row, or when the
 * failure rate over the rolling window exceeds `errorRate` with at least `minRequests` calls in
 * it. After `openMs` it lets up to `halfOpenProbes` concurrent probes through; that many
 * successes close it, and any probe failure opens it again for a fresh `openMs`.
 *
 * Rolling window: a ring of WINDOW_BUCKETS buckets indexed by `floor(now / bucketMs)`, with
 * running totals. Recording touches one bucket; moving the clock forward clears at most
 * WINDOW_BUCKETS stale buckets and subtracts them from the totals. No allocation after
 * construction, because this runs on every upstream call. The window covers between
 * (WINDOW_BUCKETS - 1) and WINDOW_BUCKETS bucket widths, the current one being partial.
 *
 * Permits are not tokens (tryAcquire returns a boolean, to stay allocation-free), so results
 * are attributed by state: while half-open, a result counts as a probe result only while probes
 * are in flight; results arriving while open, or while half-open with no probe in flight, come
 * from calls admitted before the breaker opened and are ignored. A pre-open straggler that lands
 * while a probe is in flight is counted as that probe's result, which is harmless: it is just as
 * recent evidence about the target.
 */
export class CircuitBreaker {
  readonly config: Readonly<BreakerConfig>;
  readonly #now: () => number;
  readonly #onStateChange: ((from: BreakerState, to: BreakerState) => void) | undefined;
  readonly #bucketMs: number;
  readonly #bucketRequests = new Uint32Array(WINDOW_BUCKETS);
  readonly #bucketFailures = new Uint32Array(WINDOW_BUCKETS);
  /** Slot number (`floor(now / bucketMs)`) of the newest bucket. */
  #currentSlot = Number.NEGATIVE_INFINITY;
  #windowRequests = 0;
  #windowFailures = 0;
  #state: BreakerState = 'closed';
  #consecutiveFailures = 0;
  #openedAt: number | null = null;
  #probesInFlight = 0;
  #probeSuccesses = 0;

  constructor(options: CircuitBreakerOptions) {
    const { now, onStateChange, ...config } = options;
    if (!(config.windowMs > 0)) throw new RangeError('breaker windowMs must be > 0');
    if (!(config.halfOpenProbes >= 1)) throw new RangeError('breaker halfOpenProbes must be >= 1');
    if (!(config.consecutiveFailures >= 1)) {
      throw new RangeError('breaker consecutiveFailures must be >= 1');
    }
    this.config = Object.freeze({
      consecutiveFailures: config.consecutiveFailures,
      errorRate: config.errorRate,
      windowMs: config.windowMs,
      minRequests: config.minRequests,
      openMs: config.openMs,
      halfOpenProbes: config.halfOpenProbes,
    });
    this.#now = now ?? Date.now;
    this.#onStateChange = onStateChange;
    this.#bucketMs = config.windowMs / WINDOW_BUCKETS;
  }

  /** Current state. Reading it never transitions: an expired open state turns half-open on tryAcquire. */
  get state(): BreakerState {
    return this.#state;
  }

  /** Ask to send one call. Every true must be followed by recordSuccess, recordFailure or release. */
  tryAcquire(): boolean {
    if (this.#state === 'closed') return true;
    if (this.#state === 'open') {
      if (this.#now() < (this.#openedAt ?? 0) + this.config.openMs) return false;
      this.#probesInFlight = 0;
      this.#probeSuccesses = 0;
      this.#transition('half-open');
    }
    if (this.#probesInFlight >= this.config.halfOpenProbes) return false;
    this.#probesInFlight += 1;
    return true;
  }

  /** The permitted call succeeded. */
  recordSuccess(): void {
    if (this.#state === 'closed') {
      this.#consecutiveFailures = 0;
      this.#record(false);
      return;
    }
    if (this.#state === 'half-open' && this.#probesInFlight > 0) {
      this.#probesInFlight -= 1;
      this.#probeSuccesses += 1;
      if (this.#probeSuccesses >= this.config.halfOpenProbes) this.#close();
    }
  }

  /** The permitted call failed in a way that speaks about the target's health. */
  recordFailure(): void {
    if (this.#state === 'closed') {
      this.#consecutiveFailures += 1;
      this.#record(true);
      if (this.#consecutiveFailures >= this.config.consecutiveFailures || this.#rateTripped()) {
        this.#open();
      }
      return;
    }
    if (this.#state === 'half-open' && this.#probesInFlight > 0) {
      this.#consecutiveFailures += 1;
      this.#open();
    }
  }

  /** Give back a permit whose outcome says nothing about the target (client abort, a 400). */
  release(): void {
    if (this.#state === 'half-open' && this.#probesInFlight > 0) this.#probesInFlight -= 1;
  }

  /** Counters as of now (old buckets aged out first). */
  snapshot(): BreakerSnapshot {
    if (this.#state === 'closed') this.#advance(this.#now());
    const open = this.#state === 'open' && this.#openedAt !== null;
    return {
      state: this.#state,
      consecutiveFailures: this.#consecutiveFailures,
      windowRequests: this.#windowRequests,
      windowFailures: this.#windowFailures,
      openedAt: this.#openedAt,
      nextProbeAt: open ? (this.#openedAt ?? 0) + this.config.openMs : null,
    };
  }

  #rateTripped(): boolean {
    return (
      this.#windowRequests >= this.config.minRequests &&
      this.#windowFailures > this.config.errorRate * this.#windowRequests
    );
  }

  #record(failed: boolean): void {
    const index = bucketIndex(this.#advance(this.#now()));
    this.#bucketRequests[index] = (this.#bucketRequests[index] ?? 0) + 1;
    this.#windowRequests += 1;
    if (failed) {
      this.#bucketFailures[index] = (this.#bucketFailures[index] ?? 0) + 1;
      this.#windowFailures += 1;
    }
  }

  /** Move the ring forward to `now`, clearing buckets that fell out; returns the current slot. */
  #advance(now: number): number {
    const slot = Math.floor(now / this.#bucketMs);
    // A clock that steps backwards keeps writing into the newest bucket rather than corrupting older ones.
    if (slot <= this.#currentSlot) return this.#currentSlot;
    if (slot - this.#currentSlot >= WINDOW_BUCKETS) {
      this.#bucketRequests.fill(0);
      this.#bucketFailures.fill(0);
      this.#windowRequests = 0;
      this.#windowFailures = 0;
    } else {
      for (let stale = this.#currentSlot + 1; stale <= slot; stale += 1) {
        const index = bucketIndex(stale);
        this.#windowRequests -= this.#bucketRequests[index] ?? 0;
        this.#windowFailures -= this.#bucketFailures[index] ?? 0;
        this.#bucketRequests[index] = 0;
        this.#bucketFailures[index] = 0;
      }
    }
    this.#currentSlot = slot;
    return slot;
  }

  /**
   * Adopt an open state decided elsewhere (another gateway replica), so a fleet fails fast
   * together. Ignored when that open period is already over or this breaker is open anyway.
   */
  adoptOpen(openedAt: number): void {
    if (this.#state === 'open' || this.#now() >= openedAt + this.config.openMs) return;
    this.#openedAt = openedAt;
    this.#probesInFlight = 0;
    this.#probeSuccesses = 0;
    this.#transition('open');
  }

  #open(): void {
    this.#openedAt = this.#now();
    this.#probesInFlight = 0;
    this.#probeSuccesses = 0;
    if (this.#state !== 'open') this.#transition('open');
  }

  #close(): void {
    this.#consecutiveFailures = 0;
    this.#bucketRequests.fill(0);
    this.#bucketFailures.fill(0);
    this.#windowRequests = 0;
    this.#windowFailures = 0;
    this.#openedAt = null;
    this.#probesInFlight = 0;
    this.#probeSuccesses = 0;
    this.#transition('closed');
  }

  #transition(to: BreakerState): void {
    const from = this.#state;
    this.#state = to;
    this.#onStateChange?.(from, to);
  }
}

/** Ring position of a slot; positive even for clocks that start below zero. */
function bucketIndex(slot: number): number {
  return ((slot % WINDOW_BUCKETS) + WINDOW_BUCKETS) % WINDOW_BUCKETS;
}
