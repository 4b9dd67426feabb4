import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeRequestRecord } from './__fixtures__/request-records.js';
import type { LogStore } from './log-store.js';
import {
  createRequestLog,
  installFlushOnSignals,
  RequestLogDropError,
  type RequestLogOptions,
} from './request-log.js';
import type { RequestRecord } from './request-record.js';

/**
 * An in-memory store whose writes can be made to fail or to hang until released. With `encoding`
 * it also offers encodeRecord/appendEncoded (each record as the JSON of its id), which the log
 * then uses.
 */
function createTestStore(encoding = false) {
  const batches: string[][] = [];
  const attempts: string[][] = [];
  const pruneCutoffs: number[] = [];
  let failuresLeft = 0;
  let encoded = 0;
  let gate: { promise: Promise<void>; release: () => void } | null = null;
  const write = async (ids: string[]) => {
    attempts.push(ids);
    if (gate !== null) await gate.promise;
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      throw new Error('disk I/O error');
    }
    batches.push(ids);
  };
  const store: LogStore = {
    async append(records: readonly RequestRecord[]) {
      await write(records.map((record) => record.id));
    },
    async *query() {},
    async page() {
      return { records: [], next: null };
    },
    async get() {
      return null;
    },
    async prune(olderThan) {
      pruneCutoffs.push(olderThan);
      return 0;
    },
    async close() {},
  };
  if (encoding) {
    store.encodeRecord = (record) => {
      if (record.id.startsWith('unencodable')) throw new Error('cannot encode this record');
      encoded += 1;
      return JSON.stringify(record.id);
    };
    store.appendEncoded = async (batch) => {
      const lines = Buffer.from(batch.bytes).toString('utf8').split('\n');
      const ids = lines.map((line) => JSON.parse(line) as string);
      expect(ids).toEqual(batch.ids);
      await write(ids);
    };
  }
  return {
    store,
    batches,
    attempts,
    encodedRecords: () => encoded,
    pruneCutoffs,
    written: () => batches.flat(),
    failNext(count: number) {
      failuresLeft = count;
    },
    hold() {
      let release = (): void => {};
      const promise = new Promise<void>((resolve) => {
        release = resolve;
      });
      gate = { promise, release };
      return () => {
        gate = null;
        release();
      };
    },
  };
}

const record = (id: string) => makeRequestRecord({ id });

describe.each([
  { store: 'a store that takes records', encoding: false },
  { store: 'a store that encodes batches', encoding: true },
])('createRequestLog with $store', ({ encoding }) => {
  let errors: unknown[];
  let test: ReturnType<typeof createTestStore>;
  const open = (options: Partial<RequestLogOptions> = {}) =>
    createRequestLog(test.store, {
      batchSize: 3,
      flushIntervalMs: 1_000,
      retentionDays: Number.POSITIVE_INFINITY,
      onError: (error) => errors.push(error),
      ...options,
    });

  beforeEach(() => {
    vi.useFakeTimers();
    errors = [];
    test = createTestStore(encoding);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes a full batch on the next turn without waiting for the interval', async () => {
    const log = open();
    for (const id of ['a', 'b', 'c', 'd']) log.record(record(id));
    expect(test.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(test.batches).toEqual([['a', 'b', 'c']]);
    expect(log.stats()).toEqual({ queued: 1, written: 3, dropped: 0, failed: 0 });
  });

  it('writes a partial batch once the interval has passed, not before', async () => {
    const log = open();
    log.record(record('a'));
    log.record(record('b'));
    await vi.advanceTimersByTimeAsync(999);
    expect(test.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(test.batches).toEqual([['a', 'b']]);
    expect(log.stats().queued).toBe(0);
  });

  it('splits a backlog into batches of batchSize, in arrival order', async () => {
    const log = open();
    const release = test.hold();
    const ids = Array.from({ length: 10 }, (_, index) => `r${index}`);
    for (const id of ids) log.record(record(id));
    await vi.advanceTimersByTimeAsync(0);
    release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(test.batches).toEqual([
      ['r0', 'r1', 'r2'],
      ['r3', 'r4', 'r5'],
      ['r6', 'r7', 'r8'],
      ['r9'],
    ]);
  });

  it('reports the ids of each batch only after the store committed it', async () => {
    const committed: string[][] = [];
    const log = open({ onBatchWritten: (ids) => committed.push([...ids]) });
    const release = test.hold();
    for (const id of ['a', 'b', 'c']) log.record(record(id));
    await vi.advanceTimersByTimeAsync(0);
    expect(test.attempts).toEqual([['a', 'b', 'c']]);
    expect(committed).toEqual([]);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(committed).toEqual([['a', 'b', 'c']]);
  });

  it('retries a failed batch with doubling backoff and writes it once the store recovers', async () => {
    const log = open({ retryBaseDelayMs: 200 });
    test.failNext(2);
    log.record(record('a'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(test.attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(199);
    expect(test.attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(test.attempts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(399);
    expect(test.attempts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(test.batches).toEqual([['a']]);
    expect(log.stats()).toEqual({ queued: 0, written: 1, dropped: 0, failed: 2 });
    // An encoded record is retried from its bytes, not encoded again.
    expect(test.encodedRecords()).toBe(encoding ? 1 : 0);
    expect(errors.map((error) => (error as Error).message)).toEqual([
      'disk I/O error',
      'disk I/O error',
    ]);
  });

  it('does not write new full batches while waiting out a retry delay', async () => {
    const log = open({ retryBaseDelayMs: 500 });
    test.failNext(1);
    for (const id of ['a', 'b', 'c']) log.record(record(id));
    await vi.advanceTimersByTimeAsync(0);
    for (const id of ['d', 'e', 'f']) log.record(record(id));
    await vi.advanceTimersByTimeAsync(499);
    expect(test.attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(test.batches).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
    ]);
  });

  it('drops a batch after maxRetries failed writes and reports it', async () => {
    const log = open({ maxRetries: 2, retryBaseDelayMs: 10 });
    test.failNext(3);
    log.record(record('a'));
    log.record(record('b'));
    await vi.advanceTimersByTimeAsync(1_000 + 10 + 20);
    expect(test.attempts).toHaveLength(3);
    expect(log.stats()).toEqual({ queued: 0, written: 0, dropped: 2, failed: 3 });
    const drop = errors.find((error) => error instanceof RequestLogDropError);
    expect(drop).toMatchObject({ count: 2, reason: 'retries_exhausted' });
    log.record(record('c'));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(test.batches).toEqual([['c']]);
  });

  it('drops the oldest queued records past maxQueue, counts them and reports them', async () => {
    const log = open({ batchSize: 2, maxQueue: 4 });
    const release = test.hold();
    for (const id of ['r1', 'r2']) log.record(record(id));
    await vi.advanceTimersByTimeAsync(0);
    for (const id of ['r3', 'r4', 'r5', 'r6']) log.record(record(id));
    expect(log.stats()).toEqual({ queued: 4, written: 0, dropped: 2, failed: 0 });
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(test.written()).toEqual(['r1', 'r2', 'r5', 'r6']);
    const drop = errors.find((error) => error instanceof RequestLogDropError);
    expect(drop).toMatchObject({ count: 2, reason: 'queue_full' });
  });

  it.skipIf(!encoding)(
    'drops only a record the store cannot encode, reports it, and writes the rest',
    async () => {
      const log = open({ batchSize: 2 });
      for (const id of ['a', 'unencodable-1', 'b']) log.record(record(id));
      await vi.advanceTimersByTimeAsync(0);
      expect(test.batches).toEqual([['a', 'b']]);
      expect(log.stats()).toEqual({ queued: 0, written: 2, dropped: 1, failed: 0 });
      const drop = errors.find((error) => error instanceof RequestLogDropError);
      expect(drop).toMatchObject({ count: 1, reason: 'unencodable' });
      expect((drop as Error).cause).toMatchObject({ message: 'cannot encode this record' });
    },
  );

  it('keeps record() O(1) and non-throwing at gateway rates, even with the store down', async () => {
    const log = open({ batchSize: 100, maxQueue: 1_000 });
    test.failNext(Number.MAX_SAFE_INTEGER);
    const started = performance.now();
    for (let index = 0; index < 50_000; index += 1) log.record(record(`r${index}`));
    expect(performance.now() - started).toBeLessThan(500);
    expect(log.stats().queued).toBeLessThanOrEqual(1_000);
    expect(log.stats().dropped).toBe(49_000);
  });

  it('flush writes everything queued now, skipping a pending retry delay', async () => {
    const log = open({ retryBaseDelayMs: 60_000 });
    test.failNext(1);
    log.record(record('a'));
    await vi.advanceTimersByTimeAsync(1_000);
    log.record(record('b'));
    await log.flush();
    expect(test.batches).toEqual([['a'], ['b']]);
    expect(log.stats().queued).toBe(0);
  });

  it('flush rejects with the store error and keeps the records for a later retry', async () => {
    const log = open({ retryBaseDelayMs: 100 });
    test.failNext(1);
    log.record(record('a'));
    await expect(log.flush()).rejects.toThrow('disk I/O error');
    expect(log.stats().queued).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(test.batches).toEqual([['a']]);
  });

  it('close writes what is queued, then drops and counts later records', async () => {
    const log = open();
    log.record(record('a'));
    await log.close();
    expect(test.batches).toEqual([['a']]);
    log.record(record('late'));
    expect(log.stats()).toEqual({ queued: 0, written: 1, dropped: 1, failed: 0 });
    await log.flush();
    expect(test.written()).toEqual(['a']);
  });

  it('close gives up after bounded retries against a dead store and reports the loss', async () => {
    const log = open({ maxRetries: 3, retryBaseDelayMs: 10 });
    test.failNext(Number.MAX_SAFE_INTEGER);
    for (const id of ['a', 'b', 'c', 'd']) log.record(record(id));
    const closing = log.close();
    await vi.runAllTimersAsync();
    await closing;
    expect(test.attempts.length).toBeLessThanOrEqual(8);
    expect(log.stats()).toMatchObject({ queued: 0, written: 0, dropped: 4 });
    const lost = errors
      .filter((error): error is RequestLogDropError => error instanceof RequestLogDropError)
      .reduce((sum, error) => sum + error.count, 0);
    expect(lost).toBe(4);
  });

  it('prunes once at start and then every pruneIntervalMs, by retentionDays', async () => {
    const now = Date.UTC(2025, 5, 1);
    vi.setSystemTime(now);
    const log = open({ retentionDays: 7, pruneIntervalMs: 60_000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(test.pruneCutoffs).toEqual([now - 7 * 86_400_000]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(test.pruneCutoffs).toEqual([now - 7 * 86_400_000, now + 60_000 - 7 * 86_400_000]);
    await log.close();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(test.pruneCutoffs).toHaveLength(2);
  });

  it('reports a failing prune instead of throwing', async () => {
    test.store.prune = async () => {
      throw new Error('prune failed');
    };
    const log = open({ retentionDays: 1 });
    await vi.advanceTimersByTimeAsync(0);
    expect(errors.map((error) => (error as Error).message)).toContain('prune failed');
    await log.close();
  });

  it('rejects options that cannot work', () => {
    expect(() => open({ batchSize: 0 })).toThrow(/batchSize/);
    expect(() => open({ batchSize: 10, maxQueue: 5 })).toThrow(/maxQueue/);
    expect(() => open({ retentionDays: 0 })).toThrow(/retentionDays/);
  });
});

describe('installFlushOnSignals', () => {
  it('closes the log on the signal, then calls onFlushed and removes its handlers', async () => {
    const before = process.listenerCount('SIGUSR2');
    const calls: string[] = [];
    let resolveFlushed = (): void => {};
    const flushed = new Promise<void>((resolve) => {
      resolveFlushed = resolve;
    });
    installFlushOnSignals(
      {
        close: async () => {
          calls.push('close');
        },
      },
      {
        signals: ['SIGUSR2'],
        onFlushed: (signal, error) => {
          calls.push(`flushed ${signal} ${String(error)}`);
          resolveFlushed();
        },
      },
    );
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    process.emit('SIGUSR2', 'SIGUSR2');
    await flushed;
    expect(calls).toEqual(['close', 'flushed SIGUSR2 undefined']);
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });

  it('reports a close that outlives the timeout', async () => {
    let reported: unknown;
    const done = new Promise<void>((resolve) => {
      installFlushOnSignals(
        { close: () => new Promise<void>(() => {}) },
        {
          signals: ['SIGUSR2'],
          timeoutMs: 20,
          onFlushed: (_signal, error) => {
            reported = error;
            resolve();
          },
        },
      );
    });
    process.emit('SIGUSR2', 'SIGUSR2');
    await done;
    expect(String(reported)).toMatch(/did not close within 20 ms/);
  });
});
