import Database from 'libsql';
import { InvalidCursorError, type LogStore, type RecordQuery } from '../telemetry/log-store.js';
import type { RequestRecord } from '../telemetry/request-record.js';
import {
  encodeLogRow,
  encodeLogRows,
  type LogRowColumns,
  type LogWriterThread,
  startLogWriterThread,
} from './log-writer-thread.js';
import { startWalCheckpointer } from './wal-checkpointer.js';

/** Options for the embedded SQLite request log. */
export interface SqliteLogStoreOptions {
  /**
   * How hard each commit waits for the disk. `normal` (the default) runs WAL with
   * `synchronous = NORMAL`: a commit is durable once it returns as far as the process is
   * concerned, so a crash of the gateway (kill -9, OOM kill, panic) loses nothing that was
   * committed, and the file always opens consistent. What NORMAL gives up is the fsync on every
   * commit: after a power loss or kernel crash the last commits before the failure may be rolled
   * back (never corrupted). `full` fsyncs the WAL on every commit, surviving power loss at the
   * price of one disk flush per batch.
   */
  synchronous?: 'normal' | 'full';
  /** How long a write waits for another connection's lock before failing; default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * Checkpoint the WAL from a worker thread instead of inside commits (default true for files):
   * keeps 10-30 ms checkpoint pauses off the gateway's event loop.
   */
  backgroundCheckpoint?: boolean;
  /** Told about a failed background checkpoint (the next one retries). */
  onCheckpointError?(message: string): void;
  /**
   * Write from a worker thread with its own connection (default true for files): keeps batch
   * commits and prunes off the gateway's event loop (log-writer-thread.ts).
   */
  writerThread?: boolean;
}

/** One schema change. Versions are applied in order, each in its own transaction. */
interface Migration {
  version: number;
  statements: string[];
}

/*
 * Indexed columns hold the fields that queries filter on; the whole record is kept as JSON text
 * so that adding a field to RequestRecord needs no migration. A new filterable column is a new
 * migration appended here, never an edit of an old one.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE request_records (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        ts INTEGER NOT NULL,
        route TEXT,
        served_target TEXT,
        status INTEGER NOT NULL,
        user_id TEXT,
        record TEXT NOT NULL
      )`,
      'CREATE UNIQUE INDEX request_records_id ON request_records (id)',
      'CREATE INDEX request_records_ts ON request_records (ts)',
      'CREATE INDEX request_records_route_ts ON request_records (route, ts)',
      'CREATE INDEX request_records_served_target_ts ON request_records (served_target, ts)',
      'CREATE INDEX request_records_status_ts ON request_records (status, ts)',
      'CREATE INDEX request_records_user_id_ts ON request_records (user_id, ts)',
    ],
  },
];

/** The schema version this code writes. */
export const SQLITE_LOG_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** Rows fetched per page when streaming a query. */
const QUERY_PAGE_SIZE = 500;
/** Rows deleted per statement when pruning, so a large prune never holds the lock for long. */
const PRUNE_CHUNK_SIZE = 5_000;

/** libsql adds a `_metadata` field to rows from `.get()`; never let it leak into a record. */
function stripMetadata<T extends object>(row: T): T {
  if ('_metadata' in row) {
    const { _metadata: _ignored, ...rest } = row as T & { _metadata: unknown };
    return rest as T;
  }
  return row;
}

function readPragma(database: Database.Database, pragma: string): unknown {
  const row = database.prepare(`PRAGMA ${pragma}`).get() as Record<string, unknown> | undefined;
  if (row === undefined) return undefined;
  return Object.values(stripMetadata(row))[0];
}

function migrate(database: Database.Database, path: string): void {
  database.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = database.prepare('SELECT MAX(version) AS version FROM schema_version').get() as
    | { version: number | null }
    | undefined;
  const current = row?.version ?? 0;
  if (current > SQLITE_LOG_SCHEMA_VERSION) {
    throw new Error(
      `Request log ${path} has schema version ${current}, newer than this Switchyard understands (${SQLITE_LOG_SCHEMA_VERSION}); upgrade Switchyard or point log.path at another file`,
    );
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    database
      .transaction(() => {
        for (const statement of migration.statements) database.exec(statement);
        database
          .prepare('INSERT INTO schema_version (version) VALUES (?)')
          .run([migration.version]);
      })
      .immediate();
  }
}

interface RecordRow {
  seq: number;
  ts: number;
  record: string;
}

/** Cursors are `<ts>.<seq>` of the last row served: the keyset the next page continues below. */
function parseCursor(cursor: string): { ts: number; seq: number } {
  const match = /^(\d{1,16})\.(\d{1,16})$/.exec(cursor);
  if (!match) throw new InvalidCursorError(cursor);
  return { ts: Number(match[1]), seq: Number(match[2]) };
}

function buildWhere(query: RecordQuery): { clauses: string[]; parameters: unknown[] } {
  const clauses: string[] = [];
  const parameters: unknown[] = [];
  if (query.since !== undefined) {
    clauses.push('ts >= ?');
    parameters.push(query.since);
  }
  if (query.until !== undefined) {
    clauses.push('ts <= ?');
    parameters.push(query.until);
  }
  if (query.route !== undefined) {
    clauses.push('route = ?');
    parameters.push(query.route);
  }
  if (query.target !== undefined) {
    clauses.push('served_target = ?');
    parameters.push(query.target);
  }
  if (query.status !== undefined) {
    clauses.push('status = ?');
    parameters.push(query.status);
  }
  if (query.statusClass === 'ok') clauses.push('status < 400');
  if (query.statusClass === 'error') clauses.push('status >= 400');
  if (query.userId !== undefined) {
    clauses.push('user_id = ?');
    parameters.push(query.userId);
  }
  return { clauses, parameters };
}

/**
 * Opens (creating if needed) the SQLite request log at `path` and migrates it to the current
 * schema. `:memory:` gives a private in-memory log, handy for tests and dry runs.
 */
export function createSqliteLogStore(path: string, options: SqliteLogStoreOptions = {}): LogStore {
  const database = new Database(path);
  let closed = false;
  try {
    database.exec(
      `PRAGMA busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`,
    );
    // In-memory databases report journal_mode "memory"; WAL only applies to files.
    readPragma(database, 'journal_mode = WAL');
    database.exec(`PRAGMA synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    migrate(database, path);
  } catch (error) {
    database.close();
    throw error;
  }
  // A file database is checkpointed off the event loop (see wal-checkpointer.ts).
  const checkpointer =
    path === ':memory:' || options.backgroundCheckpoint === false
      ? null
      : startWalCheckpointer(path, { onError: options.onCheckpointError });
  if (checkpointer) {
    database.exec('PRAGMA wal_autocheckpoint = 0');
    // A checkpointed WAL is reused from its start; this trims a file a burst left large.
    database.exec('PRAGMA journal_size_limit = 67108864');
  }

  /*
   * ON CONFLICT DO NOTHING makes append idempotent by id: when a commit succeeded but its caller
   * saw an error (and retries the batch), the retry neither fails nor duplicates.
   */
  const busyTimeoutMs = Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000));
  const writer: LogWriterThread | null =
    path === ':memory:' || options.writerThread === false
      ? null
      : startLogWriterThread(path, {
          synchronous: options.synchronous === 'full' ? 'FULL' : 'NORMAL',
          busyTimeoutMs,
          pruneChunkSize: PRUNE_CHUNK_SIZE,
        });

  const insert = database.prepare(
    `INSERT INTO request_records (id, ts, route, served_target, status, user_id, record)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
  );
  const insertBatch = database.transaction((rows: readonly unknown[][]) => {
    for (const row of rows) insert.run(row);
  });
  const pruneChunk = database.prepare(
    `DELETE FROM request_records WHERE seq IN
       (SELECT seq FROM request_records WHERE ts < ? LIMIT ${PRUNE_CHUNK_SIZE})`,
  );

  const assertOpen = (): void => {
    if (closed) throw new Error('The request log store is closed');
  };

  const encodeBatch = (records: readonly RequestRecord[]): Uint8Array =>
    encodeLogRows(
      records.map((record) => ({ columns: columnsOf(record), json: JSON.stringify(record) })),
    );

  const store: LogStore = {
    async append(records) {
      assertOpen();
      if (records.length === 0) return;
      // Serialize before BEGIN so a record that cannot be encoded fails the batch without a write.
      if (writer) {
        await writer.append(encodeBatch(records));
        return;
      }
      insertBatch.immediate(
        records.map((record) => [...columnsOf(record), JSON.stringify(record)]),
      );
    },

    /*
     * Streams by keyset pages (ts, seq) instead of holding one statement open across awaits: an
     * open cursor pins a read snapshot for as long as the consumer dawdles, which stops WAL
     * checkpoints and lets the -wal file grow, and libsql's iterator has no way to release it
     * early when the consumer breaks. Each page is read with iterate() and fully drained at once.
     */
    async *query(query) {
      assertOpen();
      const { clauses, parameters } = buildWhere(query);
      const limit = query.limit ?? Number.POSITIVE_INFINITY;
      let remaining = limit;
      let after: { ts: number; seq: number } | null = null;
      while (remaining > 0) {
        const pageClauses = [...clauses];
        const pageParameters = [...parameters];
        if (after !== null) {
          pageClauses.push('(ts > ? OR (ts = ? AND seq > ?))');
          pageParameters.push(after.ts, after.ts, after.seq);
        }
        const pageSize = Math.min(QUERY_PAGE_SIZE, remaining);
        const where = pageClauses.length > 0 ? `WHERE ${pageClauses.join(' AND ')}` : '';
        assertOpen();
        const statement = database.prepare(
          `SELECT seq, ts, record FROM request_records ${where} ORDER BY ts, seq LIMIT ${pageSize}`,
        );
        const page: RecordRow[] = [];
        for (const row of statement.iterate(pageParameters)) page.push(row as RecordRow);
        for (const row of page) yield JSON.parse(row.record) as RequestRecord;
        remaining -= page.length;
        const last = page[page.length - 1];
        if (last === undefined || page.length < pageSize) return;
        after = { ts: last.ts, seq: last.seq };
      }
    },

    async page(query) {
      assertOpen();
      const { clauses, parameters } = buildWhere(query);
      if (query.cursor) {
        const { ts, seq } = parseCursor(query.cursor);
        clauses.push('(ts < ? OR (ts = ? AND seq < ?))');
        parameters.push(ts, ts, seq);
      }
      const limit = Math.max(1, Math.trunc(query.limit));
      const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
      // One row past the page says whether an older page exists without a COUNT.
      const rows = database
        .prepare(
          `SELECT seq, ts, record FROM request_records ${where} ORDER BY ts DESC, seq DESC LIMIT ${limit + 1}`,
        )
        .all(parameters) as RecordRow[];
      const pageRows = rows.slice(0, limit);
      const last = pageRows[pageRows.length - 1];
      return {
        records: pageRows.map((row) => JSON.parse(row.record) as RequestRecord),
        next: rows.length > limit && last ? `${last.ts}.${last.seq}` : null,
      };
    },

    async get(id) {
      assertOpen();
      const row = database.prepare('SELECT record FROM request_records WHERE id = ?').get([id]) as
        | { record: string }
        | undefined;
      return row ? (JSON.parse(row.record) as RequestRecord) : null;
    },

    async prune(olderThan) {
      assertOpen();
      if (writer) return writer.prune(olderThan);
      let deleted = 0;
      // Bounded: each chunk deletes up to PRUNE_CHUNK_SIZE rows, so the loop ends once none are left.
      for (;;) {
        const { changes } = pruneChunk.run([olderThan]);
        deleted += changes;
        if (changes < PRUNE_CHUNK_SIZE) return deleted;
        // Let request-path work run between chunks.
        await new Promise<void>((resolve) => setImmediate(resolve));
        assertOpen();
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      // The writer first: its last commits must land before the final checkpoint.
      await writer?.stop();
      database.close();
      await checkpointer?.stop();
    },
  };
  if (writer) {
    // The request log then holds bytes, not records, from the moment a record arrives (see
    // LogStore.encodeRecord).
    store.encodeRecord = (record) => encodeLogRow(columnsOf(record), JSON.stringify(record));
    store.appendEncoded = async (batch) => {
      assertOpen();
      if (batch.ids.length > 0) await writer.append(batch.bytes);
    };
  }
  return store;
}

/** The indexed columns of a record's row. */
function columnsOf(record: RequestRecord): LogRowColumns {
  return [record.id, record.ts, record.route, record.servedTarget, record.status, record.userId];
}
