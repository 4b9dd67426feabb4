import type { AttemptErrorClass } from '../../core/error-codes.js';
import { classifyHttpStatus } from '../../core/switchyard-error.js';

/** Anthropic's ways of saying the prompt does not fit, beyond the generic patterns. */
const CONTEXT_LENGTH = /prompt is too long|exceed context limit|context window/i;

/** Classify a non-2xx Anthropic answer. 529 (overloaded) is a server error, like any 5xx. */
export function classifyAnthropicStatus(status: number, body: string): AttemptErrorClass {
  if (status === 400 && CONTEXT_LENGTH.test(body)) return 'context_length_exceeded';
  return classifyHttpStatus(status, body);
}

/** Classify the `error.type` of an Anthropic error object (as sent in an `error` stream event). */
export function classifyAnthropicErrorType(type: string, message: string): AttemptErrorClass {
  switch (type) {
    case 'rate_limit_error':
      return 'rate_limited';
    case 'authentication_error':
    case 'permission_error':
      return 'auth_error';
    case 'invalid_request_error':
      return CONTEXT_LENGTH.test(message) ? 'context_length_exceeded' : 'bad_request';
    case 'not_found_error':
    case 'request_too_large':
      return 'bad_request';
    default:
      // overloaded_error, api_error, timeout_error and types added later: the upstream failed.
      return 'server_error';
  }
}
