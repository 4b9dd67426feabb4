import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRequestRecord } from '../telemetry/__fixtures__/request-records.js';
import type { LogStore, RecordQuery } from '../telemetry/log-store.js';
import type { RequestRecord } from '../telemetry/request-record.js';

/** A store under test and how to dispose of whatever backs it. */
export interface LogStoreUnderTest {
  store: LogStore;
  cleanup?: () => Promise<void>;
}

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

async function collect(store: LogStore, query: RecordQuery): Promise<RequestRecord[]> {
  const records: RequestRecord[] = [];
  for await (const record of store.query(query)) records.push(record);
  return records;
}

function ids(records: readonly RequestRecord[]): string[] {
  return records.map((record) => record.id);
}

/**
 * The behaviour every LogStore must show. Each implementation (SQLite now, PostgreSQL for fleets)
 * calls this from its own test file with a factory for a fresh, empty store.
 */
export function describeLogStoreConformance(
  name: string,
  open: () => Promise<LogStoreUnderTest>,
): void {
  describe(`${name} (LogStore conformance)`, () => {
    let underTest: LogStoreUnderTest;
    let store: LogStore;

    beforeEach(async () => {
      underTest = await open();
      store = underTest.store;
    });

    afterEach(async () => {
      await store.close();
      await underTest.cleanup?.();
    });

    it('returns an appended record unchanged', async () => {
      const record = makeRequestRecord({ tags: ['heavy', 'pii'], request: { nested: [1, 'two'] } });
      await store.append([record]);
      expect(await collect(store, {})).toEqual([record]);
    });

    it('returns records oldest first, ties in append order', async () => {
      await store.append([
        makeRequestRecord({ id: 'c', ts: T0 + 2 }),
        makeRequestRecord({ id: 'a', ts: T0 }),
      ]);
      await store.append([
        makeRequestRecord({ id: 'b1', ts: T0 + 1 }),
        makeRequestRecord({ id: 'b2', ts: T0 + 1 }),
      ]);
      expect(ids(await collect(store, {}))).toEqual(['a', 'b1', 'b2', 'c']);
    });

    it('pages newest first and continues with older records from the cursor', async () => {
      await store.append([
        makeRequestRecord({ id: 'a', ts: T0 }),
        makeRequestRecord({ id: 'b1', ts: T0 + 1 }),
        makeRequestRecord({ id: 'b2', ts: T0 + 1 }),
        makeRequestRecord({ id: 'c', ts: T0 + 2 }),
        makeRequestRecord({ id: 'd', ts: T0 + 3 }),
      ]);
      const first = await store.page({ limit: 2 });
      expect(ids(first.records)).toEqual(['d', 'c']);
      expect(first.next).not.toBeNull();
      // The cursor falls between two records with the same ts: neither is lost or repeated.
      const second = await store.page({ limit: 2, cursor: first.next });
      expect(ids(second.records)).toEqual(['b2', 'b1']);
      const third = await store.page({ limit: 2, cursor: second.next });
      expect(ids(third.records)).toEqual(['a']);
      expect(third.next).toBeNull();
    });

    it('pages with filters, and by ok or error status class', async () => {
      await store.append([
        makeRequestRecord({ id: 'ok1', ts: T0, route: 'chat', status: 200, userId: 'u1' }),
        makeRequestRecord({ id: 'bad', ts: T0 + 1, route: 'chat', status: 502, userId: 'u1' }),
        makeRequestRecord({ id: 'ok2', ts: T0 + 2, route: 'search', status: 200, userId: 'u2' }),
        makeRequestRecord({ id: 'lim', ts: T0 + 3, route: 'chat', status: 429, userId: 'u2' }),
      ]);
      expect(ids((await store.page({ limit: 10, statusClass: 'error' })).records)).toEqual([
        'lim',
        'bad',
      ]);
      expect(ids((await store.page({ limit: 10, statusClass: 'ok' })).records)).toEqual([
        'ok2',
        'ok1',
      ]);
      expect(
        ids((await store.page({ limit: 10, route: 'chat', userId: 'u1', since: T0 + 1 })).records),
      ).toEqual(['bad']);
    });

    it('refuses a cursor it did not issue', async () => {
      await expect(store.page({ limit: 5, cursor: 'not-a-cursor' })).rejects.toThrow(
        /Not a valid log cursor/,
      );
    });

    it('gets one record by id, or null', async () => {
      const record = makeRequestRecord({ id: 'wanted', tags: ['x'] });
      await store.append([makeRequestRecord({ id: 'other' }), record]);
      expect(await store.get('wanted')).toEqual(record);
      expect(await store.get('missing')).toBeNull();
    });

    it('writes a batch all or nothing', async () => {
      const broken = makeRequestRecord({ id: 'broken', status: null as unknown as number });
      await expect(
        store.append([
          makeRequestRecord({ id: 'first' }),
          makeRequestRecord({ id: 'second' }),
          broken,
        ]),
      ).rejects.toThrow();
      expect(await collect(store, {})).toEqual([]);
    });

    it('ignores a record whose id is already stored, so a retried batch is harmless', async () => {
      await store.append([makeRequestRecord({ id: 'x', latencyMs: 1 })]);
      await store.append([
        makeRequestRecord({ id: 'x', latencyMs: 2 }),
        makeRequestRecord({ id: 'y' }),
      ]);
      const stored = await collect(store, {});
      expect(ids(stored)).toEqual(['x', 'y']);
      expect(stored[0]?.latencyMs).toBe(1);
    });

    it('filters by time range (inclusive), route, served target, status and user', async () => {
      await store.append([
        makeRequestRecord({
          id: 'r1',
          ts: T0,
          route: 'chat',
          servedTarget: 'small',
          status: 200,
          userId: 'u1',
        }),
        makeRequestRecord({
          id: 'r2',
          ts: T0 + 10,
          route: 'search',
          servedTarget: 'big',
          status: 502,
          userId: 'u2',
        }),
        makeRequestRecord({
          id: 'r3',
          ts: T0 + 20,
          route: 'chat',
          servedTarget: 'big',
          status: 200,
          userId: null,
        }),
        makeRequestRecord({
          id: 'r4',
          ts: T0 + 30,
          route: null,
          servedTarget: null,
          status: 404,
          userId: 'u1',
        }),
      ]);
      expect(ids(await collect(store, { since: T0 + 10 }))).toEqual(['r2', 'r3', 'r4']);
      expect(ids(await collect(store, { until: T0 + 10 }))).toEqual(['r1', 'r2']);
      expect(ids(await collect(store, { since: T0 + 10, until: T0 + 20 }))).toEqual(['r2', 'r3']);
      expect(ids(await collect(store, { route: 'chat' }))).toEqual(['r1', 'r3']);
      expect(ids(await collect(store, { target: 'big' }))).toEqual(['r2', 'r3']);
      expect(ids(await collect(store, { status: 200 }))).toEqual(['r1', 'r3']);
      expect(ids(await collect(store, { userId: 'u1' }))).toEqual(['r1', 'r4']);
      expect(ids(await collect(store, { route: 'chat', target: 'big' }))).toEqual(['r3']);
      expect(ids(await collect(store, { route: 'nope' }))).toEqual([]);
    });

    it('stops at the limit', async () => {
      await store.append(
        Array.from({ length: 10 }, (_, index) =>
          makeRequestRecord({ id: `l${index}`, ts: T0 + index }),
        ),
      );
      expect(ids(await collect(store, { limit: 3 }))).toEqual(['l0', 'l1', 'l2']);
      expect(await collect(store, { limit: 0 })).toEqual([]);
    });

    it('streams more records than fit in one page, in order, without repeats', async () => {
      const count = 1_234;
      const records = Array.from({ length: count }, (_, index) =>
        makeRequestRecord({ id: `s${index}`, ts: T0 + Math.floor(index / 7) }),
      );
      await store.append(records);
      const seen = ids(await collect(store, {}));
      expect(seen).toHaveLength(count);
      expect(seen).toEqual(ids(records));
      expect(await collect(store, { limit: 1_001 })).toHaveLength(1_001);
    });

    it('lets a consumer stop early', async () => {
      await store.append(
        Array.from({ length: 50 }, (_, index) =>
          makeRequestRecord({ id: `e${index}`, ts: T0 + index }),
        ),
      );
      let seen = 0;
      for await (const _record of store.query({})) {
        seen += 1;
        if (seen === 5) break;
      }
      expect(seen).toBe(5);
      await store.append([makeRequestRecord({ id: 'after-break', ts: T0 + 100 })]);
      expect(await collect(store, {})).toHaveLength(51);
    });

    it('prunes records older than the cutoff and reports how many', async () => {
      await store.append(
        Array.from({ length: 20 }, (_, index) =>
          makeRequestRecord({ id: `p${index}`, ts: T0 + index }),
        ),
      );
      expect(await store.prune(T0 + 15)).toBe(15);
      expect(ids(await collect(store, {}))).toEqual(['p15', 'p16', 'p17', 'p18', 'p19']);
      expect(await store.prune(T0 + 15)).toBe(0);
    });

    it('rejects use after close', async () => {
      await store.close();
      await expect(store.append([makeRequestRecord()])).rejects.toThrow(/closed/);
      await expect(store.prune(T0)).rejects.toThrow(/closed/);
    });
  });
}
