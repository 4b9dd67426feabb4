import type { ServerResponse } from 'node:http';
import { ERROR_CODES } from '../core/error-codes.js';
import { SwitchyardError } from '../core/switchyard-error.js';

/** The OpenAI-style error body every client receives. */
export interface ErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}

/**
 * The one place where errors become what a client sees. Anything that is not a SwitchyardError
 * is a bug: the client gets a generic 500 and the details stay in the server log.
 */
export function toSwitchyardError(error: unknown): SwitchyardError {
  if (error instanceof SwitchyardError) return error;
  return new SwitchyardError('internal_error', 'internal gateway error', { cause: error });
}

/** Build `{error:{message,type,code,param}}` for an error. */
export function errorBody(error: SwitchyardError): ErrorBody {
  return {
    error: {
      message: error.message,
      type: ERROR_CODES[error.code].type,
      code: error.code,
      param: error.param,
    },
  };
}

/** Send an error as JSON, unless the response has already started. */
export function sendError(
  response: ServerResponse,
  error: SwitchyardError,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(error));
  const retryAfter =
    error.retryAfterMs === null
      ? {}
      : { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))) };
  response.writeHead(error.status, {
    ...retryAfter,
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}
