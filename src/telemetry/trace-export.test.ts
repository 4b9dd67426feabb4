import { describe, expect, it } from 'vitest';
import { makeRequestRecord } from './__fixtures__/request-records.js';
import type { LogStore, RecordQuery } from './log-store.js';
import type { RequestRecord } from './request-record.js';
import { exportTrace, parseSince, toTraceLine } from './trace-export.js';

/** A store that serves fixed records and remembers the queries it was given. */
function storeOf(records: RequestRecord[]) {
  const queries: RecordQuery[] = [];
  const store: LogStore = {
    async append() {},
    async *query(query) {
      queries.push(query);
      yield* records;
    },
    async page() {
      return { records, next: null };
    },
    async get(id) {
      return records.find((record) => record.id === id) ?? null;
    },
    async prune() {
      return 0;
    },
    async close() {},
  };
  return { store, queries };
}

describe('exportTrace', () => {
  it('writes one snake_case JSON line per record in the documented key order', async () => {
    const record = makeRequestRecord();
    const { store, queries } = storeOf([record, makeRequestRecord({ id: 'req_0002' })]);
    const lines: string[] = [];
    const count = await exportTrace(store, { route: 'chat' }, (line) => {
      lines.push(line);
    });
    expect(count).toBe(2);
    expect(queries).toEqual([{ route: 'chat' }]);
    expect(lines.every((line) => !line.includes('\n'))).toBe(true);
    const parsed = JSON.parse(lines[0] ?? '');
    expect(Object.keys(parsed)).toEqual([
      'id',
      'ts',
      'user_id',
      'session_id',
      'tenant',
      'route',
      'rule',
      'intent',
      'tags',
      'tokens_in',
      'tokens_out',
      'served_target',
      'attempts',
      'latency_ms',
      'ttft_ms',
      'cost_usd',
      'response_sha256',
      'canary',
      'shadow',
      'shadow_of',
      'degraded',
      'request',
      'response_text',
      'expected',
      'context',
      'status',
      'error_code',
      'finish_reason',
      'stream',
      'usage_source',
      'overhead_ms',
      'context_fit',
    ]);
    expect(parsed).toMatchObject({
      id: 'req_0001',
      ts: '2025-01-15T12:00:00.000Z',
      user_id: 'user-1',
      session_id: 'session-1',
      served_target: 'small-precise',
      tokens_in: 120,
      tokens_out: 40,
      cost_usd: 0.00032,
      response_text: 'Hello!',
      expected: null,
      context: null,
      status: 200,
      error_code: null,
    });
    expect(parsed.attempts).toEqual([
      {
        target: 'big-decoder-v2',
        status: 503,
        error_class: 'server_error',
        latency_ms: 35,
        ttft_ms: null,
      },
      { target: 'small-precise', status: 200, error_class: null, latency_ms: 80, ttft_ms: 30 },
    ]);
  });

  it('carries expected and context when a record has them', () => {
    const record = Object.assign(makeRequestRecord(), {
      expected: { contains: ['Paris'] },
      context: 'Paris is the capital of France.',
    });
    const line = toTraceLine(record);
    expect(line.expected).toEqual({ contains: ['Paris'] });
    expect(line.context).toBe('Paris is the capital of France.');
  });

  it('awaits an asynchronous writer before reading on', async () => {
    const { store } = storeOf([makeRequestRecord({ id: 'a' }), makeRequestRecord({ id: 'b' })]);
    const events: string[] = [];
    await exportTrace(store, {}, async (line) => {
      const id = JSON.parse(line).id as string;
      events.push(`start ${id}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      events.push(`end ${id}`);
    });
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('writes nothing and returns 0 for an empty result', async () => {
    const { store } = storeOf([]);
    expect(
      await exportTrace(store, {}, () => {
        throw new Error('should not be called');
      }),
    ).toBe(0);
  });
});

describe('parseSince', () => {
  const now = Date.UTC(2025, 5, 10, 12, 0, 0);

  it.each([
    ['30m', now - 30 * 60_000],
    ['12h', now - 12 * 3_600_000],
    ['7d', now - 7 * 86_400_000],
    ['2w', now - 14 * 86_400_000],
    ['90s', now - 90_000],
    ['1.5h', now - 5_400_000],
    [' 7d ', now - 7 * 86_400_000],
    ['2025-01-15', Date.UTC(2025, 0, 15)],
    ['2025-01-15T09:30:00Z', Date.UTC(2025, 0, 15, 9, 30)],
    ['2025-01-15T09:30', Date.UTC(2025, 0, 15, 9, 30)],
    ['2025-01-15T09:30:00+02:00', Date.UTC(2025, 0, 15, 7, 30)],
  ])('%s', (value, expected) => {
    expect(parseSince(value, now)).toBe(expected);
  });

  it.each(['', '7', 'd7', '7 days', '-7d', 'yesterday', '2025-02-30', '2025-13-01', '15/01/2025'])(
    'rejects %j with the accepted forms in the message',
    (value) => {
      expect(() => parseSince(value, now)).toThrow(
        /duration such as 30m, 12h or 7d, or an ISO date/,
      );
    },
  );
});
