import type { AttemptErrorClass, ErrorCode } from '../core/error-codes.js';
import { SwitchyardError } from '../core/switchyard-error.js';
import type { AttemptRecord } from '../telemetry/request-record.js';

/**
 * The route gave up: every step failed, was skipped, or stopped on an error its `fallback_on`
 * does not cover. Carries every attempt so the caller and the log can say exactly what happened.
 */
export class RouteFailedError extends SwitchyardError {
  readonly attempts: readonly AttemptRecord[];
  /** The upstream's own message for a 4xx passed through to the client. */
  readonly upstreamMessage: string | null;

  constructor(
    code: ErrorCode,
    message: string,
    attempts: readonly AttemptRecord[],
    options?: { retryAfterMs?: number | null; upstreamMessage?: string | null; cause?: unknown },
  ) {
    super(code, message, { cause: options?.cause, retryAfterMs: options?.retryAfterMs ?? null });
    this.name = 'RouteFailedError';
    this.attempts = attempts;
    this.upstreamMessage = options?.upstreamMessage ?? null;
  }
}

/** Describe attempts compactly for an error message: `small: server_error 500; big: timeout`. */
export function describeAttempts(attempts: readonly AttemptRecord[]): string {
  return attempts
    .map((attempt) => {
      const status = attempt.status === null ? '' : ` ${attempt.status}`;
      return `${attempt.target}: ${attempt.errorClass ?? 'ok'}${status}`;
    })
    .join('; ');
}

/** Which client-facing code a final upstream error class becomes. */
export function finalErrorCode(errorClass: AttemptErrorClass | null): ErrorCode {
  switch (errorClass) {
    case 'context_length_exceeded':
    case 'context_window_skip':
      return 'context_length_exceeded';
    case 'content_filter':
      return 'content_filter';
    case 'bad_request':
      return 'upstream_bad_request';
    case 'rate_limited':
      return 'rate_limited';
    default:
      return 'all_targets_failed';
  }
}
