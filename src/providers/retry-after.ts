/** Response headers as undici reports them. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** The first value of a header, lower-case name. */
export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const SECONDS = /^\s*\d+(\.\d+)?\s*$/;

/**
 * How long the upstream asked us to wait, in ms, or null when it did not say (or said nonsense).
 *
 * `retry-after-ms` (OpenAI, Azure) is more precise and wins. `Retry-After` is either delay-seconds
 * or an HTTP date (RFC 9110 §10.2.3); a date in the past means "now", i.e. 0.
 */
export function parseRetryAfterMs(
  headers: ResponseHeaders,
  now: number = Date.now(),
): number | null {
  const milliseconds = headerValue(headers, 'retry-after-ms');
  if (milliseconds !== undefined && SECONDS.test(milliseconds)) {
    return Math.round(Number(milliseconds));
  }
  const value = headerValue(headers, 'retry-after');
  if (value === undefined) return null;
  if (SECONDS.test(value)) return Math.round(Number(value) * 1000);
  // Date.parse reads '-5' as the year -5; an HTTP date always names its weekday and month.
  if (!/[a-z]/i.test(value)) return null;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}
