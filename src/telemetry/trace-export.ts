import type { AttemptErrorClass, ErrorCode } from '../core/error-codes.js';
import type { LogStore, RecordQuery } from './log-store.js';
import type { RequestRecord } from './request-record.js';

/** One upstream attempt in a trace line. */
export interface TraceAttempt {
  target: string;
  status: number | null;
  error_class: AttemptErrorClass | null;
  latency_ms: number;
  ttft_ms: number | null;
}

/**
 * One line of a trace file: a request record in snake_case, as documented in docs/formats.md.
 * The fields up to `context` are the DESIGN.md trace format; the rest say how the request ended.
 */
export interface TraceLine {
  id: string;
  /** ISO 8601, UTC. */
  ts: string;
  user_id: string | null;
  session_id: string | null;
  tenant: string | null;
  route: string | null;
  rule: string | null;
  intent: string | null;
  tags: string[];
  tokens_in: number;
  tokens_out: number;
  served_target: string | null;
  attempts: TraceAttempt[];
  latency_ms: number;
  ttft_ms: number | null;
  cost_usd: number;
  response_sha256: string | null;
  canary: boolean;
  shadow: boolean;
  shadow_of: string | null;
  degraded: 'cache' | 'static' | null;
  request: unknown | null;
  response_text: string | null;
  expected: unknown | null;
  context: unknown | null;
  status: number;
  error_code: ErrorCode | null;
  finish_reason: string | null;
  stream: boolean;
  usage_source: 'upstream' | 'counted';
  overhead_ms: number;
  context_fit: string | null;
}

/** `expected` and `context` are not RequestRecord fields; a record may carry them when it was imported from a trace. */
function optionalField(record: RequestRecord, name: 'expected' | 'context'): unknown | null {
  const value: unknown = (record as unknown as Record<string, unknown>)[name];
  return value === undefined ? null : value;
}

/** The trace line for one record. Key order is fixed so exports diff cleanly. */
export function toTraceLine(record: RequestRecord): TraceLine {
  return {
    id: record.id,
    ts: new Date(record.ts).toISOString(),
    user_id: record.userId,
    session_id: record.sessionId,
    tenant: record.tenant,
    route: record.route,
    rule: record.rule,
    intent: record.intent,
    tags: record.tags,
    tokens_in: record.tokensIn,
    tokens_out: record.tokensOut,
    served_target: record.servedTarget,
    attempts: record.attempts.map((attempt) => ({
      target: attempt.target,
      status: attempt.status,
      error_class: attempt.errorClass,
      latency_ms: attempt.latencyMs,
      ttft_ms: attempt.ttftMs,
    })),
    latency_ms: record.latencyMs,
    ttft_ms: record.ttftMs,
    cost_usd: record.costUsd,
    response_sha256: record.responseSha256,
    canary: record.canary,
    shadow: record.shadow,
    shadow_of: record.shadowOf ?? null,
    degraded: record.degraded ?? null,
    request: record.request,
    response_text: record.responseText,
    expected: optionalField(record, 'expected'),
    context: optionalField(record, 'context'),
    status: record.status,
    error_code: record.errorCode,
    finish_reason: record.finishReason,
    stream: record.stream,
    usage_source: record.usageSource,
    overhead_ms: record.overheadMs,
    context_fit: record.contextFit,
  };
}

/**
 * Writes every record matching `query` to `write` as one JSON line each (no trailing newline in
 * `line`), oldest first, awaiting `write` when it returns a promise so a slow sink applies
 * backpressure. Resolves with the number of lines written.
 */
export async function exportTrace(
  store: LogStore,
  query: RecordQuery,
  write: (line: string) => void | Promise<void>,
): Promise<number> {
  let count = 0;
  for await (const record of store.query(query)) {
    const pending = write(JSON.stringify(toTraceLine(record)));
    if (pending !== undefined) await pending;
    count += 1;
  }
  return count;
}

const DURATION_UNITS_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;
const ISO_DATE =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** ms since epoch for an ISO date or date-time, reading a missing offset as UTC; null if invalid. */
function parseIsoDate(text: string): number | null {
  const match = ISO_DATE.exec(text);
  if (match === null) return null;
  const [, date, time, zone] = match;
  const parsed = Date.parse(time === undefined ? `${date}` : `${date}T${time}${zone ?? 'Z'}`);
  if (Number.isNaN(parsed)) return null;
  // Date.parse rolls 2025-02-30 over to March 2; a date that does not survive a round trip is invalid.
  const [year, month, day] = (date ?? '').split('-').map(Number);
  const check = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1));
  if (check.getUTCMonth() !== (month ?? 1) - 1 || check.getUTCDate() !== day) return null;
  return parsed;
}

/**
 * Parses a `--since` value into ms since epoch: a duration back from `now` (`30m`, `12h`, `7d`,
 * also `ms`, `s`, `w`) or an ISO 8601 date or date-time (a date alone is midnight UTC; a time
 * without an offset is UTC, so the answer does not depend on the machine's time zone).
 * Throws an Error that names the value and the accepted forms.
 */
export function parseSince(value: string, now: number = Date.now()): number {
  const text = value.trim();
  const duration = DURATION.exec(text);
  if (duration !== null) {
    const unit = duration[2] as keyof typeof DURATION_UNITS_MS;
    return now - Number(duration[1]) * DURATION_UNITS_MS[unit];
  }
  const date = parseIsoDate(text);
  if (date !== null) return date;
  throw new Error(
    `Invalid since value ${JSON.stringify(value)}: use a duration such as 30m, 12h or 7d, or an ISO date such as 2025-01-15 or 2025-01-15T09:30:00Z`,
  );
}
