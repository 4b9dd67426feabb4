import Database from 'libsql';
import { REPORT_SCHEMA_VERSION, type RunReport } from '../eval/run-report.js';
import { type RunListing, type RunStore, toRunListing } from '../eval/run-store.js';

/** Options for the SQLite run store. */
export interface SqliteRunStoreOptions {
  /** How long a write waits for another connection's lock (e.g. the gateway's log); default 5000 ms. */
  busyTimeoutMs?: number;
}

/** One schema change, applied in order, each in its own transaction. */
interface Migration {
  version: number;
  statements: string[];
}

/*
 * The run store shares its database file with the request log (sqlite-log-store.ts), which owns
 * the tables `request_records` and `schema_version`. Everything here is prefixed `eval_runs`,
 * including this store's own version table, so the two migrate independently and neither can
 * mistake the other's version for its own. Listing filters and sorts on the indexed columns; the
 * full report is kept as JSON text, so adding a report field needs no migration.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE eval_runs (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        started_at TEXT NOT NULL,
        started_ms INTEGER NOT NULL,
        baseline TEXT NOT NULL,
        candidates TEXT NOT NULL,
        passed INTEGER NOT NULL,
        simulated INTEGER NOT NULL,
        requests INTEGER NOT NULL,
        report_schema_version INTEGER NOT NULL,
        report TEXT NOT NULL
      )`,
      'CREATE UNIQUE INDEX eval_runs_id ON eval_runs (id)',
      'CREATE INDEX eval_runs_started ON eval_runs (started_ms, seq)',
    ],
  },
];

/** The run-store schema version this code writes (tracked in `eval_runs_schema_version`). */
export const SQLITE_RUN_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** Runs listed when no limit is given. */
const DEFAULT_LIST_LIMIT = 50;
/** Ids named in an "ambiguous prefix" error. */
const AMBIGUOUS_IDS_SHOWN = 10;

function migrate(database: Database.Database, path: string): void {
  database.exec('CREATE TABLE IF NOT EXISTS eval_runs_schema_version (version INTEGER NOT NULL)');
  const row = database
    .prepare('SELECT MAX(version) AS version FROM eval_runs_schema_version')
    .get() as { version: number | null } | undefined;
  const current = row?.version ?? 0;
  if (current > SQLITE_RUN_SCHEMA_VERSION) {
    throw new Error(
      `Run store ${path} has schema version ${current}, newer than this Switchyard understands (${SQLITE_RUN_SCHEMA_VERSION}); upgrade Switchyard or use another database file`,
    );
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    database
      .transaction(() => {
        for (const statement of migration.statements) database.exec(statement);
        database
          .prepare('INSERT INTO eval_runs_schema_version (version) VALUES (?)')
          .run([migration.version]);
      })
      .immediate();
  }
}

interface ListingRow {
  id: string;
  name: string;
  started_at: string;
  baseline: string;
  candidates: string;
  passed: number;
  simulated: number;
  requests: number;
}

function parseReport(text: string, id: string): RunReport {
  const report = JSON.parse(text) as RunReport;
  if (typeof report.schemaVersion === 'number' && report.schemaVersion > REPORT_SCHEMA_VERSION) {
    throw new Error(
      `Run ${id} was stored with report schema version ${report.schemaVersion}, newer than this Switchyard understands (${REPORT_SCHEMA_VERSION}); upgrade Switchyard to read it`,
    );
  }
  return report;
}

/**
 * Opens (creating if needed) the run store in the SQLite file at `path`, normally the same file
 * as the request log; `:memory:` gives a private in-memory store for tests.
 */
export function createSqliteRunStore(path: string, options: SqliteRunStoreOptions = {}): RunStore {
  const database = new Database(path);
  let closed = false;
  try {
    database.exec(
      `PRAGMA busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`,
    );
    // journal_mode is a property of the file: the log store asks for WAL too, and the second
    // request is a no-op. libsql returns the mode as a row, so read it with get().
    database.prepare('PRAGMA journal_mode = WAL').get();
    database.exec('PRAGMA synchronous = NORMAL');
    migrate(database, path);
  } catch (error) {
    database.close();
    throw error;
  }

  /*
   * An upsert keeps the row's seq (its insertion order) when a run is saved again, so re-saving
   * a report after post-processing does not reorder the listing.
   */
  const upsert = database.prepare(
    `INSERT INTO eval_runs (id, name, started_at, started_ms, baseline, candidates, passed,
       simulated, requests, report_schema_version, report)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, started_at = excluded.started_at,
       started_ms = excluded.started_ms, baseline = excluded.baseline,
       candidates = excluded.candidates, passed = excluded.passed, simulated = excluded.simulated,
       requests = excluded.requests, report_schema_version = excluded.report_schema_version,
       report = excluded.report`,
  );
  const selectExact = database.prepare('SELECT report FROM eval_runs WHERE id = ?');
  // substr() rather than LIKE: LIKE is case-insensitive for ASCII and treats % and _ as wildcards.
  const selectByPrefix = database.prepare(
    `SELECT id FROM eval_runs WHERE substr(id, 1, ?) = ? ORDER BY started_ms DESC, seq DESC LIMIT ${AMBIGUOUS_IDS_SHOWN + 1}`,
  );
  const selectListing = database.prepare(
    `SELECT id, name, started_at, baseline, candidates, passed, simulated, requests
     FROM eval_runs ORDER BY started_ms DESC, seq DESC LIMIT ?`,
  );

  const assertOpen = (): void => {
    if (closed) throw new Error('The run store is closed');
  };

  return {
    async save(report) {
      assertOpen();
      if (typeof report.id !== 'string' || report.id.trim() === '') {
        throw new Error('A run report needs a non-empty id to be stored');
      }
      const listing = toRunListing(report);
      const startedMs = Date.parse(report.startedAt);
      // Serialize before writing so a report that cannot be encoded fails without a write.
      const text = JSON.stringify(report);
      upsert.run([
        listing.id,
        listing.name,
        listing.startedAt,
        Number.isFinite(startedMs) ? startedMs : 0,
        listing.baseline,
        JSON.stringify(listing.candidates),
        listing.passed ? 1 : 0,
        listing.simulated ? 1 : 0,
        listing.requests,
        report.schemaVersion,
        text,
      ]);
    },

    async get(idOrPrefix) {
      assertOpen();
      const wanted = idOrPrefix.trim();
      if (wanted === '') throw new Error('Give a run id, or the first characters of one');
      const exact = selectExact.get([wanted]) as { report: string } | undefined;
      if (exact !== undefined) return parseReport(exact.report, wanted);
      const matches = (selectByPrefix.all([wanted.length, wanted]) as Array<{ id: string }>).map(
        (row) => row.id,
      );
      if (matches.length === 0) return null;
      if (matches.length > 1) {
        const shown = matches.slice(0, AMBIGUOUS_IDS_SHOWN).join(', ');
        const more = matches.length > AMBIGUOUS_IDS_SHOWN ? ', …' : '';
        throw new Error(
          `Run id prefix "${wanted}" is ambiguous: it matches ${shown}${more}. Give more characters of the id.`,
        );
      }
      const id = matches[0] as string;
      const row = selectExact.get([id]) as { report: string } | undefined;
      return row === undefined ? null : parseReport(row.report, id);
    },

    async list(listOptions = {}) {
      assertOpen();
      const requested = listOptions.limit ?? DEFAULT_LIST_LIMIT;
      // SQLite reads LIMIT -1 as "no limit": that is what an infinite limit asks for.
      const limit = Number.isFinite(requested) ? Math.max(1, Math.trunc(requested)) : -1;
      const rows = selectListing.all([limit]) as ListingRow[];
      return rows.map(
        (row): RunListing => ({
          id: row.id,
          name: row.name,
          startedAt: row.started_at,
          baseline: row.baseline,
          candidates: JSON.parse(row.candidates) as string[],
          passed: row.passed === 1,
          simulated: row.simulated === 1,
          requests: row.requests,
        }),
      );
    },

    async close() {
      if (closed) return;
      closed = true;
      database.close();
    },
  };
}
