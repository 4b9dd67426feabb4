import type { EncodedBatch } from './log-store.js';
import type { RequestRecord } from './request-record.js';

/** A store's encoding of one record: one line of text, without the newline (LogStore.encodeRecord). */
export type RecordEncoder = (record: RequestRecord) => string;

/** Most bytes one UTF-16 code unit can take in UTF-8; a surrogate pair is 2 units for 4 bytes. */
const MAX_UTF8_BYTES_PER_UNIT = 3;
/** First buffer of a batch: room for about a kilobyte per record, within these bounds. */
const MIN_SEGMENT_BYTES = 16 * 1024;
const MAX_INITIAL_SEGMENT_BYTES = 1024 * 1024;

/**
 * Up to one batch of encoded records in one growing buffer, lines separated by '\n'. `ends[i]` is
 * where record i's line ends; records before `first` were dropped.
 */
class Segment {
  bytes: Buffer;
  used = 0;
  count = 0;
  first = 0;
  readonly ends: Int32Array;
  readonly ids: string[] = [];

  constructor(capacity: number) {
    this.ends = new Int32Array(capacity);
    const initial = Math.min(
      MAX_INITIAL_SEGMENT_BYTES,
      Math.max(MIN_SEGMENT_BYTES, capacity * 1024),
    );
    // Outside the JavaScript heap: a batch's bytes never cost the garbage collector a copy.
    this.bytes = Buffer.allocUnsafeSlow(initial);
  }

  add(id: string, line: string): void {
    const separator = this.count === 0 ? 0 : 1;
    const room = this.used + separator + line.length * MAX_UTF8_BYTES_PER_UNIT;
    if (room > this.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(room, this.bytes.length * 2));
      this.bytes.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    if (separator === 1) this.bytes[this.used++] = 0x0a;
    this.used += this.bytes.write(line, this.used, 'utf8');
    this.ends[this.count] = this.used;
    this.ids.push(id);
    this.count += 1;
  }

  /** The live records: from `first` (after its separator) to the end. */
  batch(): EncodedBatch {
    const start = this.first === 0 ? 0 : (this.ends[this.first - 1] ?? 0) + 1;
    return {
      ids: this.first === 0 ? this.ids : this.ids.slice(this.first),
      bytes: this.bytes.subarray(start, this.used),
    };
  }
}

/**
 * The request log's queue for stores that encode records (LogStore.encodeRecord): each record is
 * encoded the moment it is queued, into the buffer of the batch it will be written in.
 *
 * Why not queue the records and encode a batch when it is taken: a record waits for its batch to
 * fill or the flush interval (up to 50 ms by default), and a write in flight or a retry holds the
 * next batches longer; at thousands of requests per second that is the time between scavenges
 * of the young generation. Records that live through two scavenges are moved to the old
 * generation (~3 KB per request here), and that growth is what sets off full GCs. Encoded at
 * once, a record's object graph dies with its request, and the queue holds only bytes outside
 * the heap and the ids, however long the store takes.
 *
 * FIFO at record granularity like the plain queue: push, drop-oldest (the overflow policy) and
 * take, which hands over the oldest batch, all O(1) amortized.
 */
export class EncodedRecordQueue {
  readonly #encode: RecordEncoder;
  readonly #batchSize: number;
  #segments: Segment[] = [];
  #length = 0;

  constructor(encode: RecordEncoder, batchSize: number) {
    this.#encode = encode;
    this.#batchSize = batchSize;
  }

  get length(): number {
    return this.#length;
  }

  /** Encode and queue; throws (queueing nothing) if the store cannot encode the record. */
  push(record: RequestRecord): void {
    const line = this.#encode(record);
    let segment = this.#segments.at(-1);
    if (segment === undefined || segment.count === this.#batchSize) {
      segment = new Segment(this.#batchSize);
      this.#segments.push(segment);
    }
    segment.add(record.id, line);
    this.#length += 1;
  }

  dropOldest(): void {
    const oldest = this.#segments[0];
    if (oldest === undefined) return;
    oldest.first += 1;
    this.#length -= 1;
    if (oldest.first === oldest.count) this.#segments.shift();
  }

  /** The oldest batch (up to batchSize records), removed from the queue; null when empty. */
  take(): EncodedBatch | null {
    const oldest = this.#segments.shift();
    if (oldest === undefined) return null;
    this.#length -= oldest.count - oldest.first;
    return oldest.batch();
  }

  clear(): number {
    const count = this.#length;
    this.#segments = [];
    this.#length = 0;
    return count;
  }
}
