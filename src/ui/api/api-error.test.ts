import { describe, expect, it } from 'vitest';
import { toApiError } from './api-error.js';

describe('API errors', () => {
  it.each([
    [
      401,
      { error: { message: 'no key', type: 'auth', code: 'missing_api_key' } },
      '',
      'missing_api_key',
      true,
    ],
    [
      401,
      { error: { message: 'bad key', type: 'auth', code: 'invalid_api_key' } },
      '',
      'invalid_api_key',
      true,
    ],
    [
      401,
      { error: { message: 'other', type: 'auth', code: 'something_else' } },
      '',
      'something_else',
      false,
    ],
    [
      403,
      { error: { message: 'no', type: 'auth', code: 'invalid_api_key' } },
      '',
      'invalid_api_key',
      false,
    ],
    [502, undefined, '<html>Bad Gateway</html>', 'http_502', false],
    [0, undefined, '', 'network_error', false],
  ] as const)('HTTP %i answers code and auth verdict', (status, body, text, code, isAuth) => {
    const error = toApiError(status, body, text);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.isAuthError).toBe(isAuth);
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('keeps a non-JSON body readable in the message', () => {
    expect(toApiError(502, undefined, '<html>Bad Gateway</html>').message).toBe(
      'HTTP 502: <html>Bad Gateway</html>',
    );
  });
});
