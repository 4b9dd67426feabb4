/**
 * The seam for the fleet request log. Not implemented yet: gateway replicas past one machine will
 * share one PostgreSQL log through a `createPostgresLogStore(options): LogStore` in this file,
 * which must pass the same conformance suite as SQLite (`describeLogStoreConformance` in
 * log-store.case.ts). The intended schema mirrors SQLite's: a `request_records` table with
 * `id text primary key`, `ts timestamptz`, the filter columns `route`, `served_target`, `status`,
 * `user_id` (each indexed with `ts`), and the record as `jsonb`; appends use one multi-row
 * `INSERT ... ON CONFLICT (id) DO NOTHING` per batch; `query` streams with a server-side cursor
 * or keyset pages ordered by (ts, seq); `prune` deletes in bounded chunks; migrations are
 * versioned in a `schema_version` table, exactly as in sqlite-log-store.ts.
 */
export interface PostgresLogStoreOptions {
  /** postgres:// connection string; read from the environment, never written into the policy. */
  url: string;
  /** Schema holding the tables; default `switchyard`. */
  schema?: string;
  /** Pool size; default 4 (one writer, a few readers for exports and the UI). */
  poolSize?: number;
}
