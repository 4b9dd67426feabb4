import type { RequestRecord } from './request-record.js';

/** A batch of encoded records (see LogStore.encodeRecord). */
export interface EncodedBatch {
  /** The records' ids, in order. */
  readonly ids: readonly string[];
  /** Each record's encoding as UTF-8, in order, separated by '\n'. */
  readonly bytes: Uint8Array;
}

/** A filter over stored request records. */
export interface RecordQuery {
  /** ms since epoch, inclusive. */
  since?: number;
  until?: number;
  route?: string;
  target?: string;
  status?: number;
  /** `ok`: status below 400; `error`: 400 and above. Combines with `status`. */
  statusClass?: 'ok' | 'error';
  userId?: string;
  limit?: number;
}

/** A page request for browsing the log newest first. */
export interface RecordPageQuery extends RecordQuery {
  /** Rows per page. */
  limit: number;
  /** The `next` of the previous page; absent for the newest page. */
  cursor?: string | null;
}

/** One page of records, newest first. */
export interface RecordPage {
  records: RequestRecord[];
  /** Opaque position to pass as `cursor` for the next (older) page; null on the last page. */
  next: string | null;
}

/** A cursor that this store did not issue (or that is corrupt). */
export class InvalidCursorError extends Error {
  constructor(cursor: string) {
    super(`Not a valid log cursor: "${cursor}". Pass the "next" value of a previous page.`);
    this.name = 'InvalidCursorError';
  }
}

/**
 * Where request records are persisted. SQLite is the embedded default; a PostgreSQL
 * implementation serves fleets. Implementations live in `src/store/`.
 */
export interface LogStore {
  /** Persist a batch atomically: all records or none. */
  append(records: readonly RequestRecord[]): Promise<void>;
  /**
   * Optional pair for stores that can take records as bytes: `encodeRecord` gives one record's
   * encoding, a line of text without '\n' (throwing if the record cannot be encoded), and
   * `appendEncoded` persists a batch of such lines exactly as `append` would persist the
   * records. The request log then encodes each record as it arrives and holds only bytes outside
   * the JavaScript heap while it waits for a batch to fill and be written: at gateway rates,
   * records kept alive that long are promoted to the old generation, and that is what sets off
   * full-GC pauses (encoded-record-queue.ts).
   */
  encodeRecord?(record: RequestRecord): string;
  appendEncoded?(batch: EncodedBatch): Promise<void>;
  /** Records matching the query, oldest first. */
  query(query: RecordQuery): AsyncIterable<RequestRecord>;
  /** One page of matching records, newest first (the log browser). */
  page(query: RecordPageQuery): Promise<RecordPage>;
  /** The record with this id, or null. */
  get(id: string): Promise<RequestRecord | null>;
  /** Delete records older than the cutoff (ms since epoch); returns how many. */
  prune(olderThan: number): Promise<number>;
  close(): Promise<void>;
}
