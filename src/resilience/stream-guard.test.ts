import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UpstreamError } from '../core/switchyard-error.js';
import { type GuardStreamOptions, guardStream, type StreamTimeoutKind } from './stream-guard.js';

type Step<T> = { kind: 'item'; value: T } | { kind: 'end' } | { kind: 'error'; error: unknown };

/** A source the test feeds by hand; it records how it was driven. */
function createManualSource<T>() {
  const queued: Step<T>[] = [];
  let waiter: { resolve(result: IteratorResult<T>): void; reject(error: unknown): void } | null =
    null;
  const calls = { next: 0, return: 0 };

  const deliver = (step: Step<T>, target: NonNullable<typeof waiter>): void => {
    if (step.kind === 'item') target.resolve({ done: false, value: step.value });
    else if (step.kind === 'end') target.resolve({ done: true, value: undefined });
    else target.reject(step.error);
  };
  const feed = (step: Step<T>): void => {
    if (waiter === null) {
      queued.push(step);
      return;
    }
    const target = waiter;
    waiter = null;
    deliver(step, target);
  };

  const iterator: AsyncIterator<T> = {
    next() {
      calls.next += 1;
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        const step = queued.shift();
        if (step === undefined) waiter = { resolve, reject };
        else deliver(step, { resolve, reject });
      });
    },
    return() {
      calls.return += 1;
      return Promise.resolve({ done: true, value: undefined });
    },
  };

  return {
    source: { [Symbol.asyncIterator]: () => iterator } as AsyncIterable<T>,
    calls,
    push: (value: T) => feed({ kind: 'item', value }),
    end: () => feed({ kind: 'end' }),
    fail: (error: unknown) => feed({ kind: 'error', error }),
  };
}

/** Drain an iterable in the background, recording what came out. */
function consume<T>(iterable: AsyncIterable<T>) {
  const state: { items: T[]; done: boolean; error: unknown; finished?: Promise<void> } = {
    items: [],
    done: false,
    error: undefined,
  };
  state.finished = (async () => {
    try {
      for await (const item of iterable) state.items.push(item);
      state.done = true;
    } catch (error) {
      state.error = error;
    }
  })();
  return state;
}

/** Let pending promise callbacks run without moving the clock. */
const flush = () => vi.advanceTimersByTimeAsync(0);

function createOptions<T>(overrides: Partial<GuardStreamOptions<T>> = {}) {
  const timeouts: StreamTimeoutKind[] = [];
  const options: GuardStreamOptions<T> = {
    firstItemTimeoutMs: 1_000,
    idleTimeoutMs: 500,
    onTimeout: (kind) => timeouts.push(kind),
    ...overrides,
  };
  return { options, timeouts };
}

describe('guardStream', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes every item through and completes normally', async () => {
    const manual = createManualSource<string>();
    const { options, timeouts } = createOptions<string>();
    const consumer = consume(guardStream(manual.source, options));
    for (const item of ['a', 'b', 'c']) {
      await vi.advanceTimersByTimeAsync(400);
      manual.push(item);
    }
    await vi.advanceTimersByTimeAsync(400);
    manual.end();
    await consumer.finished;
    expect(consumer).toMatchObject({ items: ['a', 'b', 'c'], done: true, error: undefined });
    expect(timeouts).toEqual([]);
    expect(manual.calls.return).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('raises ttft_timeout when the first item is late, and releases the source', async () => {
    const manual = createManualSource<string>();
    const { options, timeouts } = createOptions<string>();
    const consumer = consume(guardStream(manual.source, options));
    await vi.advanceTimersByTimeAsync(999);
    expect(consumer.error).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(consumer.error).toBeInstanceOf(UpstreamError);
    expect((consumer.error as UpstreamError).errorClass).toBe('ttft_timeout');
    expect(timeouts).toEqual(['ttft_timeout']);
    expect(manual.calls.return).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts only content items against the first-item timeout', async () => {
    const manual = createManualSource<{ content: string }>();
    const { options, timeouts } = createOptions<{ content: string }>({
      isContent: (item) => item.content !== '',
    });
    const consumer = consume(guardStream(manual.source, options));
    await vi.advanceTimersByTimeAsync(200);
    manual.push({ content: '' });
    await vi.advanceTimersByTimeAsync(700);
    manual.push({ content: '' });
    await vi.advanceTimersByTimeAsync(99);
    expect(consumer.error).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(consumer.items).toEqual([{ content: '' }, { content: '' }]);
    expect((consumer.error as UpstreamError).errorClass).toBe('ttft_timeout');
    expect(timeouts).toEqual(['ttft_timeout']);
  });

  it('raises stream_stall when the gap between items exceeds idleTimeoutMs', async () => {
    const manual = createManualSource<number>();
    const { options, timeouts } = createOptions<number>();
    const consumer = consume(guardStream(manual.source, options));
    await vi.advanceTimersByTimeAsync(100);
    manual.push(1);
    await vi.advanceTimersByTimeAsync(499);
    manual.push(2);
    await vi.advanceTimersByTimeAsync(499);
    expect(consumer.error).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(consumer.items).toEqual([1, 2]);
    expect(consumer.error).toBeInstanceOf(UpstreamError);
    expect((consumer.error as UpstreamError).errorClass).toBe('stream_stall');
    expect(timeouts).toEqual(['stream_stall']);
    expect(manual.calls.return).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('switches to a shorter idle timeout once content has started', async () => {
    const manual = createManualSource<number>();
    const { options } = createOptions<number>({ firstItemTimeoutMs: 10_000, idleTimeoutMs: 1_000 });
    const consumer = consume(guardStream(manual.source, options));
    await vi.advanceTimersByTimeAsync(100);
    manual.push(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(consumer.error).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect((consumer.error as UpstreamError).errorClass).toBe('stream_stall');
  });

  it('keeps a steady stream alive with about one timer per idle period, not one per item', async () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const manual = createManualSource<number>();
    const { options, timeouts } = createOptions<number>();
    const consumer = consume(guardStream(manual.source, options));
    for (let item = 0; item < 200; item += 1) {
      await vi.advanceTimersByTimeAsync(50);
      manual.push(item);
      expect(vi.getTimerCount()).toBeLessThanOrEqual(1);
    }
    manual.end();
    await consumer.finished;
    expect(consumer.items).toHaveLength(200);
    expect(consumer.done).toBe(true);
    expect(timeouts).toEqual([]);
    // 10 s of streaming with a 500 ms idle timeout: about 20 re-arms, against 200 items.
    expect(setTimeoutSpy.mock.calls.length).toBeGreaterThan(0);
    expect(setTimeoutSpy.mock.calls.length).toBeLessThanOrEqual(25);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('releases the source and its timer when the consumer stops early', async () => {
    const manual = createManualSource<number>();
    const { options, timeouts } = createOptions<number>();
    const guarded = guardStream(manual.source, options);
    manual.push(1);
    manual.push(2);
    const seen: number[] = [];
    for await (const item of guarded) {
      seen.push(item);
      break;
    }
    expect(seen).toEqual([1]);
    expect(manual.calls.return).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(timeouts).toEqual([]);
    await expect(guarded.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it('passes a source error through unchanged and clears its timer', async () => {
    const manual = createManualSource<number>();
    const { options, timeouts } = createOptions<number>();
    const consumer = consume(guardStream(manual.source, options));
    await vi.advanceTimersByTimeAsync(100);
    manual.push(1);
    await flush();
    const failure = new UpstreamError({ errorClass: 'stream_truncated', message: 'cut' });
    manual.fail(failure);
    await consumer.finished;
    expect(consumer.items).toEqual([1]);
    expect(consumer.error).toBe(failure);
    expect(timeouts).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops an item that arrives after the timeout', async () => {
    const manual = createManualSource<number>();
    const { options } = createOptions<number>();
    const guarded = guardStream(manual.source, options);
    const first = guarded.next();
    const rejection = expect(first).rejects.toMatchObject({ errorClass: 'ttft_timeout' });
    await vi.advanceTimersByTimeAsync(1_000);
    await rejection;
    manual.push(7);
    await flush();
    await expect(guarded.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it('times out a source stuck on a read that never settles', async () => {
    async function* stuck(): AsyncGenerator<number> {
      await new Promise<never>(() => {});
      yield 1;
    }
    const { options, timeouts } = createOptions<number>();
    const consumer = consume(guardStream(stuck(), options));
    await vi.advanceTimersByTimeAsync(1_000);
    expect((consumer.error as UpstreamError).errorClass).toBe('ttft_timeout');
    expect(timeouts).toEqual(['ttft_timeout']);
  });

  it('still raises the timeout when onTimeout throws, with that error as the cause', async () => {
    const manual = createManualSource<number>();
    const hookError = new Error('abort failed');
    const consumer = consume(
      guardStream(manual.source, {
        firstItemTimeoutMs: 100,
        idleTimeoutMs: 100,
        onTimeout: () => {
          throw hookError;
        },
      }),
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(consumer.error).toMatchObject({ errorClass: 'ttft_timeout', cause: hookError });
    expect(manual.calls.return).toBe(1);
  });

  it('fails the stream and releases the source when isContent throws', async () => {
    const manual = createManualSource<number>();
    const bug = new Error('bad predicate');
    const { options, timeouts } = createOptions<number>({
      isContent: () => {
        throw bug;
      },
    });
    const consumer = consume(guardStream(manual.source, options));
    manual.push(1);
    await consumer.finished;
    expect(consumer.error).toBe(bug);
    expect(manual.calls.return).toBe(1);
    expect(timeouts).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
