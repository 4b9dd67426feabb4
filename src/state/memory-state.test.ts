import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryState } from './memory-state.js';
import { runSharedStateConformance } from './shared-state.case.js';

runSharedStateConformance('memory', async () => {
  const state = createMemoryState();
  return { state, close: () => state.close() };
});

describe('createMemoryState', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rolls windows over exactly at multiples of windowMs on the injected clock', async () => {
    let now = 999;
    const state = createMemoryState({ now: () => now });
    expect(await state.addToWindow('requests', 1, 1_000)).toBe(1);
    expect(await state.addToWindow('requests', 1, 1_000)).toBe(2);
    now = 1_000;
    expect(await state.readWindow('requests', 1_000)).toBe(0);
    expect(await state.addToWindow('requests', 1, 1_000)).toBe(1);
    now = 1_999;
    expect(await state.readWindow('requests', 1_000)).toBe(1);
    await state.close();
  });

  it('expires values and holds on the injected clock, at the exact millisecond', async () => {
    let now = 0;
    const state = createMemoryState({ now: () => now });
    await state.set('kill-switch', 'on', 500);
    expect(await state.tryAcquire('slots', 1, 500)).not.toBeNull();
    now = 499;
    expect(await state.get('kill-switch')).toBe('on');
    expect(await state.tryAcquire('slots', 1, 500)).toBeNull();
    now = 500;
    expect(await state.get('kill-switch')).toBeNull();
    expect(await state.tryAcquire('slots', 1, 500)).not.toBeNull();
    await state.close();
  });

  it('sweeps expired entries periodically, so keys that are never read again do not leak', async () => {
    vi.useFakeTimers();
    const state = createMemoryState({ now: () => Date.now(), sweepIntervalMs: 1_000 });
    await state.set('cache:abc', 'answer', 500);
    await state.set('kill-switch', 'on');
    await state.addToWindow('requests', 1, 200);
    await state.tryAcquire('slots', 3, 500);
    await state.pushEvent('audit', 'reload', 10);
    expect(state.entryCount()).toBe(5);
    vi.advanceTimersByTime(999);
    expect(state.entryCount()).toBe(5);
    vi.advanceTimersByTime(1);
    // The value without ttl and the event list stay; everything with an expiry is gone.
    expect(state.entryCount()).toBe(2);
    await state.close();
  });

  it('trims the event list in batches but never shows more than maxLength', async () => {
    const state = createMemoryState();
    for (let index = 1; index <= 25; index++) await state.pushEvent('audit', String(index), 4);
    expect(await state.readEvents('audit', 100)).toEqual(['22', '23', '24', '25']);
    await state.pushEvent('audit', '26', 2);
    expect(await state.readEvents('audit', 100)).toEqual(['25', '26']);
    await state.close();
  });
});
