import type { KvStore } from '../store/sqlite-kv-store.js';
import type { SharedState } from './shared-state.js';

/**
 * Wrap a SharedState so that keys under the given prefixes are also written to a durable store
 * and restored on start. The embedded default (memory) thereby keeps canary progress and the
 * kill-switch across a restart; with Redis, Redis itself is the durable copy and this is unused.
 */
export async function createPersistentState(
  inner: SharedState,
  store: KvStore,
  prefixes: readonly string[],
): Promise<SharedState> {
  for (const [key, value] of store.load(prefixes)) await inner.set(key, value);
  const persists = (key: string) => prefixes.some((prefix) => key.startsWith(prefix));
  return {
    kind: inner.kind,
    addToWindow: (key, amount, windowMs) => inner.addToWindow(key, amount, windowMs),
    readWindow: (key, windowMs) => inner.readWindow(key, windowMs),
    tryAcquire: (key, limit, ttlMs) => inner.tryAcquire(key, limit, ttlMs),
    release: (key, holdId) => inner.release(key, holdId),
    get: (key) => inner.get(key),
    async set(key, value, ttlMs) {
      await inner.set(key, value, ttlMs);
      if (persists(key) && ttlMs === undefined) store.save(key, value);
    },
    async delete(key) {
      await inner.delete(key);
      if (persists(key)) store.delete(key);
    },
    pushEvent: (key, value, maxLength) => inner.pushEvent(key, value, maxLength),
    readEvents: (key, limit) => inner.readEvents(key, limit),
    async close() {
      await inner.close();
      store.close();
    },
  };
}
