/**
 * State that gateway replicas share: window counters (budgets, rate limits, canary windows),
 * counting semaphores (concurrency limits), plain keys (breakers, kill-switch, cache, canary
 * state) and bounded event lists (audit log, rollback history). In-memory is the embedded
 * default; Redis lets N replicas share one view. Every implementation passes
 * runSharedStateConformance (shared-state.case.ts).
 */
export interface SharedState {
  readonly kind: 'memory' | 'redis';
  /** Add to a fixed window counter (window = floor(now / windowMs)); returns the window total after adding. */
  addToWindow(key: string, amount: number, windowMs: number): Promise<number>;
  /** The current window's total for `key`, 0 when nothing was added in this window. */
  readWindow(key: string, windowMs: number): Promise<number>;
  /** Counting semaphore: acquire a slot if fewer than `limit` are held; each hold expires after ttlMs (leak guard). */
  tryAcquire(key: string, limit: number, ttlMs: number): Promise<string | null>;
  /** Give back a hold; releasing an unknown or expired hold is a no-op. */
  release(key: string, holdId: string): Promise<void>;
  /** The value stored under `key`, or null when absent or expired. */
  get(key: string): Promise<string | null>;
  /** Store a value; without ttlMs it never expires (and any earlier expiry is cleared). */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Remove the value stored under `key` by set(); counters, holds and events are separate. */
  delete(key: string): Promise<void>;
  /** Bounded, newest-last event list (audit log, rollback history). */
  pushEvent(key: string, value: string, maxLength: number): Promise<void>;
  /** The newest `limit` events, oldest first (newest last). */
  readEvents(key: string, limit: number): Promise<string[]>;
  /** Release timers and connections; later calls reject. */
  close(): Promise<void>;
}

/** The fixed window `now` falls in; every store keys counters by it so they agree. */
export function windowIndex(now: number, windowMs: number): number {
  return Math.floor(now / windowMs);
}
