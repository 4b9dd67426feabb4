import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UpstreamError } from '../core/switchyard-error.js';
import { createAttemptSignal } from './attempt-signal.js';

describe('createAttemptSignal', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts with the parent reason when the parent aborts, and clears its timer', () => {
    const parent = new AbortController();
    const attempt = createAttemptSignal(parent.signal, 5_000);
    expect(vi.getTimerCount()).toBe(1);
    const reason = new Error('client closed');
    parent.abort(reason);
    expect(attempt.signal.aborted).toBe(true);
    expect(attempt.signal.reason).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('aborts with a timeout error after totalMs and not before', () => {
    const parent = new AbortController();
    const attempt = createAttemptSignal(parent.signal, 5_000);
    vi.advanceTimersByTime(4_999);
    expect(attempt.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(attempt.signal.aborted).toBe(true);
    expect(attempt.signal.reason).toBeInstanceOf(UpstreamError);
    expect((attempt.signal.reason as UpstreamError).errorClass).toBe('timeout');
    expect(parent.signal.aborted).toBe(false);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
  });

  it('clears its timer and detaches from the parent on dispose', () => {
    const parent = new AbortController();
    const attempt = createAttemptSignal(parent.signal, 5_000);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
    attempt.dispose();
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    vi.advanceTimersByTime(10_000);
    parent.abort(new Error('later'));
    expect(attempt.signal.aborted).toBe(false);
  });

  it('aborts only the attempt on abort(reason)', () => {
    const parent = new AbortController();
    const attempt = createAttemptSignal(parent.signal, 5_000);
    const reason = new UpstreamError({ errorClass: 'stream_stall', message: 'silent' });
    attempt.abort(reason);
    expect(attempt.signal.reason).toBe(reason);
    expect(parent.signal.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(0);
    attempt.abort(new Error('second'));
    expect(attempt.signal.reason).toBe(reason);
  });

  it('starts aborted, without a timer, when the parent already is', () => {
    const reason = new Error('deadline passed');
    const attempt = createAttemptSignal(AbortSignal.abort(reason), 5_000);
    expect(attempt.signal.aborted).toBe(true);
    expect(attempt.signal.reason).toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sets no timer for an unbounded attempt', () => {
    const parent = new AbortController();
    const attempt = createAttemptSignal(parent.signal, Number.POSITIVE_INFINITY);
    expect(vi.getTimerCount()).toBe(0);
    parent.abort(new Error('bye'));
    expect(attempt.signal.aborted).toBe(true);
  });

  it('clamps a delay beyond what setTimeout can take instead of firing at once', () => {
    const attempt = createAttemptSignal(new AbortController().signal, 2 ** 31);
    vi.advanceTimersByTime(2 ** 31 - 2);
    expect(attempt.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(attempt.signal.aborted).toBe(true);
  });

  it('times out on the next timer turn for a negative totalMs, never synchronously', () => {
    const attempt = createAttemptSignal(new AbortController().signal, -5);
    expect(attempt.signal.aborted).toBe(false);
    vi.advanceTimersByTime(0);
    expect(attempt.signal.aborted).toBe(true);
  });
});
