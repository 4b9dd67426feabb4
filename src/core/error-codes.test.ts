import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ATTEMPT_ERROR_CLASSES, ERROR_CODES, type ErrorCode } from './error-codes.js';
import { classifyHttpStatus, SwitchyardError, UpstreamError } from './switchyard-error.js';

const errorDocs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

describe('error codes', () => {
  it.each(Object.keys(ERROR_CODES))('docs/errors.md documents %s', (code) => {
    expect(errorDocs).toContain(`| \`${code}\` | ${ERROR_CODES[code as ErrorCode].status} |`);
  });

  it.each(ATTEMPT_ERROR_CLASSES)('docs/errors.md documents attempt class %s', (errorClass) => {
    expect(errorDocs).toContain(`| \`${errorClass}\` |`);
  });

  it('gives every client error a 4xx and every upstream error a 5xx', () => {
    for (const entry of Object.values(ERROR_CODES)) {
      if (entry.type === 'invalid_request_error' || entry.type === 'authentication_error') {
        expect(entry.status).toBeGreaterThanOrEqual(400);
        expect(entry.status).toBeLessThan(500);
      }
      if (entry.type === 'upstream_error' || entry.type === 'server_error') {
        expect(entry.status).toBeGreaterThanOrEqual(500);
      }
    }
  });
});

describe('SwitchyardError', () => {
  it.each([
    ['invalid_json', 400],
    ['body_too_large', 413],
    ['model_not_found', 404],
    ['missing_api_key', 401],
    ['all_targets_failed', 502],
    ['deadline_exceeded', 504],
  ] as const)('%s defaults to HTTP %i', (code, status) => {
    const error = new SwitchyardError(code, 'x');
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
  });
});

describe('classifyHttpStatus', () => {
  it.each([
    [429, '', 'rate_limited'],
    [500, '', 'server_error'],
    [503, '', 'server_error'],
    [529, '', 'server_error'],
    [401, '', 'auth_error'],
    [403, '', 'auth_error'],
    [408, '', 'timeout'],
    [400, '{"error":{"code":"context_length_exceeded"}}', 'context_length_exceeded'],
    [400, "This model's maximum context length is 8192 tokens", 'context_length_exceeded'],
    [400, '{"error":{"code":"content_filter"}}', 'content_filter'],
    [400, '{"error":{"message":"bad temperature"}}', 'bad_request'],
    [422, '', 'bad_request'],
  ] as const)('%i %s → %s', (status, body, expected) => {
    expect(classifyHttpStatus(status, body)).toBe(expected);
  });
});

describe('UpstreamError.isRetryable', () => {
  it.each([
    ['server_error', true],
    ['rate_limited', true],
    ['connection_error', true],
    ['stream_truncated', true],
    ['bad_request', false],
    ['context_length_exceeded', false],
    ['content_filter', false],
    ['latency_budget', false],
    ['auth_error', false],
  ] as const)('%s → %s', (errorClass, retryable) => {
    expect(new UpstreamError({ errorClass, message: 'x' }).isRetryable).toBe(retryable);
  });
});
