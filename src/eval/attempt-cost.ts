import type { AttemptErrorClass } from '../core/error-codes.js';
import type { TargetConfig } from '../routing/policy/policy-types.js';
import { computeCostUsd } from '../telemetry/index.js';
import type { AttemptRecord } from '../telemetry/request-record.js';

/**
 * Failures that happen after the upstream has taken the request and started work on it: a stream
 * cut, stalled or garbled after its first bytes, or an attempt Switchyard gave up waiting on
 * (timeouts, a blown latency budget). Providers bill the prompt of such calls (and whatever was
 * generated), so evaluation does too.
 */
const BILLED_FAILURES: ReadonlySet<AttemptErrorClass> = new Set([
  'timeout',
  'ttft_timeout',
  'stream_stall',
  'latency_budget',
  'stream_truncated',
  'malformed_stream',
]);

/**
 * What one failed attempt cost. The rule (docs/eval.md, "Cost"): an attempt refused up front
 * (429, a 5xx or 4xx answer, a refused or reset connection) or never made (open breaker, context
 * window skip, client abort) costs nothing; an attempt the upstream accepted and then failed or
 * that timed out costs its prompt tokens plus any output tokens already streamed. An attempt that
 * failed with status 200 (the body broke after the headers) always counts as accepted. Timeouts
 * are counted as accepted even when the upstream may only have queued the request, so the figure
 * is an upper bound.
 */
export function failedAttemptCostUsd(
  attempt: AttemptRecord,
  target: TargetConfig | undefined,
  promptTokens: number,
  streamedTokens = 0,
): number {
  if (!target || attempt.errorClass === null) return 0;
  const accepted = attempt.status === 200 || BILLED_FAILURES.has(attempt.errorClass);
  return accepted ? computeCostUsd(promptTokens, streamedTokens, target) : 0;
}

/** Whether an attempt record is a skip (no upstream call was made). */
export function isSkippedAttempt(attempt: AttemptRecord): boolean {
  return (
    attempt.status === null &&
    attempt.latencyMs === 0 &&
    (attempt.errorClass === 'circuit_open' || attempt.errorClass === 'context_window_skip')
  );
}
