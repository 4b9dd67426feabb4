import { randomUUID } from 'node:crypto';
import { checkArgument } from './check-argument.js';
import { type SharedState, windowIndex } from './shared-state.js';
import { SharedStateError } from './shared-state-error.js';

/** Options for createMemoryState. */
export interface MemoryStateOptions {
  /** Clock in ms since the epoch; tests inject one. Defaults to Date.now. */
  now?: () => number;
  /** How often expired entries are dropped; reads also check expiry themselves. Default 30 s. */
  sweepIntervalMs?: number;
}

/** The in-memory SharedState, with a count of stored entries for diagnostics and tests. */
export interface MemoryState extends SharedState {
  readonly kind: 'memory';
  /** Stored window counters, values, holds and event lists, expired or not (until swept). */
  entryCount(): number;
}

interface Expiring {
  expiresAt: number;
}

interface EventList {
  items: string[];
  maxLength: number;
}

const DEFAULT_SWEEP_INTERVAL_MS = 30_000;

/**
 * The embedded default: one process's state in Maps. Expiry is checked lazily on read and by a
 * periodic sweep (unref'd, so it never keeps the process alive). Window counters are keyed by
 * window index and live for two windows, as in Redis, so both stores agree on every answer.
 */
export function createMemoryState(options: MemoryStateOptions = {}): MemoryState {
  const now = options.now ?? Date.now;
  const windows = new Map<string, Expiring & { total: number }>();
  const values = new Map<string, Expiring & { value: string }>();
  const holds = new Map<string, Map<string, number>>();
  const events = new Map<string, EventList>();
  let closed = false;

  function ensureOpen(operation: string): void {
    if (closed)
      throw new SharedStateError('memory', operation, `${operation}: memory state is closed`);
  }

  function liveHolds(key: string, at: number): Map<string, number> | undefined {
    const held = holds.get(key);
    if (held === undefined) return undefined;
    // At most `limit` holds are live per key, so this scan is bounded by the limit.
    for (const [holdId, expiresAt] of held) if (expiresAt <= at) held.delete(holdId);
    if (held.size === 0) holds.delete(key);
    return held;
  }

  function sweep(): void {
    const at = now();
    for (const [key, entry] of windows) if (entry.expiresAt <= at) windows.delete(key);
    for (const [key, entry] of values) if (entry.expiresAt <= at) values.delete(key);
    for (const key of holds.keys()) liveHolds(key, at);
  }

  const sweeper = setInterval(sweep, options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
  sweeper.unref();

  return {
    kind: 'memory',

    async addToWindow(key, amount, windowMs) {
      ensureOpen('addToWindow');
      checkArgument('memory', 'addToWindow', 'amount', amount, 'finite');
      checkArgument('memory', 'addToWindow', 'windowMs', windowMs, 'positive');
      const at = now();
      const windowKey = `${key}:${windowIndex(at, windowMs)}`;
      const entry = windows.get(windowKey);
      if (entry === undefined || entry.expiresAt <= at) {
        windows.set(windowKey, { total: amount, expiresAt: at + 2 * windowMs });
        return amount;
      }
      entry.total += amount;
      entry.expiresAt = at + 2 * windowMs;
      return entry.total;
    },

    async readWindow(key, windowMs) {
      ensureOpen('readWindow');
      checkArgument('memory', 'readWindow', 'windowMs', windowMs, 'positive');
      const at = now();
      const entry = windows.get(`${key}:${windowIndex(at, windowMs)}`);
      return entry === undefined || entry.expiresAt <= at ? 0 : entry.total;
    },

    async tryAcquire(key, limit, ttlMs) {
      ensureOpen('tryAcquire');
      checkArgument('memory', 'tryAcquire', 'limit', limit, 'non-negative-count');
      checkArgument('memory', 'tryAcquire', 'ttlMs', ttlMs, 'positive');
      const at = now();
      const held = liveHolds(key, at) ?? new Map<string, number>();
      if (held.size >= limit) return null;
      const holdId = randomUUID();
      held.set(holdId, at + ttlMs);
      holds.set(key, held);
      return holdId;
    },

    async release(key, holdId) {
      ensureOpen('release');
      const held = holds.get(key);
      held?.delete(holdId);
      if (held?.size === 0) holds.delete(key);
    },

    async get(key) {
      ensureOpen('get');
      const entry = values.get(key);
      if (entry === undefined) return null;
      if (entry.expiresAt <= now()) {
        values.delete(key);
        return null;
      }
      return entry.value;
    },

    async set(key, value, ttlMs) {
      ensureOpen('set');
      if (ttlMs !== undefined) checkArgument('memory', 'set', 'ttlMs', ttlMs, 'positive');
      values.set(key, {
        value,
        expiresAt: ttlMs === undefined ? Number.POSITIVE_INFINITY : now() + ttlMs,
      });
    },

    async delete(key) {
      ensureOpen('delete');
      values.delete(key);
    },

    async pushEvent(key, value, maxLength) {
      ensureOpen('pushEvent');
      checkArgument('memory', 'pushEvent', 'maxLength', maxLength, 'count');
      const list = events.get(key) ?? { items: [], maxLength };
      list.maxLength = maxLength;
      list.items.push(value);
      // Trim in batches (once the list doubles) so a push stays O(1) amortised.
      if (list.items.length >= 2 * maxLength) list.items.splice(0, list.items.length - maxLength);
      events.set(key, list);
    },

    async readEvents(key, limit) {
      ensureOpen('readEvents');
      checkArgument('memory', 'readEvents', 'limit', limit, 'non-negative-count');
      const list = events.get(key);
      if (list === undefined || limit === 0) return [];
      const count = Math.min(limit, list.maxLength, list.items.length);
      return list.items.slice(list.items.length - count);
    },

    async close() {
      closed = true;
      clearInterval(sweeper);
      windows.clear();
      values.clear();
      holds.clear();
      events.clear();
    },

    entryCount() {
      let count = windows.size + values.size + events.size;
      for (const held of holds.values()) count += held.size;
      return count;
    },
  };
}
