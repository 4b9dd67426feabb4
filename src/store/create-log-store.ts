import type { LogStore } from '../telemetry/log-store.js';
import type { PostgresLogStoreOptions } from './postgres-log-store.js';
import { createSqliteLogStore, type SqliteLogStoreOptions } from './sqlite-log-store.js';

/** Where the request log lives: an embedded SQLite file, or PostgreSQL for fleets. */
export type LogStoreConfig =
  | ({ kind: 'sqlite'; path: string } & SqliteLogStoreOptions)
  | ({ kind: 'postgres' } & PostgresLogStoreOptions);

/**
 * Opens the request log a config names. The one place that picks an implementation, so callers
 * depend on LogStore alone. PostgreSQL is declared (see postgres-log-store.ts) but not built yet,
 * and asking for it fails loudly rather than falling back to a file nobody expects.
 */
export function createLogStore(config: LogStoreConfig): LogStore {
  switch (config.kind) {
    case 'sqlite':
      return createSqliteLogStore(config.path, config);
    case 'postgres':
      throw new Error(
        'The PostgreSQL request log is not available in this version of Switchyard; use a SQLite path (log.path)',
      );
  }
}
