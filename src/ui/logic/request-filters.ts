/*
 * The log browser's filters, kept in the page URL (so a filtered view can be bookmarked, shared
 * and restored with Back) and turned into the `GET /api/requests` query. Empty strings mean
 * "no filter"; only set fields reach either query string.
 */

/** The log browser's filter form, as strings straight from its controls. */
export interface RequestFilters {
  route: string;
  /** The served target's name. */
  target: string;
  /** `ok`, `error`, or an HTTP status such as `429`. */
  status: string;
  user: string;
  /** A `datetime-local` value (the browser's local time), e.g. `2025-01-15T12:00`. */
  since: string;
  until: string;
  /** Rows per page, `1`..`500`. */
  limit: string;
}

/** No filters, the default page size. */
export const EMPTY_REQUEST_FILTERS: RequestFilters = {
  route: '',
  target: '',
  status: '',
  user: '',
  since: '',
  until: '',
  limit: '50',
};

const FIELDS = ['route', 'target', 'status', 'user', 'since', 'until', 'limit'] as const;

/** Reads filters back from the page's query string; unknown parameters are ignored. */
export function filtersFromSearch(search: string): RequestFilters {
  const params = new URLSearchParams(search);
  const filters = { ...EMPTY_REQUEST_FILTERS };
  for (const field of FIELDS) {
    const value = params.get(field);
    if (value !== null) filters[field] = value.trim();
  }
  return filters;
}

/** The page's own query string for these filters (default page size left out). */
export function filtersToSearch(filters: RequestFilters): string {
  const params = new URLSearchParams();
  for (const field of FIELDS) {
    const value = filters[field].trim();
    if (value === '' || (field === 'limit' && value === EMPTY_REQUEST_FILTERS.limit)) continue;
    params.set(field, value);
  }
  return params.toString();
}

/**
 * A `datetime-local` value as an ISO 8601 instant. The control's value has no zone; it means the
 * user's local time, so it is read as such and sent in UTC, which is what the server compares.
 */
export function localTimeToIso(value: string): string | null {
  if (value.trim() === '') return null;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed.toISOString();
}

/** What is wrong with the filters, one message per field; empty when they can be sent. */
export function validateFilters(
  filters: RequestFilters,
): Partial<Record<keyof RequestFilters, string>> {
  const problems: Partial<Record<keyof RequestFilters, string>> = {};
  const status = filters.status.trim().toLowerCase();
  if (status !== '' && status !== 'ok' && status !== 'error' && !/^[1-5]\d\d$/.test(status)) {
    problems.status = 'Use ok, error, or an HTTP status such as 429.';
  }
  for (const field of ['since', 'until'] as const) {
    if (filters[field].trim() !== '' && localTimeToIso(filters[field]) === null) {
      problems[field] = 'Not a valid date and time.';
    }
  }
  const since = localTimeToIso(filters.since);
  const until = localTimeToIso(filters.until);
  if (since !== null && until !== null && since > until) {
    problems.until = 'Must be after "since".';
  }
  const limit = filters.limit.trim();
  if (limit !== '' && !(/^\d+$/.test(limit) && Number(limit) >= 1 && Number(limit) <= 500)) {
    problems.limit = 'A whole number from 1 to 500.';
  }
  return problems;
}

/** The `GET /api/requests` query for these filters and an optional cursor (next page). */
export function requestListQuery(filters: RequestFilters, cursor: string | null = null): string {
  const params = new URLSearchParams();
  const set = (name: string, value: string | null) => {
    if (value !== null && value.trim() !== '') params.set(name, value.trim());
  };
  set('route', filters.route);
  set('target', filters.target);
  set('status', filters.status.toLowerCase());
  set('user', filters.user);
  set('since', localTimeToIso(filters.since));
  set('until', localTimeToIso(filters.until));
  set('limit', filters.limit);
  set('cursor', cursor);
  return params.toString();
}
