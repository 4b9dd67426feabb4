import { EncodedRecordQueue } from './encoded-record-queue.js';
import type { EncodedBatch, LogStore } from './log-store.js';
import type { RequestRecord } from './request-record.js';

/** How the request log batches, retries, bounds its queue and prunes. */
export interface RequestLogOptions {
  /** Records per store write; a full batch is written at once. */
  batchSize: number;
  /** A partial batch waits at most this long before it is written. */
  flushIntervalMs: number;
  /** Records held in memory (queued plus being written) before the oldest are dropped. Default 50,000. */
  maxQueue?: number;
  /** Store failures, drops and callback errors. Default: a process warning, so nothing is silent. */
  onError?(error: unknown): void;
  /** Called with the ids of each batch once the store has committed it. */
  onBatchWritten?(ids: readonly string[]): void;
  /** Records older than this are pruned; default 7. `Infinity` keeps everything. */
  retentionDays?: number;
  /** How often retention pruning runs; default one hour. It also runs once at start. */
  pruneIntervalMs?: number;
  /** Failed writes of one batch retried before the batch is dropped; default 5. */
  maxRetries?: number;
  /** First retry delay, doubled per consecutive failure; default 200 ms. */
  retryBaseDelayMs?: number;
  /** Cap on the retry delay; default 30 s. */
  maxRetryDelayMs?: number;
  /** Clock for retention cutoffs; default Date.now. */
  now?: () => number;
}

/** Counters describing the request log, for metrics and /admin/state. */
export interface RequestLogStats {
  /** Records in memory: waiting or being written. */
  queued: number;
  /** Records the store has committed. */
  written: number;
  /** Records given up on: queue overflow, retries exhausted, or recorded after close. */
  dropped: number;
  /** Failed store writes (a batch retried three times counts three). */
  failed: number;
}

/** The gateway's asynchronous, batching writer of request records. */
export interface RequestLog {
  /** Queue one record. O(1); never blocks, never throws. */
  record(record: RequestRecord): void;
  /**
   * Write every record queued before the call, now (skipping any retry delay). Resolves once each
   * was written or dropped; rejects with the store's error if a write fails and records remain.
   */
  flush(): Promise<void>;
  /** Stop accepting records, write what is queued (with bounded retries), stop timers. Never rejects. Does not close the store. */
  close(): Promise<void>;
  stats(): RequestLogStats;
}

/** Why records were dropped. */
export type RequestLogDropReason = 'queue_full' | 'retries_exhausted' | 'closed' | 'unencodable';

/** Reported through onError whenever records are dropped, so a drop is never silent. */
export class RequestLogDropError extends Error {
  readonly count: number;
  readonly reason: RequestLogDropReason;

  constructor(count: number, reason: RequestLogDropReason, cause?: unknown) {
    const why = {
      queue_full: 'the queue was full',
      retries_exhausted: 'the store kept failing',
      closed: 'the request log was closed',
      unencodable: 'the store could not encode it',
    }[reason];
    super(`Request log dropped ${count} record${count === 1 ? '' : 's'}: ${why}`, { cause });
    this.name = 'RequestLogDropError';
    this.count = count;
    this.reason = reason;
  }
}

const DAY_MS = 86_400_000;

/**
 * A FIFO with O(1) push, drop-oldest and batch take: a head index instead of Array#shift (which
 * is O(n)), compacted once the dead prefix is at least half the array, so amortized O(1).
 */
class RecordQueue {
  private items: RequestRecord[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(record: RequestRecord): void {
    this.items.push(record);
  }

  dropOldest(): void {
    this.items[this.head] = undefined as unknown as RequestRecord;
    this.head += 1;
    this.compact();
  }

  take(count: number): RequestRecord[] {
    const batch = this.items.slice(this.head, this.head + count);
    // Let go of the taken records now: until compaction, slots before `head` would keep them
    // alive for as long as a thousand later records take to arrive, long enough at gateway
    // rates for the garbage collector to move them to the old generation (full-GC pauses).
    this.items.fill(undefined as unknown as RequestRecord, this.head, this.head + batch.length);
    this.head += batch.length;
    this.compact();
    return batch;
  }

  clear(): number {
    const count = this.length;
    this.items = [];
    this.head = 0;
    return count;
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

/** A batch taken from the queue: the records, or (when the store encodes) their encoding. */
type InflightBatch =
  | { records: RequestRecord[]; encoded: null; length: number }
  | { records: null; encoded: EncodedBatch; length: number };

function defaultOnError(error: unknown): void {
  process.emitWarning(error instanceof Error ? error : new Error(String(error)), {
    code: 'SWITCHYARD_REQUEST_LOG',
  });
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`request log ${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * Creates the request log over `store`.
 *
 * Records wait in an in-memory queue and are written off the request path: a full batch is
 * written on the next turn of the event loop, a partial one after `flushIntervalMs`. One write
 * is in flight at a time, so batches reach the store in arrival order. A failed batch is kept and
 * retried with exponential backoff; after `maxRetries` failures it is dropped. When memory holds
 * more than `maxQueue` records, the oldest queued record is dropped. Every drop is counted in
 * stats() and reported through onError. Timers are unref'd so the log never holds the process
 * open; call close() (or installFlushOnSignals) at shutdown.
 */
export function createRequestLog(store: LogStore, options: RequestLogOptions): RequestLog {
  const batchSize = positiveInteger('batchSize', options.batchSize);
  const flushIntervalMs = positiveInteger('flushIntervalMs', options.flushIntervalMs);
  const maxQueue = positiveInteger('maxQueue', options.maxQueue ?? Math.max(50_000, batchSize));
  if (maxQueue < batchSize) {
    throw new RangeError(
      `request log maxQueue (${maxQueue}) must be at least batchSize (${batchSize})`,
    );
  }
  const maxRetries = Math.max(0, Math.trunc(options.maxRetries ?? 5));
  const retryBaseDelayMs = Math.max(1, options.retryBaseDelayMs ?? 200);
  const maxRetryDelayMs = Math.max(retryBaseDelayMs, options.maxRetryDelayMs ?? 30_000);
  const retentionDays = options.retentionDays ?? 7;
  if (!(retentionDays > 0)) {
    throw new RangeError(
      `request log retentionDays must be above 0 (Infinity keeps everything), got ${retentionDays}`,
    );
  }
  const pruneIntervalMs = positiveInteger('pruneIntervalMs', options.pruneIntervalMs ?? 3_600_000);
  const now = options.now ?? Date.now;
  const onError = options.onError ?? defaultOnError;

  /*
   * A store that encodes records gets them encoded as they arrive (encoded-record-queue.ts says
   * why): only bytes and ids wait in memory, never the records.
   */
  const appendEncoded = store.appendEncoded?.bind(store);
  const encodeRecord = appendEncoded ? store.encodeRecord?.bind(store) : undefined;
  const queue: RecordQueue | EncodedRecordQueue =
    encodeRecord !== undefined
      ? new EncodedRecordQueue(encodeRecord, batchSize)
      : new RecordQueue();
  /** The oldest batch, out of the queue: up to batchSize records (the encoded queue cuts them so). */
  const takeBatch = (): InflightBatch | null => {
    if (queue instanceof RecordQueue) {
      const records = queue.take(batchSize);
      return records.length === 0 ? null : { records, encoded: null, length: records.length };
    }
    const encoded = queue.take();
    return encoded === null ? null : { records: null, encoded, length: encoded.ids.length };
  };
  /** The batch being written, or kept for retry after a failure. Always older than the queue. */
  let inflight: InflightBatch | null = null;
  let inflightFailures = 0;
  let consecutiveFailures = 0;
  let lastError: unknown = null;

  let enqueued = 0;
  /** Enqueued records that have left memory, written or dropped. Records leave in FIFO order. */
  let settled = 0;
  /** The pump writes partial batches until `settled` reaches this. */
  let drainTarget = 0;
  let written = 0;
  let dropped = 0;
  let failed = 0;
  let unreportedQueueDrops = 0;
  let unreportedClosedDrops = 0;

  let pumping: Promise<boolean> | null = null;
  let sizeTriggerPending = false;
  let intervalTimer: NodeJS.Timeout | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let closed = false;
  let closing: Promise<void> | null = null;

  const report = (error: unknown): void => {
    try {
      onError(error);
    } catch {
      // A throwing error handler must not break the writer; there is nowhere left to report to.
    }
  };

  const reportDrops = (): void => {
    if (unreportedQueueDrops > 0) {
      report(new RequestLogDropError(unreportedQueueDrops, 'queue_full'));
      unreportedQueueDrops = 0;
    }
    if (unreportedClosedDrops > 0) {
      report(new RequestLogDropError(unreportedClosedDrops, 'closed'));
      unreportedClosedDrops = 0;
    }
  };

  /*
   * The single writer. It takes the oldest batch, awaits the store, and repeats while a full batch
   * is waiting or a flush asked for everything up to drainTarget. A failure keeps the batch in
   * `inflight` and stops the loop (returning false); the caller decides when to try again. Each
   * pass writes or drops a batch or returns, and inflow is bounded by maxQueue, so it ends.
   */
  const pump = async (): Promise<boolean> => {
    for (;;) {
      if (inflight === null) {
        const draining = settled < drainTarget;
        if (queue.length === 0 || (!draining && queue.length < batchSize)) return true;
        inflight = takeBatch();
        if (inflight === null) return true;
        inflightFailures = 0;
      }
      const batch: InflightBatch = inflight;
      try {
        if (batch.records !== null) await store.append(batch.records);
        else await (appendEncoded as (encoded: EncodedBatch) => Promise<void>)(batch.encoded);
      } catch (error) {
        failed += 1;
        inflightFailures += 1;
        consecutiveFailures += 1;
        lastError = error;
        report(error);
        if (inflightFailures > maxRetries) {
          inflight = null;
          dropped += batch.length;
          settled += batch.length;
          report(new RequestLogDropError(batch.length, 'retries_exhausted', error));
        }
        return false;
      }
      inflight = null;
      consecutiveFailures = 0;
      written += batch.length;
      settled += batch.length;
      if (options.onBatchWritten !== undefined) {
        try {
          options.onBatchWritten(
            batch.records !== null ? batch.records.map((record) => record.id) : batch.encoded.ids,
          );
        } catch (error) {
          report(error);
        }
      }
    }
  };

  const armInterval = (): void => {
    if (intervalTimer !== null || retryTimer !== null || closed) return;
    intervalTimer = setTimeout(() => {
      intervalTimer = null;
      drainTarget = Math.max(drainTarget, enqueued);
      reportDrops();
      void startPump();
    }, flushIntervalMs);
    intervalTimer.unref();
  };

  const scheduleRetry = (): void => {
    if (retryTimer !== null || closed) return;
    const delay = Math.min(
      maxRetryDelayMs,
      retryBaseDelayMs * 2 ** Math.max(0, consecutiveFailures - 1),
    );
    retryTimer = setTimeout(() => {
      retryTimer = null;
      drainTarget = Math.max(drainTarget, enqueued);
      void startPump();
    }, delay);
    retryTimer.unref();
  };

  const scheduleSizeFlush = (): void => {
    if (sizeTriggerPending || pumping !== null || retryTimer !== null || closed) return;
    sizeTriggerPending = true;
    // setImmediate, not a microtask: the write starts after the current request's I/O callbacks.
    setImmediate(() => {
      sizeTriggerPending = false;
      if (retryTimer === null) void startPump();
    }).unref();
  };

  const afterPump = (succeeded: boolean): void => {
    reportDrops();
    if (!succeeded) {
      scheduleRetry();
      return;
    }
    if (queue.length >= batchSize) scheduleSizeFlush();
    else if (queue.length > 0) armInterval();
  };

  const startPump = (): Promise<boolean> => {
    if (pumping !== null) return pumping;
    if (intervalTimer !== null) {
      clearTimeout(intervalTimer);
      intervalTimer = null;
    }
    pumping = pump().then((succeeded) => {
      pumping = null;
      afterPump(succeeded);
      return succeeded;
    });
    return pumping;
  };

  const flush = async (): Promise<void> => {
    const target = enqueued;
    drainTarget = Math.max(drainTarget, target);
    // Bounded: every pass settles at least one batch (written or dropped) or throws.
    while (settled < target) {
      if (retryTimer !== null) {
        clearTimeout(retryTimer);
        retryTimer = null;
      }
      const succeeded = await startPump();
      if (!succeeded && settled < target) throw lastError;
    }
  };

  // Retention: once shortly after start, then every pruneIntervalMs.
  let pruning: Promise<void> | null = null;
  const runPrune = (): void => {
    if (pruning !== null || closed) return;
    pruning = store
      .prune(now() - retentionDays * DAY_MS)
      .then(
        () => undefined,
        (error: unknown) => report(error),
      )
      .finally(() => {
        pruning = null;
      });
  };
  let pruneStartTimer: NodeJS.Timeout | null = null;
  let pruneTimer: NodeJS.Timeout | null = null;
  if (Number.isFinite(retentionDays)) {
    pruneStartTimer = setTimeout(runPrune, 0);
    pruneStartTimer.unref();
    pruneTimer = setInterval(runPrune, pruneIntervalMs);
    pruneTimer.unref();
  }

  const close = (): Promise<void> => {
    if (closing !== null) return closing;
    closed = true;
    for (const timer of [intervalTimer, pruneStartTimer]) if (timer !== null) clearTimeout(timer);
    if (pruneTimer !== null) clearInterval(pruneTimer);
    intervalTimer = null;
    closing = (async () => {
      await pruning;
      // Up to maxRetries + 1 immediate-ish attempts; these short waits are ref'd on purpose so a
      // shutting-down process stays alive until the last batch is written or given up.
      for (let attempt = 0; attempt <= maxRetries; attempt += 1) {
        try {
          await flush();
          break;
        } catch {
          await new Promise<void>((resolve) =>
            setTimeout(resolve, Math.min(1_000, retryBaseDelayMs * 2 ** attempt)),
          );
        }
      }
      if (retryTimer !== null) clearTimeout(retryTimer);
      retryTimer = null;
      await pumping;
      const left = queue.clear() + (inflight?.length ?? 0);
      inflight = null;
      if (left > 0) {
        dropped += left;
        settled += left;
        report(new RequestLogDropError(left, 'retries_exhausted', lastError));
      }
      reportDrops();
    })();
    return closing;
  };

  return {
    record(record) {
      if (closed) {
        dropped += 1;
        unreportedClosedDrops += 1;
        return;
      }
      try {
        queue.push(record);
      } catch (error) {
        // Only this record is lost; a batch holding it would have failed every retry.
        dropped += 1;
        report(new RequestLogDropError(1, 'unencodable', error));
        return;
      }
      enqueued += 1;
      if (queue.length + (inflight?.length ?? 0) > maxQueue && queue.length > 0) {
        queue.dropOldest();
        dropped += 1;
        settled += 1;
        unreportedQueueDrops += 1;
      }
      if (queue.length >= batchSize) scheduleSizeFlush();
      else armInterval();
    },
    flush,
    close,
    stats: () => ({
      queued: queue.length + (inflight?.length ?? 0),
      written,
      dropped,
      failed,
    }),
  };
}

/** Options for installFlushOnSignals. */
export interface FlushOnSignalsOptions {
  /** Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[];
  /** Give up waiting for the log after this long; default 5,000 ms. */
  timeoutMs?: number;
  /**
   * Called once the log is closed (or the wait timed out, with an error). When omitted, the
   * signal is raised again with the handlers removed, so Node's default action (exit) applies.
   */
  onFlushed?(signal: NodeJS.Signals, error?: unknown): void;
}

/**
 * On the first of `signals`, closes the request log (writing what is queued) and then calls
 * onFlushed. Returns a function that removes the handlers.
 */
export function installFlushOnSignals(
  log: Pick<RequestLog, 'close'>,
  options: FlushOnSignalsOptions = {},
): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const timeoutMs = options.timeoutMs ?? 5_000;
  const uninstall = (): void => {
    for (const signal of signals) process.off(signal, handler);
  };
  function handler(signal: NodeJS.Signals): void {
    uninstall();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Request log did not close within ${timeoutMs} ms`)),
        timeoutMs,
      );
      // The close itself keeps the process alive while it works; this timer must not.
      timer.unref();
    });
    const finish = (error?: unknown): void => {
      clearTimeout(timer);
      if (options.onFlushed !== undefined) options.onFlushed(signal, error);
      else process.kill(process.pid, signal);
    };
    Promise.race([log.close(), timedOut]).then(
      () => finish(),
      (error: unknown) => finish(error),
    );
  }
  for (const signal of signals) process.on(signal, handler);
  return uninstall;
}
