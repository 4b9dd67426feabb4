import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs, type ResponseHeaders } from './retry-after.js';

const NOW = Date.parse('2025-07-07T12:00:00Z');

describe('parseRetryAfterMs', () => {
  const cases: Array<[string, ResponseHeaders, number | null]> = [
    ['delay-seconds', { 'retry-after': '2' }, 2000],
    ['fractional seconds', { 'retry-after': '1.5' }, 1500],
    ['zero seconds', { 'retry-after': '0' }, 0],
    ['padded seconds', { 'retry-after': ' 3 ' }, 3000],
    ['an HTTP date in the future', { 'retry-after': 'Mon, 07 Jul 2025 12:00:05 GMT' }, 5000],
    ['an HTTP date in the past is now', { 'retry-after': 'Mon, 07 Jul 2025 11:59:00 GMT' }, 0],
    ['retry-after-ms wins over retry-after', { 'retry-after-ms': '250', 'retry-after': '9' }, 250],
    ['fractional retry-after-ms', { 'retry-after-ms': '12.6' }, 13],
    [
      'a bad retry-after-ms falls back to retry-after',
      { 'retry-after-ms': 'soon', 'retry-after': '1' },
      1000,
    ],
    ['the first of repeated headers', { 'retry-after': ['4', '8'] }, 4000],
    ['no header', {}, null],
    ['garbage', { 'retry-after': 'later, maybe' }, null],
    ['a negative number', { 'retry-after': '-5' }, null],
  ];
  for (const [name, headers, expected] of cases) {
    it(`parses ${name}`, () => {
      expect(parseRetryAfterMs(headers, NOW)).toBe(expected);
    });
  }
});
