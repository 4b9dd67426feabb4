import type { SharedState } from '../state/index.js';
import {
  applicableLimits,
  type LimitScope,
  type LimitSubject,
  validateLimitName,
} from './limit-subject.js';

/** At most `requests` per fixed window of `windowMs`. */
export interface RateLimitConfig {
  scope: LimitScope;
  /** Target or tenant name; for tenants, '*' is every tenant's own limit unless it has a named one. */
  name: string;
  requests: number;
  windowMs: number;
}

/** Options for createRateLimiter. */
export interface RateLimiterOptions {
  limits: RateLimitConfig[];
  state: SharedState;
  /** Clock for window arithmetic; it must agree with the state's clock. Defaults to Date.now. */
  now?: () => number;
}

/** The verdict of one take(); `limit` names the exhausted counter (`scope:name`). */
export type RateLimitDecision =
  | { allowed: true }
  | { allowed: false; limit: string; retryAfterMs: number };

/** Fixed-window request counters per target and per tenant, shared through SharedState. */
export interface RateLimiter {
  /** Count one request against every limit that applies, or say which limit refuses it. */
  take(subject: LimitSubject): Promise<RateLimitDecision>;
}

/**
 * Create a rate limiter. Every applicable counter is incremented at once (one round trip each,
 * in parallel); when one refuses, the others are given their request back so a refused request
 * does not use up a tenant's allowance because a target was full, or the other way round.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { limits, state } = options;
  const now = options.now ?? Date.now;
  for (const limit of limits) validateRateLimit(limit);

  return {
    async take(subject) {
      // The window length is part of the key: limits with different windows on one subject keep
      // separate counters, while two with the same window share one, counted once.
      const applied = applicableLimits(limits, subject, 'rate').map((limit) => ({
        ...limit,
        key: `${limit.key}:${limit.config.windowMs}`,
      }));
      if (applied.length === 0) return { allowed: true };
      const counters = new Map<string, { windowMs: number; window: number; total: number }>();
      for (const limit of applied) {
        const windowMs = limit.config.windowMs;
        counters.set(limit.key, { windowMs, window: Math.floor(now() / windowMs), total: 0 });
      }
      await Promise.all(
        [...counters].map(async ([key, counter]) => {
          counter.total = await state.addToWindow(key, 1, counter.windowMs);
        }),
      );
      let refusal: { limit: string; retryAfterMs: number } | null = null;
      const refusedKeys = new Set<string>();
      for (const limit of applied) {
        if ((counters.get(limit.key)?.total ?? 0) <= limit.config.requests) continue;
        refusedKeys.add(limit.key);
        const retryAfterMs = limit.config.windowMs - (now() % limit.config.windowMs);
        // Every refusing limit must reset before a retry can pass, so the latest reset wins.
        if (refusal === null || retryAfterMs > refusal.retryAfterMs) {
          refusal = { limit: limit.id, retryAfterMs };
        }
      }
      if (refusal === null) return { allowed: true };
      const refunds = [...counters].filter(
        ([key, counter]) =>
          !refusedKeys.has(key) &&
          // A window that has already rolled over owes nothing; a refund there would go negative.
          Math.floor(now() / counter.windowMs) === counter.window,
      );
      await Promise.all(
        refunds.map(([key, counter]) => state.addToWindow(key, -1, counter.windowMs)),
      );
      return { allowed: false, ...refusal };
    },
  };
}

function validateRateLimit(limit: RateLimitConfig): void {
  const label = `rate limit ${limit.scope}:${limit.name}`;
  validateLimitName(limit, label);
  if (!Number.isInteger(limit.requests) || limit.requests < 0) {
    throw new RangeError(`${label}: requests must be an integer >= 0`);
  }
  if (!Number.isFinite(limit.windowMs) || limit.windowMs <= 0) {
    throw new RangeError(`${label}: windowMs must be > 0`);
  }
}
