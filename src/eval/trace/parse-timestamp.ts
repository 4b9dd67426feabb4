import { describe } from './validate-trace-request.js';

/*
 * Epoch values below 1e11 are seconds, above are milliseconds: 1e11 s is the year 5138 and
 * 1e11 ms is March 1973, so no real trace sits on the wrong side of the line.
 */
const SECONDS_LIMIT = 1e11;
const ISO =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const NUMERIC = /^\d+(?:\.\d+)?$/;

/**
 * An arrival time as ms since epoch: an ISO 8601 string (a date or time without an offset is
 * read as UTC, so the result never depends on the machine's time zone), or epoch seconds or
 * milliseconds as a number or numeric string. Throws with a readable reason otherwise.
 */
export function parseTimestamp(value: unknown): number {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value === 'string') {
    const text = value.trim();
    if (NUMERIC.test(text)) return fromEpoch(Number(text));
    const match = ISO.exec(text);
    if (match && isRealDate(text.slice(0, 10))) {
      let iso = text.replace(' ', 'T').replace(',', '.');
      if (match[1] === undefined) iso += iso.includes('T') ? 'Z' : 'T00:00:00Z';
      const parsed = Date.parse(iso);
      if (!Number.isNaN(parsed)) return parsed;
    }
  }
  throw new Error(
    `expected an ISO 8601 time or epoch seconds/milliseconds, got ${describe(value)}`,
  );
}

function fromEpoch(value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`expected an ISO 8601 time or epoch seconds/milliseconds, got ${value}`);
  }
  return value < SECONDS_LIMIT ? Math.round(value * 1000) : Math.round(value);
}

/** Date.parse rolls 2025-02-30 over to March 2; a day that does not exist is refused. */
function isRealDate(date: string): boolean {
  const [year = 0, month = 0, day = 0] = date.split('-').map(Number);
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}
