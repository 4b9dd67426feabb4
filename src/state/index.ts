/**
 * State shared by gateway replicas: budgets, rate and concurrency limits, canary counters and
 * windows, breakers, the kill-switch, the cache and the audit log sit behind one SharedState.
 * In-memory is the embedded default; Redis lets N replicas share one view (docs/state.md).
 */
export {
  createMemoryState,
  type MemoryState,
  type MemoryStateOptions,
} from './memory-state.js';
export { createPersistentState } from './persistent-state.js';
export {
  createRedisState,
  DEFAULT_REDIS_KEY_PREFIX,
  type RedisStateOptions,
} from './redis-state.js';
export { type SharedState, windowIndex } from './shared-state.js';
export { SharedStateError } from './shared-state-error.js';
