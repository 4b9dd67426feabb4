import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRequestRecord } from '../telemetry/__fixtures__/request-records.js';
import { EncodedRecordQueue } from '../telemetry/encoded-record-queue.js';
import { describeLogStoreConformance } from './log-store.case.js';
import { createSqliteLogStore, SQLITE_LOG_SCHEMA_VERSION } from './sqlite-log-store.js';

describeLogStoreConformance('SQLite file store', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'switchyard-store-'));
  return {
    store: createSqliteLogStore(join(directory, 'log.db')),
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
});

describeLogStoreConformance('SQLite file store, writing on the calling thread', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'switchyard-store-'));
  return {
    store: createSqliteLogStore(join(directory, 'log.db'), { writerThread: false }),
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
});

describeLogStoreConformance('SQLite in-memory store', async () => ({
  store: createSqliteLogStore(':memory:'),
}));

function firstValue(database: Database.Database, sql: string): unknown {
  const row = database.prepare(sql).get() as Record<string, unknown>;
  return Object.entries(row).find(([key]) => key !== '_metadata')?.[1];
}

describe('createSqliteLogStore', () => {
  let directory: string;
  let path: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'switchyard-store-'));
    path = join(directory, 'log.db');
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('has a batch committed, and visible to another connection, when append resolves', async () => {
    const store = createSqliteLogStore(path);
    try {
      await store.append([
        makeRequestRecord({ id: 'committed-1' }),
        makeRequestRecord({ id: 'committed-2' }),
      ]);
      const reader = new Database(path);
      try {
        expect(firstValue(reader, 'SELECT COUNT(*) FROM request_records')).toBe(2);
      } finally {
        reader.close();
      }
    } finally {
      await store.close();
    }
  });

  it('writes an encoded batch with tabs, newlines and non-ASCII text intact', async () => {
    const store = createSqliteLogStore(path);
    try {
      const awkward = makeRequestRecord({
        id: 'awkward-1',
        userId: 'ann\tbob\ncarol',
        route: 'fast\u2028lane',
        responseText: 'café ☕ 😀\n\tend\\t',
      });
      const plain = makeRequestRecord({ id: 'plain-2' });
      const encodeRecord = store.encodeRecord;
      const appendEncoded = store.appendEncoded;
      if (encodeRecord === undefined || appendEncoded === undefined) {
        throw new Error('a file store with a writer thread encodes records');
      }
      // Batched as the request log batches them.
      const queue = new EncodedRecordQueue(encodeRecord, 10);
      queue.push(awkward);
      queue.push(plain);
      const batch = queue.take();
      if (batch === null) throw new Error('two records were queued');
      expect(batch.ids).toEqual(['awkward-1', 'plain-2']);
      await appendEncoded(batch);
      // A retried batch (the same bytes again) neither fails nor duplicates.
      await appendEncoded(batch);
      expect(await store.get('awkward-1')).toEqual(awkward);
      const page = await store.page({ limit: 10, userId: 'ann\tbob\ncarol' });
      expect(page.records.map((record) => record.id)).toEqual(['awkward-1']);
      expect((await store.page({ limit: 10 })).records).toHaveLength(2);
    } finally {
      await store.close();
    }
  });

  it('fails only the batch the writer thread cannot insert, and keeps writing', async () => {
    const store = createSqliteLogStore(path);
    // A record the writer cannot insert (status is NOT NULL) fails its batch, and only its batch.
    await expect(
      store.append([makeRequestRecord({ id: 'bad', status: null as unknown as number })]),
    ).rejects.toThrow(/NOT NULL/);
    await store.append([makeRequestRecord({ id: 'good' })]);
    expect((await store.get('good'))?.id).toBe('good');
    await store.close();
  });

  it('uses WAL and records the schema version', async () => {
    const store = createSqliteLogStore(path);
    await store.append([makeRequestRecord()]);
    await store.close();
    const database = new Database(path);
    expect(firstValue(database, 'PRAGMA journal_mode')).toBe('wal');
    expect(firstValue(database, 'SELECT MAX(version) FROM schema_version')).toBe(
      SQLITE_LOG_SCHEMA_VERSION,
    );
    expect(firstValue(database, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'")).toBe(6);
    database.close();
  });

  it('keeps records across a reopen and does not re-run migrations', async () => {
    const first = createSqliteLogStore(path);
    await first.append([makeRequestRecord({ id: 'kept' })]);
    await first.close();
    const second = createSqliteLogStore(path, { synchronous: 'full' });
    const ids: string[] = [];
    for await (const record of second.query({})) ids.push(record.id);
    await second.close();
    expect(ids).toEqual(['kept']);
    const database = new Database(path);
    expect(firstValue(database, 'SELECT COUNT(*) FROM schema_version')).toBe(1);
    database.close();
  });

  it('refuses a file written by a newer schema instead of guessing', async () => {
    await createSqliteLogStore(path).close();
    const database = new Database(path);
    database.prepare('INSERT INTO schema_version (version) VALUES (?)').run([99]);
    database.close();
    expect(() => createSqliteLogStore(path)).toThrow(/schema version 99/);
  });

  it('stores the filter columns next to the record JSON', async () => {
    const store = createSqliteLogStore(path);
    await store.append([makeRequestRecord({ id: 'cols', route: 'search', status: 502 })]);
    await store.close();
    const database = new Database(path);
    const row = database
      .prepare('SELECT id, route, served_target, status, user_id, record FROM request_records')
      .all()[0] as Record<string, unknown>;
    database.close();
    expect(row).toMatchObject({
      id: 'cols',
      route: 'search',
      served_target: 'small-precise',
      status: 502,
      user_id: 'user-1',
    });
    expect(JSON.parse(row.record as string).route).toBe('search');
  });

  it('prunes in chunks past the chunk size', async () => {
    const store = createSqliteLogStore(path);
    const base = Date.UTC(2025, 0, 1);
    const records = Array.from({ length: 12_000 }, (_, index) =>
      makeRequestRecord({ id: `p${index}`, ts: base + index, request: null, responseText: null }),
    );
    await store.append(records);
    expect(await store.prune(base + 11_000)).toBe(11_000);
    let left = 0;
    for await (const _record of store.query({})) left += 1;
    await store.close();
    expect(left).toBe(1_000);
  });

  it('serves a query while appends continue between pages, without repeats', async () => {
    const store = createSqliteLogStore(path);
    const base = Date.UTC(2025, 0, 1);
    await store.append(
      Array.from({ length: 1_200 }, (_, index) =>
        makeRequestRecord({ id: `q${index}`, ts: base + index }),
      ),
    );
    const seen: string[] = [];
    for await (const record of store.query({ until: base + 10_000 })) {
      seen.push(record.id);
      if (seen.length === 100) {
        await store.append([makeRequestRecord({ id: 'late', ts: base + 5_000 })]);
      }
    }
    await store.close();
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(1_201);
    expect(seen[seen.length - 1]).toBe('late');
  });
});
