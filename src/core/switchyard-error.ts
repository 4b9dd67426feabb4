import {
  type AttemptErrorClass,
  ERROR_CODES,
  type ErrorCode,
  RETRYABLE_ATTEMPT_CLASSES,
} from './error-codes.js';

/** The one base class for every error Switchyard raises on purpose. */
export class SwitchyardError extends Error {
  readonly code: ErrorCode;
  /** HTTP status the gateway answers with; defaults to the code's table entry. */
  readonly status: number;
  /** The offending field or parameter, when there is one (OpenAI's `error.param`). */
  readonly param: string | null;
  /** When to try again, sent as Retry-After (429 and 503 answers). */
  readonly retryAfterMs: number | null;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { param?: string; cause?: unknown; status?: number; retryAfterMs?: number | null },
  ) {
    super(message, { cause: options?.cause });
    this.name = 'SwitchyardError';
    this.code = code;
    this.status = options?.status ?? ERROR_CODES[code].status;
    this.param = options?.param ?? null;
    this.retryAfterMs = options?.retryAfterMs ?? null;
  }
}

/** Options describing a failed upstream call. */
export interface UpstreamErrorOptions {
  errorClass: AttemptErrorClass;
  message: string;
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Parsed Retry-After in ms, when the upstream sent one. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * One upstream call failed. Carries what the upstream said so the retry logic can decide and the
 * log can explain. Never carries the upstream's API key: providers build it from the response.
 */
export class UpstreamError extends Error {
  readonly errorClass: AttemptErrorClass;
  readonly status: number | null;
  readonly headers: Record<string, string>;
  readonly body: string | null;
  readonly retryAfterMs: number | null;

  constructor(options: UpstreamErrorOptions) {
    super(options.message, { cause: options.cause });
    this.name = 'UpstreamError';
    this.errorClass = options.errorClass;
    this.status = options.status ?? null;
    this.headers = options.headers ?? {};
    this.body = options.body ?? null;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }

  /** Whether trying the same target again could succeed. A 400 never is. */
  get isRetryable(): boolean {
    return RETRYABLE_CLASSES.has(this.errorClass);
  }
}

const RETRYABLE_CLASSES: ReadonlySet<AttemptErrorClass> = new Set(RETRYABLE_ATTEMPT_CLASSES);

/** Classify an upstream HTTP status (and body) into an attempt error class. */
export function classifyHttpStatus(status: number, body: string): AttemptErrorClass {
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  if (status === 401 || status === 403) return 'auth_error';
  if (status === 408) return 'timeout';
  if (
    /context_length_exceeded|maximum context length|prompt is too long|too many tokens/i.test(body)
  ) {
    return 'context_length_exceeded';
  }
  if (/content_filter|content_policy|content management policy|safety/i.test(body))
    return 'content_filter';
  return 'bad_request';
}
