import { describe, expect, it } from 'vitest';
import {
  EMPTY_REQUEST_FILTERS,
  filtersFromSearch,
  filtersToSearch,
  localTimeToIso,
  requestListQuery,
  validateFilters,
} from './request-filters.js';

describe('request log filters', () => {
  it('sends only the set filters, lower-cased status, times as UTC instants, and the cursor', () => {
    const query = new URLSearchParams(
      requestListQuery(
        {
          ...EMPTY_REQUEST_FILTERS,
          route: 'chat',
          status: 'ERROR',
          user: ' alice ',
          since: '2025-01-15T12:00',
        },
        'cursor-2',
      ),
    );
    expect(Object.fromEntries(query)).toEqual({
      route: 'chat',
      status: 'error',
      user: 'alice',
      since: new Date('2025-01-15T12:00').toISOString(),
      limit: '50',
      cursor: 'cursor-2',
    });
  });

  it('round-trips through the page URL, leaving defaults out', () => {
    const filters = { ...EMPTY_REQUEST_FILTERS, target: 'fast', status: '429', limit: '100' };
    const search = filtersToSearch(filters);
    expect(search).toBe('target=fast&status=429&limit=100');
    expect(filtersFromSearch(`?${search}&unknown=1`)).toEqual(filters);
    expect(filtersToSearch(EMPTY_REQUEST_FILTERS)).toBe('');
  });

  it('rejects a malformed status, a bad limit and a time range that runs backwards', () => {
    expect(validateFilters(EMPTY_REQUEST_FILTERS)).toEqual({});
    expect(validateFilters({ ...EMPTY_REQUEST_FILTERS, status: '42' }).status).toMatch(/ok, error/);
    expect(validateFilters({ ...EMPTY_REQUEST_FILTERS, status: '503' })).toEqual({});
    expect(validateFilters({ ...EMPTY_REQUEST_FILTERS, limit: '501' }).limit).toBeDefined();
    expect(
      validateFilters({
        ...EMPTY_REQUEST_FILTERS,
        since: '2025-01-02T00:00',
        until: '2025-01-01T00:00',
      }).until,
    ).toMatch(/after/);
  });

  it('reads an empty or invalid local time as no time', () => {
    expect(localTimeToIso('')).toBeNull();
    expect(localTimeToIso('yesterday-ish')).toBeNull();
  });
});
