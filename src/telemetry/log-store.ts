import type { RequestRecord } from './request-record.js';

/** A filter over stored request records. */
export interface RecordQuery {
  /** ms since epoch, inclusive. */
  since?: number;
  until?: number;
  route?: string;
  target?: string;
  status?: number;
  userId?: string;
  limit?: number;
}

/**
 * Where request records are persisted. SQLite is the embedded default; a PostgreSQL
 * implementation serves fleets. Implementations live in `src/store/`.
 */
export interface LogStore {
  /** Persist a batch atomically: all records or none. */
  append(records: readonly RequestRecord[]): Promise<void>;
  /** Records matching the query, oldest first. */
  query(query: RecordQuery): AsyncIterable<RequestRecord>;
  /** Delete records older than the cutoff (ms since epoch); returns how many. */
  prune(olderThan: number): Promise<number>;
  close(): Promise<void>;
}
