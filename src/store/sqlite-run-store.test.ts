import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPORT_SCHEMA_VERSION } from '../eval/run-report.js';
import { makeRunReport } from '../report/__fixtures__/run-report.js';
import { makeRequestRecord } from '../telemetry/__fixtures__/request-records.js';
import { createSqliteLogStore, SQLITE_LOG_SCHEMA_VERSION } from './sqlite-log-store.js';
import { createSqliteRunStore, SQLITE_RUN_SCHEMA_VERSION } from './sqlite-run-store.js';

function firstValue(database: Database.Database, sql: string): unknown {
  const row = database.prepare(sql).get() as Record<string, unknown>;
  return Object.entries(row).find(([key]) => key !== '_metadata')?.[1];
}

describe('createSqliteRunStore', () => {
  let directory: string;
  let path: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'switchyard-runs-'));
    path = join(directory, 'switchyard.db');
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('returns a saved report exactly as it was, across a reopen', async () => {
    const report = makeRunReport();
    const first = createSqliteRunStore(path);
    await first.save(report);
    await first.close();
    const second = createSqliteRunStore(path);
    expect(await second.get(report.id)).toEqual(report);
    await second.close();
  });

  it('finds a run by a unique id prefix and returns null for no match', async () => {
    const store = createSqliteRunStore(':memory:');
    await store.save(makeRunReport({ id: 'run_abc123' }));
    await store.save(makeRunReport({ id: 'run_abd456' }));
    expect((await store.get('run_abc'))?.id).toBe('run_abc123');
    expect((await store.get('  run_abd  '))?.id).toBe('run_abd456');
    expect(await store.get('run_x')).toBeNull();
    await store.close();
  });

  it('refuses an ambiguous prefix and names the matching runs', async () => {
    const store = createSqliteRunStore(':memory:');
    await store.save(makeRunReport({ id: 'run_abc123' }));
    await store.save(makeRunReport({ id: 'run_abd456' }));
    const failure = await store.get('run_ab').then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    expect(message).toContain('Run id prefix "run_ab" is ambiguous');
    expect(message).toContain('run_abc123');
    expect(message).toContain('run_abd456');
    await expect(store.get('')).rejects.toThrow('Give a run id');
    await store.close();
  });

  it('prefers an exact id over a longer id it is a prefix of', async () => {
    const store = createSqliteRunStore(':memory:');
    await store.save(makeRunReport({ id: 'run_1', name: 'exact' }));
    await store.save(makeRunReport({ id: 'run_10', name: 'longer' }));
    expect((await store.get('run_1'))?.name).toBe('exact');
    await store.close();
  });

  it('matches prefixes literally and case-sensitively', async () => {
    const store = createSqliteRunStore(':memory:');
    await store.save(makeRunReport({ id: 'Run_ABC' }));
    await store.save(makeRunReport({ id: 'run%x' }));
    expect(await store.get('run_a')).toBeNull();
    expect((await store.get('Run_A'))?.id).toBe('Run_ABC');
    expect((await store.get('run%'))?.id).toBe('run%x');
    await store.close();
  });

  it('lists runs newest first with their indexed fields, honouring the limit', async () => {
    const store = createSqliteRunStore(':memory:');
    await store.save(makeRunReport({ id: 'run_mid', startedAt: '2025-01-15T12:00:00.000Z' }));
    await store.save(
      makeRunReport({ id: 'run_new', startedAt: '2025-02-01T08:00:00.000Z', passed: true }),
    );
    await store.save(makeRunReport({ id: 'run_old', startedAt: '2024-12-31T23:59:59.000Z' }));
    const listing = await store.list();
    expect(listing.map((row) => row.id)).toEqual(['run_new', 'run_mid', 'run_old']);
    expect(listing[0]).toEqual({
      id: 'run_new',
      name: 'big-vs-routed',
      startedAt: '2025-02-01T08:00:00.000Z',
      baseline: 'big-decoder-v2',
      candidates: ['big-decoder-v2', 'small-precise', 'mid-balanced'],
      passed: true,
      simulated: true,
      requests: 6000,
    });
    expect((await store.list({ limit: 2 })).map((row) => row.id)).toEqual(['run_new', 'run_mid']);
    expect(await store.list({ limit: Number.POSITIVE_INFINITY })).toHaveLength(3);
    await store.close();
  });

  it('orders runs that started at the same time by when they were saved, newest first', async () => {
    const store = createSqliteRunStore(':memory:');
    for (const id of ['run_first', 'run_second', 'run_third']) {
      await store.save(makeRunReport({ id }));
    }
    expect((await store.list()).map((row) => row.id)).toEqual([
      'run_third',
      'run_second',
      'run_first',
    ]);
    await store.close();
  });

  it('replaces a run saved again under the same id', async () => {
    const store = createSqliteRunStore(':memory:');
    await store.save(makeRunReport({ id: 'run_same', passed: false }));
    await store.save(makeRunReport({ id: 'run_same', passed: true, name: 'renamed' }));
    const listing = await store.list();
    expect(listing).toHaveLength(1);
    expect(listing[0]?.passed).toBe(true);
    expect((await store.get('run_same'))?.name).toBe('renamed');
    await store.close();
  });

  it('shares one database file with the request log without touching its tables', async () => {
    const log = createSqliteLogStore(path);
    const runs = createSqliteRunStore(path);
    await log.append([makeRequestRecord({ id: 'req_shared' })]);
    await runs.save(makeRunReport({ id: 'run_shared' }));
    await log.close();
    await runs.close();

    // Reopen in the other order: each migrates only its own tables.
    const runsAgain = createSqliteRunStore(path);
    const logAgain = createSqliteLogStore(path);
    const ids: string[] = [];
    for await (const record of logAgain.query({})) ids.push(record.id);
    expect(ids).toEqual(['req_shared']);
    expect((await runsAgain.get('run_shared'))?.id).toBe('run_shared');
    await logAgain.close();
    await runsAgain.close();

    const database = new Database(path);
    expect(firstValue(database, 'PRAGMA journal_mode')).toBe('wal');
    expect(firstValue(database, 'SELECT MAX(version) FROM schema_version')).toBe(
      SQLITE_LOG_SCHEMA_VERSION,
    );
    expect(firstValue(database, 'SELECT COUNT(*) FROM schema_version')).toBe(
      SQLITE_LOG_SCHEMA_VERSION,
    );
    expect(firstValue(database, 'SELECT MAX(version) FROM eval_runs_schema_version')).toBe(
      SQLITE_RUN_SCHEMA_VERSION,
    );
    expect(firstValue(database, 'SELECT COUNT(*) FROM eval_runs')).toBe(1);
    expect(firstValue(database, 'SELECT COUNT(*) FROM request_records')).toBe(1);
    database.close();
  });

  it('refuses a database written by a newer run-store schema', async () => {
    const database = new Database(path);
    database.exec('CREATE TABLE eval_runs_schema_version (version INTEGER NOT NULL)');
    database
      .prepare('INSERT INTO eval_runs_schema_version (version) VALUES (?)')
      .run([SQLITE_RUN_SCHEMA_VERSION + 1]);
    database.close();
    expect(() => createSqliteRunStore(path)).toThrow(/newer than this Switchyard understands/);
  });

  it('refuses to read a report stored with a newer report schema', async () => {
    const store = createSqliteRunStore(':memory:');
    const future = {
      ...makeRunReport({ id: 'run_future' }),
      schemaVersion: REPORT_SCHEMA_VERSION + 1,
    };
    await store.save(future as unknown as ReturnType<typeof makeRunReport>);
    await expect(store.get('run_future')).rejects.toThrow(/report schema version/);
    await store.close();
  });

  it('rejects a report without an id, and every call after close', async () => {
    const store = createSqliteRunStore(':memory:');
    await expect(store.save(makeRunReport({ id: ' ' }))).rejects.toThrow('non-empty id');
    await store.close();
    await store.close();
    await expect(store.list()).rejects.toThrow('closed');
    await expect(store.get('run')).rejects.toThrow('closed');
  });
});
