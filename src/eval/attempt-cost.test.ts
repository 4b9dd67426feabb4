import { describe, expect, it } from 'vitest';
import type { AttemptErrorClass } from '../core/error-codes.js';
import type { TargetConfig } from '../routing/policy/policy-types.js';
import { failedAttemptCostUsd, isSkippedAttempt } from './attempt-cost.js';

const target = {
  name: 'big',
  inputPricePerToken: 0.001,
  outputPricePerToken: 0.002,
} as TargetConfig;

function attempt(errorClass: AttemptErrorClass | null, status: number | null, latencyMs = 50) {
  return { target: 'big', status, errorClass, latencyMs, ttftMs: null, startedAt: 0 };
}

describe('failedAttemptCostUsd', () => {
  it.each([
    ['rate_limited', 429, 0],
    ['server_error', 503, 0],
    ['connection_error', null, 0],
    ['bad_request', 400, 0],
    ['circuit_open', null, 0],
    ['context_window_skip', null, 0],
    ['aborted', null, 0],
    ['ttft_timeout', null, 0.1],
    ['timeout', null, 0.1],
    ['latency_budget', null, 0.1],
    ['stream_stall', 200, 0.1],
    ['stream_truncated', 200, 0.1],
    ['server_error', 200, 0.1],
  ] as const)('%s with status %s costs $%s for a 100-token prompt', (errorClass, status, cost) => {
    expect(failedAttemptCostUsd(attempt(errorClass, status), target, 100)).toBeCloseTo(cost, 10);
  });

  it('adds the output tokens already streamed', () => {
    expect(failedAttemptCostUsd(attempt('stream_truncated', 200), target, 100, 10)).toBeCloseTo(
      0.12,
      10,
    );
  });

  it('costs nothing for a successful attempt or an unknown target', () => {
    expect(failedAttemptCostUsd(attempt(null, 200), target, 100)).toBe(0);
    expect(failedAttemptCostUsd(attempt('timeout', null), undefined, 100)).toBe(0);
  });
});

describe('isSkippedAttempt', () => {
  it('tells skips from calls', () => {
    expect(isSkippedAttempt(attempt('circuit_open', null, 0))).toBe(true);
    expect(isSkippedAttempt(attempt('context_window_skip', null, 0))).toBe(true);
    expect(isSkippedAttempt(attempt('rate_limited', 429, 3))).toBe(false);
  });
});
