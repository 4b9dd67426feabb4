export { type AttemptSignal, createAttemptSignal } from './attempt-signal.js';
export {
  type BackoffOptions,
  computeBackoffMs,
  type RetryDelay,
  retryDelayMs,
} from './backoff.js';
export {
  type BreakerRegistry,
  type BreakerRegistryEntry,
  type BreakerRegistryOptions,
  type BreakerStateChange,
  createBreakerRegistry,
} from './breaker-registry.js';
export {
  type BreakerSnapshot,
  type BreakerState,
  CircuitBreaker,
  type CircuitBreakerOptions,
} from './circuit-breaker.js';
export { sleep } from './sleep.js';
export { type GuardStreamOptions, guardStream, type StreamTimeoutKind } from './stream-guard.js';
