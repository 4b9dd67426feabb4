import type { ChatCompletion, ChatRequest } from '../core/chat-types.js';
import type { SharedState } from '../state/index.js';
import { cacheKey } from './cache-key.js';
import { isStaticFallback } from './static-fallback.js';

/** Options for createResponseCache. */
export interface ResponseCacheOptions {
  /** How long an answer stays fresh enough to serve as a degraded answer. */
  ttlMs: number;
  /** Bound on the in-process entries; the least recently used is evicted first. */
  maxEntries: number;
  /** When given, answers are also stored here (with the same TTL) so replicas share them. */
  state?: SharedState | null;
  /** Clock for freshness; defaults to Date.now. */
  now?: () => number;
}

/** A cached answer and when it was stored (ms since the epoch), for the Age header and the log. */
export interface CachedResponse {
  completion: ChatCompletion;
  storedAt: number;
}

/** Counters for metrics and the admin API. */
export interface ResponseCacheStats {
  entries: number;
  maxEntries: number;
  hits: number;
  misses: number;
  sets: number;
  evictions: number;
  /** SharedState calls that failed; the cache carried on with its local entries. */
  stateErrors: number;
}

/** Exact-match cache of complete answers, served when a fresh answer cannot be had. */
export interface ResponseCache {
  /** The key of a request on a route; see cacheKey for what it covers. */
  key(request: ChatRequest, route: string): string;
  /** A fresh answer for the key, from this process or (when configured) the shared state. */
  get(key: string): Promise<CachedResponse | null>;
  /** Store an answer. The caller stores only successful, complete answers (isCacheableCompletion). */
  set(key: string, completion: ChatCompletion): Promise<void>;
  stats(): ResponseCacheStats;
}

/** Prefix of cache entries in SharedState. */
const STATE_KEY_PREFIX = 'cache:';

/**
 * Create a response cache: an LRU Map bounded by maxEntries in every case (a Map iterates in
 * insertion order, so deleting and re-inserting on a hit keeps the least recently used first),
 * optionally backed by SharedState for replicas. The cache sits on the degradation path, which
 * runs when things are already failing, so a SharedState error never fails a get or set: it is
 * counted in stats().stateErrors and the cache answers from what this process holds.
 */
export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  const { ttlMs, maxEntries } = options;
  const state = options.state ?? null;
  const now = options.now ?? Date.now;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError('response cache: ttlMs must be > 0');
  }
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError('response cache: maxEntries must be an integer >= 1');
  }
  const entries = new Map<string, CachedResponse>();
  const counters = { hits: 0, misses: 0, sets: 0, evictions: 0, stateErrors: 0 };

  const remember = (key: string, entry: CachedResponse): void => {
    entries.delete(key);
    entries.set(key, entry);
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next();
      if (oldest.done === true) break;
      entries.delete(oldest.value);
      counters.evictions += 1;
    }
  };

  const isFresh = (entry: CachedResponse): boolean => now() - entry.storedAt < ttlMs;

  const readShared = async (key: string): Promise<CachedResponse | null> => {
    if (state === null) return null;
    let stored: string | null;
    try {
      stored = await state.get(STATE_KEY_PREFIX + key);
    } catch {
      counters.stateErrors += 1;
      return null;
    }
    if (stored === null) return null;
    const entry = parseEntry(stored);
    // Checked here too: the store's own expiry may be coarser than ours, or another replica's
    // TTL longer.
    return entry !== null && isFresh(entry) ? entry : null;
  };

  return {
    key: cacheKey,

    async get(key) {
      const local = entries.get(key);
      if (local !== undefined) {
        if (isFresh(local)) {
          remember(key, local);
          counters.hits += 1;
          return local;
        }
        entries.delete(key);
      }
      const shared = await readShared(key);
      if (shared === null) {
        counters.misses += 1;
        return null;
      }
      remember(key, shared);
      counters.hits += 1;
      return shared;
    },

    async set(key, completion) {
      const entry: CachedResponse = { completion, storedAt: now() };
      remember(key, entry);
      counters.sets += 1;
      if (state === null) return;
      try {
        await state.set(STATE_KEY_PREFIX + key, JSON.stringify(entry), ttlMs);
      } catch {
        counters.stateErrors += 1;
      }
    },

    stats() {
      return { entries: entries.size, maxEntries, ...counters };
    },
  };
}

/**
 * Whether an answer is worth caching: every choice finished on its own ('stop' or 'tool_calls'),
 * not cut short by max_tokens ('length') or a content filter, and is not a static fallback.
 * Answers that were themselves served from the cache must not be stored again; the caller knows
 * those.
 */
export function isCacheableCompletion(completion: ChatCompletion): boolean {
  return (
    !isStaticFallback(completion) &&
    completion.choices.length > 0 &&
    completion.choices.every(
      (choice) => choice.finish_reason === 'stop' || choice.finish_reason === 'tool_calls',
    )
  );
}

/** A stored entry, or null when another version or a corrupt write left something else there. */
function parseEntry(stored: string): CachedResponse | null {
  try {
    const parsed: unknown = JSON.parse(stored);
    if (parsed === null || typeof parsed !== 'object') return null;
    const { completion, storedAt } = parsed as Partial<CachedResponse>;
    if (typeof storedAt !== 'number' || completion?.object !== 'chat.completion') return null;
    return { completion, storedAt };
  } catch {
    return null;
  }
}
