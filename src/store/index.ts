/**
 * Persistence for the request log. SQLite is the embedded default; the PostgreSQL store for
 * fleets plugs in behind the same LogStore interface (src/telemetry/log-store.ts).
 */
export type {
  LogStore,
  RecordPage,
  RecordPageQuery,
  RecordQuery,
} from '../telemetry/log-store.js';
export { createLogStore, type LogStoreConfig } from './create-log-store.js';
export type { PostgresLogStoreOptions } from './postgres-log-store.js';
export { createSqliteKvStore, type KvStore } from './sqlite-kv-store.js';
export {
  createSqliteLogStore,
  SQLITE_LOG_SCHEMA_VERSION,
  type SqliteLogStoreOptions,
} from './sqlite-log-store.js';
export {
  createSqliteRunStore,
  SQLITE_RUN_SCHEMA_VERSION,
  type SqliteRunStoreOptions,
} from './sqlite-run-store.js';
