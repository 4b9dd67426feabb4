import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../core/switchyard-error.js';
import type { RetryConfig } from '../routing/policy/policy-types.js';
import { computeBackoffMs, retryDelayMs } from './backoff.js';

const BACKOFF = { baseDelayMs: 100, maxDelayMs: 2_000 };
const RETRY: RetryConfig = { ...BACKOFF, retryAfterCapMs: 10_000 };

/** A deterministic sequence in [0, 1) so bounds are checked over many draws. */
function createSeededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function rateLimited(retryAfterMs?: number): UpstreamError {
  return new UpstreamError({
    errorClass: 'rate_limited',
    message: 'slow down',
    status: 429,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

describe('computeBackoffMs', () => {
  it.each([
    { attempt: 1, ceiling: 100 },
    { attempt: 2, ceiling: 200 },
    { attempt: 3, ceiling: 400 },
    { attempt: 4, ceiling: 800 },
    { attempt: 5, ceiling: 1_600 },
    { attempt: 6, ceiling: 2_000 },
    { attempt: 7, ceiling: 2_000 },
    { attempt: 60, ceiling: 2_000 },
    { attempt: 5_000, ceiling: 2_000 },
  ])('retry $attempt draws from [0, $ceiling]', ({ attempt, ceiling }) => {
    expect(computeBackoffMs(attempt, BACKOFF, () => 0)).toBe(0);
    expect(computeBackoffMs(attempt, BACKOFF, () => 0.5)).toBe(ceiling / 2);
    expect(computeBackoffMs(attempt, BACKOFF, () => 0.999)).toBeCloseTo(ceiling * 0.999, 9);
  });

  it('grows exponentially until the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) =>
      computeBackoffMs(attempt, BACKOFF, () => 0.999),
    );
    for (let index = 1; index < 5; index += 1) {
      expect(delays[index]).toBeCloseTo((delays[index - 1] ?? Number.NaN) * 2, 9);
    }
    expect(delays[5]).toBeCloseTo(1_998, 9);
  });

  it('stays within [0, cap] over many draws (full jitter)', () => {
    const random = createSeededRandom(42);
    let sum = 0;
    for (let draw = 0; draw < 2_000; draw += 1) {
      const attempt = (draw % 12) + 1;
      const ceiling = Math.min(2_000, 100 * 2 ** (attempt - 1));
      const delay = computeBackoffMs(attempt, BACKOFF, random);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(ceiling);
      sum += delay / ceiling;
    }
    // Full jitter is uniform over the interval, so the mean share of the ceiling is near 1/2.
    expect(sum / 2_000).toBeGreaterThan(0.45);
    expect(sum / 2_000).toBeLessThan(0.55);
  });

  it('uses Math.random by default and stays within the cap', () => {
    for (let draw = 0; draw < 200; draw += 1) {
      const delay = computeBackoffMs(3, BACKOFF);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });

  it.each([
    { attempt: 0, options: BACKOFF, expected: 50 },
    { attempt: -3, options: BACKOFF, expected: 50 },
    { attempt: 4, options: { baseDelayMs: 0, maxDelayMs: 2_000 }, expected: 0 },
    { attempt: 4, options: { baseDelayMs: 100, maxDelayMs: 0 }, expected: 0 },
    { attempt: 2_000, options: { baseDelayMs: 0, maxDelayMs: 2_000 }, expected: 0 },
  ])('returns $expected for attempt $attempt with $options', ({ attempt, options, expected }) => {
    expect(computeBackoffMs(attempt, options, () => 0.5)).toBe(expected);
  });
});

describe('retryDelayMs', () => {
  it('backs off with full jitter when there is no Retry-After', () => {
    expect(retryDelayMs(rateLimited(), 3, RETRY, () => 0.25)).toEqual({ delayMs: 100 });
  });

  it.each([
    { retryAfterMs: 0, delayMs: 0 },
    { retryAfterMs: 1_500, delayMs: 1_500 },
    { retryAfterMs: 10_000, delayMs: 10_000 },
  ])('waits a Retry-After of $retryAfterMs ms within the cap', ({ retryAfterMs, delayMs }) => {
    expect(retryDelayMs(rateLimited(retryAfterMs), 1, RETRY, () => 0.9)).toEqual({ delayMs });
  });

  it('moves on when the Retry-After is above the cap', () => {
    const decision = retryDelayMs(rateLimited(10_001), 1, RETRY, () => 0.9);
    expect(decision).toEqual({ moveOn: true, reason: expect.stringContaining('10001 ms') });
    expect('reason' in decision && decision.reason).toContain('10000 ms cap');
  });

  it('honours Retry-After on a server error too', () => {
    const error = new UpstreamError({
      errorClass: 'server_error',
      message: 'busy',
      status: 503,
      retryAfterMs: 60_000,
    });
    expect(retryDelayMs(error, 1, RETRY)).toMatchObject({ moveOn: true });
  });
});
