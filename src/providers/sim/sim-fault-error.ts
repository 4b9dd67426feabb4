import type { AttemptErrorClass } from '../../core/error-codes.js';
import type { SimPlan } from './sim-engine.js';
import type { SimProfile } from './sim-profile.js';

/** An error the simulator answers with, independent of the wire dialect. */
export interface SimFaultError {
  status: number;
  errorClass: AttemptErrorClass;
  message: string;
  /** Seconds for the Retry-After header; null sends none. */
  retryAfterS: number | null;
  openAi: { type: string; code: string | null; param: string | null };
  anthropic: { type: string; message: string };
}

/** The error answers a simulator gives: its immediate faults plus the capacity 429. */
export type SimErrorKind =
  | 'server_error'
  | 'rate_limited'
  | 'rate_limited_no_retry_after'
  | 'capacity'
  | 'context_length_exceeded'
  | 'content_filter';

/** The status, messages and codes of one simulated error, shaped after the real providers'. */
export function simFaultError(
  kind: SimErrorKind,
  plan: SimPlan,
  profile: SimProfile,
): SimFaultError {
  const { retryAfterS, slots, queue } = profile.capacity;
  switch (kind) {
    case 'server_error':
      return {
        status: 500,
        errorClass: 'server_error',
        message: 'The server had an error while processing your request. (simulated)',
        retryAfterS: null,
        openAi: { type: 'server_error', code: null, param: null },
        anthropic: { type: 'api_error', message: 'Internal server error (simulated)' },
      };
    case 'rate_limited':
    case 'rate_limited_no_retry_after':
    case 'capacity':
      return {
        status: 429,
        errorClass: 'rate_limited',
        message:
          kind === 'capacity'
            ? `The simulated model is at capacity (${slots} slots busy, ${queue} queued). Retry later.`
            : 'Rate limit reached for requests. (simulated)',
        retryAfterS: kind === 'rate_limited_no_retry_after' ? null : retryAfterS,
        openAi: { type: 'requests', code: 'rate_limit_exceeded', param: null },
        anthropic: { type: 'rate_limit_error', message: 'Rate limit exceeded (simulated)' },
      };
    case 'context_length_exceeded':
      return {
        status: 400,
        errorClass: 'context_length_exceeded',
        message: `This model's maximum context length is ${plan.contextWindow} tokens. However, your messages resulted in ${plan.promptTokens} tokens. Please reduce the length of the messages. (simulated)`,
        retryAfterS: null,
        openAi: {
          type: 'invalid_request_error',
          code: 'context_length_exceeded',
          param: 'messages',
        },
        anthropic: {
          type: 'invalid_request_error',
          message: `prompt is too long: ${plan.promptTokens} tokens > ${plan.contextWindow} maximum (simulated)`,
        },
      };
    case 'content_filter':
      return {
        status: 400,
        errorClass: 'content_filter',
        message:
          "The response was filtered due to the prompt triggering the simulated model's content management policy. (simulated content_filter)",
        retryAfterS: null,
        openAi: { type: 'invalid_request_error', code: 'content_filter', param: 'prompt' },
        anthropic: {
          type: 'invalid_request_error',
          message: 'Output blocked by content filtering policy (simulated content_filter)',
        },
      };
  }
}

/** OpenAI's error JSON for a simulated error. */
export function openAiErrorBody(error: SimFaultError): string {
  return JSON.stringify({ error: { message: error.message, ...error.openAi } });
}

/** Anthropic's error JSON for a simulated error. */
export function anthropicErrorBody(error: SimFaultError): string {
  return JSON.stringify({ type: 'error', error: error.anthropic });
}

/** Retry-After headers: whole seconds per HTTP, plus OpenAI's `retry-after-ms` for precision. */
export function retryAfterHeaders(error: SimFaultError): Record<string, string> {
  if (error.retryAfterS === null) return {};
  return {
    'retry-after': String(Math.ceil(error.retryAfterS)),
    'retry-after-ms': String(Math.round(error.retryAfterS * 1000)),
  };
}
