import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sleep } from './sleep.js';

/** Follow a promise's settlement without awaiting it. */
function track(promise: Promise<void>) {
  const outcome: { state: 'pending' | 'resolved' | 'rejected'; reason?: unknown } = {
    state: 'pending',
  };
  promise.then(
    () => {
      outcome.state = 'resolved';
    },
    (reason: unknown) => {
      outcome.state = 'rejected';
      outcome.reason = reason;
    },
  );
  return outcome;
}

describe('sleep', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves after the delay and not before', async () => {
    const outcome = track(sleep(500));
    await vi.advanceTimersByTimeAsync(499);
    expect(outcome.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome.state).toBe('resolved');
  });

  it('rejects with the abort reason as soon as the signal aborts and clears its timer', async () => {
    const controller = new AbortController();
    const outcome = track(sleep(60_000, controller.signal));
    await vi.advanceTimersByTimeAsync(10);
    expect(vi.getTimerCount()).toBe(1);
    const reason = new Error('client went away');
    controller.abort(reason);
    await Promise.resolve();
    expect(outcome).toEqual({ state: 'rejected', reason });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once without a timer when the signal is already aborted', async () => {
    const reason = new Error('already gone');
    const outcome = track(sleep(1_000, AbortSignal.abort(reason)));
    expect(vi.getTimerCount()).toBe(0);
    await Promise.resolve();
    expect(outcome).toEqual({ state: 'rejected', reason });
  });

  it('stops listening to the signal once it has resolved', async () => {
    const controller = new AbortController();
    const outcome = track(sleep(100, controller.signal));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(outcome.state).toBe('resolved');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    controller.abort(new Error('late'));
    await Promise.resolve();
    expect(outcome.state).toBe('resolved');
  });
});
