import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Admission, createAdmissionQueue } from './admission-queue.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

function admitted(admission: Admission): Extract<Admission, { admitted: true }> {
  if (!admission.admitted) throw new Error(`expected admission, got ${admission.reason}`);
  return admission;
}

/** Start an admit() and record when and how it settles, without awaiting it. */
function track(promise: Promise<Admission>) {
  const tracked: { result: Admission | null } = { result: null };
  void promise.then((admission) => {
    tracked.result = admission;
  });
  return tracked;
}

describe('createAdmissionQueue', () => {
  it('admits up to maxConcurrent at once without waiting', async () => {
    const queue = createAdmissionQueue({ maxConcurrent: 2, maxQueue: 5, maxWaitMs: 1_000 });
    admitted(await queue.admit());
    admitted(await queue.admit());
    expect(queue.stats()).toEqual({
      active: 2,
      queued: 0,
      shed: 0,
      shedQueueFull: 0,
      shedQueueTimeout: 0,
    });
  });

  it('hands freed slots to waiters first in, first out', async () => {
    const queue = createAdmissionQueue({ maxConcurrent: 1, maxQueue: 3, maxWaitMs: 1_000 });
    const running = admitted(await queue.admit());
    const order: string[] = [];
    const waiters = ['a', 'b', 'c'].map((name) =>
      queue.admit().then((admission) => {
        order.push(name);
        return admitted(admission);
      }),
    );
    expect(queue.stats()).toMatchObject({ active: 1, queued: 3 });
    running.release();
    const first = await waiters[0];
    expect(order).toEqual(['a']);
    expect(queue.stats()).toMatchObject({ active: 1, queued: 2 });
    first?.release();
    (await waiters[1])?.release();
    (await waiters[2])?.release();
    expect(order).toEqual(['a', 'b', 'c']);
    expect(queue.stats()).toMatchObject({ active: 0, queued: 0, shed: 0 });
  });

  it('does not let a newcomer overtake the line while a slot changes hands', async () => {
    const queue = createAdmissionQueue({ maxConcurrent: 1, maxQueue: 1, maxWaitMs: 1_000 });
    const running = admitted(await queue.admit());
    const waiter = track(queue.admit());
    running.release();
    const newcomer = track(queue.admit());
    await Promise.resolve();
    expect(waiter.result?.admitted).toBe(true);
    expect(newcomer.result).toBeNull();
    expect(queue.stats()).toMatchObject({ active: 1, queued: 1 });
  });

  it('sheds at once when the queue is full', async () => {
    const queue = createAdmissionQueue({ maxConcurrent: 1, maxQueue: 1, maxWaitMs: 1_000 });
    admitted(await queue.admit());
    track(queue.admit());
    expect(await queue.admit()).toEqual({ admitted: false, reason: 'queue_full' });
    expect(vi.getTimerCount()).toBe(1);
    expect(queue.stats()).toMatchObject({ active: 1, queued: 1, shed: 1, shedQueueFull: 1 });
  });

  it('sheds every request that finds no free slot when maxQueue is 0', async () => {
    const queue = createAdmissionQueue({ maxConcurrent: 1, maxQueue: 0, maxWaitMs: 1_000 });
    admitted(await queue.admit());
    expect(await queue.admit()).toEqual({ admitted: false, reason: 'queue_full' });
  });

  it('sheds a waiter exactly when its wait passes maxWaitMs', async () => {
    const queue = createAdmissionQueue({ maxConcurrent: 1, maxQueue: 2, maxWaitMs: 500 });
    admitted(await queue.admit());
    const waiter = track(queue.admit());
    await vi.advanceTimersByTimeAsync(499);
    expect(waiter.result).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(waiter.result).toEqual({ admitted: false, reason: 'queue_timeout' });
    expect(queue.stats()).toMatchObject({
      active: 1,
      queued: 0,
      shed: 1,
      shedQueueTimeout: 1,
      shedQueueFull: 0,
    });
  });

  it('keeps the line in order after a waiter in the middle times out or leaves', async () => {
    const queue = createAdmissionQueue({ maxConcurrent: 1, maxQueue: 3, maxWaitMs: 1_000 });
    const running = admitted(await queue.admit());
    const first = track(queue.admit());
    await vi.advanceTimersByTimeAsync(400);
    const controller = new AbortController();
    const middle = track(queue.admit(controller.signal));
    const last = track(queue.admit());
    controller.abort();
    await Promise.resolve();
    expect(middle.result).toEqual({ admitted: false, reason: 'aborted' });
    await vi.advanceTimersByTimeAsync(600);
    expect(first.result).toEqual({ admitted: false, reason: 'queue_timeout' });
    expect(queue.stats()).toMatchObject({ queued: 1, shed: 1 });
    running.release();
    await Promise.resolve();
    expect(last.result?.admitted).toBe(true);
  });

  it('answers an abort while queued at once, without counting it as shed', async () => {
    const queue = createAdmissionQueue({ maxConcurrent: 1, maxQueue: 2, maxWaitMs: 60_000 });
    admitted(await queue.admit());
    const controller = new AbortController();
    const pending = queue.admit(controller.signal);
    expect(queue.stats().queued).toBe(1);
    controller.abort();
    expect(await pending).toEqual({ admitted: false, reason: 'aborted' });
    expect(queue.stats()).toMatchObject({ active: 1, queued: 0, shed: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refuses an already aborted request without queueing it', async () => {
    const queue = createAdmissionQueue({ maxConcurrent: 1, maxQueue: 2, maxWaitMs: 1_000 });
    expect(await queue.admit(AbortSignal.abort())).toEqual({ admitted: false, reason: 'aborted' });
    expect(queue.stats()).toMatchObject({ active: 0, queued: 0, shed: 0 });
  });

  it('clears the wait timer and abort listener of an admitted waiter', async () => {
    const queue = createAdmissionQueue({ maxConcurrent: 1, maxQueue: 1, maxWaitMs: 1_000 });
    const running = admitted(await queue.admit());
    const controller = new AbortController();
    const pending = queue.admit(controller.signal);
    expect(vi.getTimerCount()).toBe(1);
    running.release();
    const waiter = admitted(await pending);
    expect(vi.getTimerCount()).toBe(0);
    controller.abort();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(queue.stats()).toMatchObject({ active: 1, queued: 0, shed: 0 });
    waiter.release();
    expect(queue.stats().active).toBe(0);
  });

  it('frees a slot once however often release() is called', async () => {
    const queue = createAdmissionQueue({ maxConcurrent: 2, maxQueue: 0, maxWaitMs: 1_000 });
    const first = admitted(await queue.admit());
    admitted(await queue.admit());
    first.release();
    first.release();
    expect(queue.stats().active).toBe(1);
  });

  it('admits waiters at once when reconfigured with more slots', async () => {
    const queue = createAdmissionQueue({ maxConcurrent: 1, maxQueue: 5, maxWaitMs: 1_000 });
    admitted(await queue.admit());
    const waiters = [track(queue.admit()), track(queue.admit()), track(queue.admit())];
    queue.reconfigure({ maxConcurrent: 3, maxQueue: 5, maxWaitMs: 1_000 });
    await Promise.resolve();
    expect(waiters.map((waiter) => waiter.result?.admitted ?? null)).toEqual([true, true, null]);
    expect(queue.stats()).toMatchObject({ active: 3, queued: 1 });
  });

  it('serves a long line of waiters in arrival order', async () => {
    const queue = createAdmissionQueue({ maxConcurrent: 1, maxQueue: 10_000, maxWaitMs: 60_000 });
    let running = admitted(await queue.admit());
    const served: number[] = [];
    const pending = Array.from({ length: 10_000 }, (_, index) =>
      queue.admit().then((admission) => {
        served.push(index);
        return admission;
      }),
    );
    for (const next of pending) {
      running.release();
      running = admitted(await next);
    }
    running.release();
    expect(served).toEqual(Array.from({ length: 10_000 }, (_, index) => index));
    expect(queue.stats()).toMatchObject({ active: 0, queued: 0, shed: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    [{ maxConcurrent: 0, maxQueue: 1, maxWaitMs: 1 }, 'maxConcurrent'],
    [{ maxConcurrent: 1, maxQueue: -1, maxWaitMs: 1 }, 'maxQueue'],
    [{ maxConcurrent: 1, maxQueue: 1, maxWaitMs: Number.NaN }, 'maxWaitMs'],
  ])('refuses the bounds %o', (bounds, message) => {
    expect(() => createAdmissionQueue(bounds)).toThrow(message);
  });
});
