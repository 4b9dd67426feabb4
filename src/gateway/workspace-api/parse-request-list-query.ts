import { SwitchyardError } from '../../core/switchyard-error.js';
import type { RecordPageQuery } from '../../telemetry/log-store.js';

/** Rows per log-browser page when the client does not say. */
export const DEFAULT_PAGE_SIZE = 50;
/** The largest page a client may ask for: one page is read and serialized in one go. */
export const MAX_PAGE_SIZE = 500;

/**
 * `GET /api/requests` query parameters → a page query. Every bad value is a 400 that names the
 * parameter, so a typo in a filter never silently widens the result to the whole log.
 */
export function parseRequestListQuery(parameters: URLSearchParams): RecordPageQuery {
  const query: RecordPageQuery = { limit: DEFAULT_PAGE_SIZE };
  for (const key of parameters.keys()) {
    if (!KNOWN_PARAMETERS.has(key)) {
      throw invalid(key, `unknown parameter; use one of ${[...KNOWN_PARAMETERS].join(', ')}`);
    }
  }
  const text = (name: string): string | undefined => {
    const value = parameters.get(name)?.trim();
    return value ? value : undefined;
  };
  query.route = text('route');
  query.target = text('target');
  query.userId = text('user');
  query.cursor = text('cursor') ?? null;

  const status = text('status');
  if (status === 'ok' || status === 'error') query.statusClass = status;
  else if (status !== undefined) {
    const code = Number(status);
    if (!Number.isInteger(code) || code < 100 || code > 599) {
      throw invalid('status', 'expected an HTTP status (100-599), "ok" or "error"');
    }
    query.status = code;
  }

  const since = text('since');
  if (since !== undefined) query.since = parseTime('since', since);
  const until = text('until');
  if (until !== undefined) query.until = parseTime('until', until);

  const limit = text('limit');
  if (limit !== undefined) {
    const value = Number(limit);
    if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
      throw invalid('limit', `expected a whole number from 1 to ${MAX_PAGE_SIZE}`);
    }
    query.limit = value;
  }
  for (const key of Object.keys(query) as Array<keyof RecordPageQuery>) {
    if (query[key] === undefined) delete query[key];
  }
  return query;
}

const KNOWN_PARAMETERS = new Set([
  'route',
  'target',
  'status',
  'user',
  'since',
  'until',
  'limit',
  'cursor',
]);

/** ms since epoch, or any date Date.parse reads (ISO 8601 in practice). */
function parseTime(name: string, value: string): number {
  if (/^\d+$/.test(value)) return Number(value);
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw invalid(name, 'expected ms since epoch or an ISO 8601 time');
  return parsed;
}

function invalid(param: string, expectation: string): SwitchyardError {
  return new SwitchyardError('invalid_request', `${param}: ${expectation}`, { param });
}
