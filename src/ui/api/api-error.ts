import type { ApiErrorBody } from '../../gateway/workspace-api/workspace-api-types.js';

/** Codes with which the gateway refuses a call that lacks a valid API key. */
export const AUTH_ERROR_CODES: readonly string[] = ['missing_api_key', 'invalid_api_key'];

/** A failed API call: the HTTP status and the gateway's error code and message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly type: string;

  constructor(status: number, code: string, message: string, type = 'api_error') {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.type = type;
  }

  /** The server refused the call for want of a valid API key. */
  get isAuthError(): boolean {
    return this.status === 401 && AUTH_ERROR_CODES.includes(this.code);
  }
}

/** Whether a parsed JSON body is the gateway's OpenAI-style error body. */
export function isApiErrorBody(body: unknown): body is ApiErrorBody {
  if (typeof body !== 'object' || body === null) return false;
  const error = (body as { error?: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

/**
 * Builds an ApiError from a status and whatever body came back. Proxies and crashed servers
 * answer with HTML or nothing, so a body that is not the gateway's error shape still yields a
 * readable message instead of a JSON parse error.
 */
export function toApiError(status: number, body: unknown, fallbackText = ''): ApiError {
  if (isApiErrorBody(body)) {
    return new ApiError(
      status,
      body.error.code || 'error',
      body.error.message,
      body.error.type || 'api_error',
    );
  }
  const text = fallbackText.trim().slice(0, 200);
  return new ApiError(
    status,
    status === 0 ? 'network_error' : `http_${status}`,
    text === '' ? `The server answered HTTP ${status}.` : `HTTP ${status}: ${text}`,
  );
}

/** A short message for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
