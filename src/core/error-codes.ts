/**
 * Every error Switchyard reports carries one of these stable codes. docs/errors.md documents
 * each one, and a test fails when a code here is missing there.
 */
export const ERROR_CODES = {
  // Client errors: the request needs fixing.
  invalid_json: {
    status: 400,
    type: 'invalid_request_error',
    meaning: 'The request body is not valid JSON.',
    action: 'Send a JSON object with Content-Type: application/json.',
  },
  invalid_request: {
    status: 400,
    type: 'invalid_request_error',
    meaning: 'A field is missing or has the wrong type; the message names the field.',
    action: 'Fix the named field; the body follows the OpenAI Chat Completions schema.',
  },
  body_too_large: {
    status: 413,
    type: 'invalid_request_error',
    meaning: 'The request body is larger than the configured limit (server.body_limit_bytes).',
    action: 'Send a smaller body, or raise server.body_limit_bytes in the policy.',
  },
  unsupported_media_type: {
    status: 415,
    type: 'invalid_request_error',
    meaning: 'The request body is not declared as JSON.',
    action: 'Set Content-Type: application/json.',
  },
  model_not_found: {
    status: 404,
    type: 'invalid_request_error',
    meaning: 'The `model` field names no route, no target and is not `auto`.',
    action: 'Use a name from GET /v1/models, or `auto` to let the policy decide.',
  },
  missing_api_key: {
    status: 401,
    type: 'authentication_error',
    meaning: 'The gateway requires a key and the request carried none.',
    action: 'Send `Authorization: Bearer <gateway key>`.',
  },
  invalid_api_key: {
    status: 401,
    type: 'authentication_error',
    meaning: 'The key sent is not one of the gateway keys.',
    action: 'Check the key; gateway keys are set in server.api_keys or SWITCHYARD_API_KEYS.',
  },
  not_found: {
    status: 404,
    type: 'invalid_request_error',
    meaning: 'No such path on the gateway.',
    action: 'See docs/api.md for the paths the gateway serves.',
  },
  method_not_allowed: {
    status: 405,
    type: 'invalid_request_error',
    meaning: 'The path exists but not for this HTTP method.',
    action: 'Use the method the path documents.',
  },
  context_length_exceeded: {
    status: 400,
    type: 'invalid_request_error',
    meaning: 'The prompt is longer than the context window of every target in the route.',
    action: 'Shorten the conversation, enable context fitting, or add a larger-context target.',
  },
  content_filter: {
    status: 400,
    type: 'invalid_request_error',
    meaning: 'Every target that could answer refused the request on content grounds.',
    action: 'Rephrase the request; the refusal came from the upstream model, not the gateway.',
  },
  upstream_bad_request: {
    status: 400,
    type: 'invalid_request_error',
    meaning: 'The upstream rejected the request as malformed (a 4xx that is not retryable).',
    action: 'Read the upstream message included in the error and fix the request.',
  },
  // Upstream and gateway errors: retrying later may help.
  all_targets_failed: {
    status: 502,
    type: 'upstream_error',
    meaning: 'Every target in the route failed or was skipped; the message lists each attempt.',
    action: 'Retry later; check GET /admin/state for open breakers and the request log.',
  },
  rate_limited: {
    status: 429,
    type: 'rate_limit_error',
    meaning:
      "Every target in the route answered 429, or the caller's tenant is over a gateway rate or concurrency limit.",
    action: 'Retry after the Retry-After header.',
  },
  budget_exceeded: {
    status: 429,
    type: 'rate_limit_error',
    meaning:
      'A spend budget (target, route or tenant) is used up for its window and is set to reject.',
    action: 'Retry after the Retry-After header (when the window resets), or raise the budget.',
  },
  overloaded: {
    status: 503,
    type: 'server_error',
    meaning:
      'The gateway shed the request: its queue was full or the wait too long, and no degraded answer was available.',
    action: 'Retry with backoff; the gateway answered at once rather than timing out.',
  },
  deadline_exceeded: {
    status: 504,
    type: 'upstream_error',
    meaning: "The route's overall deadline passed before any target answered.",
    action: 'Retry later, or raise the route deadline.',
  },
  verification_failed: {
    status: 502,
    type: 'upstream_error',
    meaning:
      'Every answer the route produced failed its verifier (schema or grounding), so none was returned.',
    action: 'Retry, or relax the route verifier; the request log holds the rejected attempts.',
  },
  stream_interrupted: {
    status: 502,
    type: 'upstream_error',
    meaning:
      'A stream failed after the first byte had reached the client (cut, stalled or malformed upstream). Sent in-band; the stream then closes without [DONE].',
    action: 'Treat the partial answer as failed and retry the request.',
  },
  client_closed: {
    status: 499,
    type: 'invalid_request_error',
    meaning: 'The client went away before the answer was complete. Only seen in the request log.',
    action: 'Nothing to do; recorded for accounting.',
  },
  internal_error: {
    status: 500,
    type: 'server_error',
    meaning: 'A bug in the gateway. The process stays up and the request is logged.',
    action: 'Report it with the x-switchyard-request-id header.',
  },
} as const satisfies Record<
  string,
  { status: number; type: string; meaning: string; action: string }
>;

/** A stable error code, as sent in `error.code`. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Why one upstream attempt failed. Route `fallback_on` lists take these names (with `429` and
 * `5xx` accepted as aliases of `rate_limited` and `server_error`).
 */
export const ATTEMPT_ERROR_CLASSES = [
  'timeout',
  'ttft_timeout',
  'stream_stall',
  'rate_limited',
  'server_error',
  'connection_error',
  'context_length_exceeded',
  'content_filter',
  'latency_budget',
  'stream_truncated',
  'malformed_stream',
  'bad_request',
  'auth_error',
  'circuit_open',
  'context_window_skip',
  'target_limited',
  'verifier_rejected',
  'aborted',
] as const;

/** One of ATTEMPT_ERROR_CLASSES. */
export type AttemptErrorClass = (typeof ATTEMPT_ERROR_CLASSES)[number];

/** Classes where trying the same target again could succeed: transient upstream trouble. */
export const RETRYABLE_ATTEMPT_CLASSES = [
  'timeout',
  'ttft_timeout',
  'stream_stall',
  'rate_limited',
  'server_error',
  'connection_error',
  'stream_truncated',
  'malformed_stream',
] as const satisfies readonly AttemptErrorClass[];
