import type { UpstreamError } from '../core/switchyard-error.js';
import type { RetryConfig } from '../routing/policy/policy-types.js';

/** Bounds of exponential backoff. */
export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Wait this long before retrying the same target, or give up on it and move on. */
export type RetryDelay = { delayMs: number } | { moveOn: true; reason: string };

/**
 * Full-jitter exponential backoff: a uniform draw in [0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))).
 * Full jitter spreads a burst of retries across the whole interval, so clients that failed
 * together do not retry together. `attempt` is the 1-based retry number.
 */
export function computeBackoffMs(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  if (!(options.baseDelayMs > 0) || !(options.maxDelayMs > 0)) return 0;
  // Past 2^1023 the power is Infinity, which min() turns into the cap; clamping keeps it exact below.
  const exponent = Math.min(Math.max(attempt, 1) - 1, 1023);
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** exponent);
  return random() * ceiling;
}

/**
 * How long to wait before the next attempt on the same target, for an error the caller has
 * already decided to retry. A Retry-After from the upstream wins over backoff when it is within
 * `retryAfterCapMs`; a longer one means the target will not recover in time, so move on.
 */
export function retryDelayMs(
  error: UpstreamError,
  attempt: number,
  retryConfig: RetryConfig,
  random: () => number = Math.random,
): RetryDelay {
  const retryAfterMs = error.retryAfterMs;
  if (retryAfterMs !== null) {
    if (retryAfterMs > retryConfig.retryAfterCapMs) {
      return {
        moveOn: true,
        reason: `Retry-After of ${retryAfterMs} ms exceeds the ${retryConfig.retryAfterCapMs} ms cap`,
      };
    }
    return { delayMs: Math.max(0, retryAfterMs) };
  }
  return { delayMs: computeBackoffMs(attempt, retryConfig, random) };
}
