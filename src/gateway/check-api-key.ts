import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SwitchyardError } from '../core/switchyard-error.js';

/** The key a client presented, from `Authorization: Bearer` or `x-api-key`. */
export function presentedKey(headers: IncomingHttpHeaders): string | null {
  const authorization = headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization);
    return match?.[1]?.trim() ?? null;
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : null;
}

/**
 * Throw unless the request carries one of `keys`, or the admin token (so an operator's Workspace
 * can use the playground with one credential). No keys configured means the gateway is open.
 * Comparison is constant-time so a key cannot be guessed byte by byte from response timing.
 */
export function checkApiKey(
  headers: IncomingHttpHeaders,
  keys: readonly string[],
  adminToken: string | null = null,
): void {
  if (keys.length === 0) return;
  const key = presentedKey(headers);
  if (key === null) {
    throw new SwitchyardError(
      'missing_api_key',
      'This gateway requires an API key: send "Authorization: Bearer <key>".',
    );
  }
  if (
    !keys.some((candidate) => safeEqual(candidate, key)) &&
    !(adminToken && safeEqual(adminToken, key))
  ) {
    throw new SwitchyardError('invalid_api_key', 'The API key is not valid for this gateway.');
  }
}

/** Constant-time string equality. */
export function safeEqual(expected: string, actual: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}
