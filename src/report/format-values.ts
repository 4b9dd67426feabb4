/*
 * Every rendering (terminal, Markdown, HTML, comparison) formats numbers through these helpers so
 * that the same value reads the same everywhere. Missing values (null, NaN, ±Infinity) render as
 * NOT_AVAILABLE rather than as "NaN" or "0".
 */

/** What a missing or unmeasurable value renders as. */
export const NOT_AVAILABLE = '—';

function isNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A plain count with thousands separators: `12,345`. */
export function formatCount(value: number | null | undefined): string {
  if (!isNumber(value)) return NOT_AVAILABLE;
  return Math.round(value).toLocaleString('en-US');
}

/** Milliseconds: one decimal under 10 ms, whole numbers above, always in ms so columns compare. */
export function formatMs(value: number | null | undefined): string {
  if (!isNumber(value)) return NOT_AVAILABLE;
  if (Math.abs(value) < 10) return `${value.toFixed(1)} ms`;
  return `${Math.round(value).toLocaleString('en-US')} ms`;
}

/** A 0..1 share as a percentage with two decimals: `1.25%`; tiny non-zero shares stay visible. */
export function formatPercent(value: number | null | undefined): string {
  if (!isNumber(value)) return NOT_AVAILABLE;
  if (value === 0) return '0%';
  if (Math.abs(value) < 0.0001) return value > 0 ? '<0.01%' : '>-0.01%';
  return `${(value * 100).toFixed(2)}%`;
}

/**
 * US dollars. Per-request costs are fractions of a cent, so amounts under $0.01 keep three
 * significant digits (`$0.000214`); larger amounts use cents, and thousands get separators.
 */
export function formatUsd(value: number | null | undefined): string {
  if (!isNumber(value)) return NOT_AVAILABLE;
  const sign = value < 0 ? '-' : '';
  const magnitude = Math.abs(value);
  if (magnitude === 0) return '$0';
  if (magnitude < 0.01) return `${sign}$${magnitude.toPrecision(3)}`;
  if (magnitude >= 1000) return `${sign}$${Math.round(magnitude).toLocaleString('en-US')}`;
  return `${sign}$${magnitude.toFixed(2)}`;
}

/** Requests per second: `12.3 req/s`. */
export function formatRps(value: number | null | undefined): string {
  if (!isNumber(value)) return NOT_AVAILABLE;
  if (Math.abs(value) >= 100) return `${Math.round(value).toLocaleString('en-US')} req/s`;
  return `${value.toFixed(1)} req/s`;
}

/** A 0..1 score (drift, token shift, spread) with three decimals. */
export function formatScore(value: number | null | undefined): string {
  if (!isNumber(value)) return NOT_AVAILABLE;
  return value.toFixed(3);
}

/** A difference of two 0..1 shares, in percentage points with a sign: `+1.2 pp`. */
export function formatPointsDelta(value: number | null | undefined): string {
  if (!isNumber(value)) return NOT_AVAILABLE;
  const points = value * 100;
  const sign = points > 0 ? '+' : points < 0 ? '-' : '±';
  return `${sign}${Math.abs(points).toFixed(1)} pp`;
}

/** `after - before` as a signed relative change: `+12.5%`; null when either side is missing. */
export function formatRelativeChange(
  before: number | null | undefined,
  after: number | null | undefined,
): string {
  if (!isNumber(before) || !isNumber(after)) return NOT_AVAILABLE;
  if (before === 0) return after === 0 ? '±0%' : NOT_AVAILABLE;
  const change = ((after - before) / Math.abs(before)) * 100;
  const sign = change > 0 ? '+' : change < 0 ? '-' : '±';
  return `${sign}${Math.abs(change).toFixed(1)}%`;
}

/** A signed difference rendered with the given formatter: `+12 ms`, `-$0.000100`. */
export function formatSignedDelta(
  before: number | null | undefined,
  after: number | null | undefined,
  format: (value: number) => string,
): string {
  if (!isNumber(before) || !isNumber(after)) return NOT_AVAILABLE;
  const delta = after - before;
  if (delta === 0) return `±${format(0)}`;
  const text = format(Math.abs(delta));
  return delta > 0 ? `+${text}` : `-${text}`;
}

/** Plural-aware count: `1 entry`, `2,000 entries`. */
export function countNoun(count: number, singular: string, plural = `${singular}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? singular : plural}`;
}

/** Elapsed wall time between two ISO timestamps: `1m 23s`; NOT_AVAILABLE when either is invalid. */
export function formatDuration(startedAt: string, finishedAt: string): string {
  const milliseconds = Date.parse(finishedAt) - Date.parse(startedAt);
  if (!Number.isFinite(milliseconds) || milliseconds < 0) return NOT_AVAILABLE;
  const seconds = milliseconds / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  if (minutes < 60) return `${minutes}m ${rest}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}
