import { describe, expect, it } from 'vitest';
import { parseTimestamp } from './parse-timestamp.js';

const NOON = Date.UTC(2025, 0, 15, 12, 0, 0);

describe('parseTimestamp', () => {
  it.each<[string, unknown, number]>([
    ['ISO with Z and ms', '2025-01-15T12:00:00.000Z', NOON],
    ['ISO with an offset', '2025-01-15T14:00:00+02:00', NOON],
    ['ISO without an offset, read as UTC', '2025-01-15T12:00:00', NOON],
    ['a space instead of T', '2025-01-15 12:00:00Z', NOON],
    ['a date alone, midnight UTC', '2025-01-15', Date.UTC(2025, 0, 15)],
    ['epoch seconds', NOON / 1000, NOON],
    ['fractional epoch seconds', NOON / 1000 + 0.25, NOON + 250],
    ['epoch milliseconds', NOON, NOON],
    ['epoch seconds as a string', String(NOON / 1000), NOON],
    ['epoch milliseconds as a string', String(NOON), NOON],
  ])('reads %s', (_label, value, expected) => {
    expect(parseTimestamp(value)).toBe(expected);
  });

  it.each<[string, unknown]>([
    ['a day that does not exist', '2025-02-30'],
    ['a month that does not exist', '2025-13-01T00:00:00Z'],
    ['words', 'yesterday'],
    ['a negative number', -5],
    ['a boolean', true],
    ['an object', { at: 1 }],
  ])('refuses %s', (_label, value) => {
    expect(() => parseTimestamp(value)).toThrow(/expected an ISO 8601 time or epoch/);
  });
});
