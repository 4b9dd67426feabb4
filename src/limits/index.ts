/**
 * Limits and degradation: spend budgets, rate and concurrency limits (shared across replicas
 * through SharedState), the per-process admission queue that sheds load, and the degraded
 * answers (cached or static) served when no fresh answer can be had. See docs/limits.md.
 */
export {
  type Admission,
  type AdmissionQueue,
  type AdmissionQueueOptions,
  type AdmissionRefusal,
  type AdmissionStats,
  createAdmissionQueue,
} from './admission-queue.js';
export {
  type BudgetCheckSubject,
  type BudgetConfig,
  type BudgetDecision,
  type BudgetGuard,
  type BudgetGuardOptions,
  type BudgetRecordSubject,
  type BudgetScope,
  type BudgetSnapshotEntry,
  createBudgetGuard,
} from './budget-guard.js';
export { cacheKey } from './cache-key.js';
export { type CompletionChunksOptions, completionChunks } from './completion-chunks.js';
export {
  type ConcurrencyAcquisition,
  type ConcurrencyLimitConfig,
  type ConcurrencyLimiter,
  type ConcurrencyLimiterOptions,
  createConcurrencyLimiter,
} from './concurrency-limiter.js';
export type { LimitScope, LimitSubject } from './limit-subject.js';
export {
  createRateLimiter,
  type RateLimitConfig,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimiterOptions,
} from './rate-limiter.js';
export {
  type CachedResponse,
  createResponseCache,
  isCacheableCompletion,
  type ResponseCache,
  type ResponseCacheOptions,
  type ResponseCacheStats,
} from './response-cache.js';
export {
  isStaticFallback,
  STATIC_FALLBACK_FINGERPRINT,
  STATIC_FALLBACK_MODEL,
  type StaticFallbackOptions,
  staticFallbackChunks,
  staticFallbackCompletion,
} from './static-fallback.js';
