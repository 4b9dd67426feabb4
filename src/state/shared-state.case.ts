import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SharedState, windowIndex } from './shared-state.js';
import { SharedStateError } from './shared-state-error.js';

/** A store under test and how to dispose of whatever backs it. */
export interface SharedStateUnderTest {
  state: SharedState;
  close(): Promise<void>;
}

/** A window so long (ten years) that no test run crosses a boundary. */
const LONG_WINDOW_MS = 10 * 365 * 24 * 3_600_000;
/** Short real windows for roll-over; long enough that two calls land in one window. */
const SHORT_WINDOW_MS = 300;

/** Sleep until just after the next window boundary (at most one window). */
async function waitForNextWindow(windowMs: number): Promise<void> {
  await sleep(windowMs - (Date.now() % windowMs) + 5);
}

/**
 * The behaviour every SharedState must show, run with real time (short windows and TTLs, bounded
 * waits) so the same tests hold for a store whose clock is another process. Each implementation
 * calls this from its own test file with a factory for a fresh, empty store.
 */
export function runSharedStateConformance(
  name: string,
  factory: () => Promise<SharedStateUnderTest>,
): void {
  describe(`${name} (SharedState conformance)`, () => {
    let underTest: SharedStateUnderTest;
    let state: SharedState;

    beforeEach(async () => {
      underTest = await factory();
      state = underTest.state;
    });

    afterEach(async () => {
      await underTest.close();
    });

    it('adds to a window and returns the running total', async () => {
      expect(await state.addToWindow('spend', 0.25, LONG_WINDOW_MS)).toBe(0.25);
      expect(await state.addToWindow('spend', 0.5, LONG_WINDOW_MS)).toBe(0.75);
      expect(await state.readWindow('spend', LONG_WINDOW_MS)).toBe(0.75);
    });

    it('reads 0 for a window nothing was added to, and keeps keys apart', async () => {
      expect(await state.readWindow('spend', LONG_WINDOW_MS)).toBe(0);
      await state.addToWindow('spend:route-a', 2, LONG_WINDOW_MS);
      await state.addToWindow('spend:route-b', -0.5, LONG_WINDOW_MS);
      expect(await state.readWindow('spend:route-a', LONG_WINDOW_MS)).toBe(2);
      expect(await state.readWindow('spend:route-b', LONG_WINDOW_MS)).toBe(-0.5);
    });

    it('starts a fresh total when the window rolls over', async () => {
      await waitForNextWindow(SHORT_WINDOW_MS);
      const started = windowIndex(Date.now(), SHORT_WINDOW_MS);
      expect(await state.addToWindow('requests', 3, SHORT_WINDOW_MS)).toBe(3);
      expect(await state.readWindow('requests', SHORT_WINDOW_MS)).toBe(3);
      // Guards the assertions above: both calls must have landed in the window they meant.
      expect(windowIndex(Date.now(), SHORT_WINDOW_MS)).toBe(started);
      await waitForNextWindow(SHORT_WINDOW_MS);
      expect(await state.readWindow('requests', SHORT_WINDOW_MS)).toBe(0);
      expect(await state.addToWindow('requests', 1, SHORT_WINDOW_MS)).toBe(1);
    });

    it('sums 200 parallel increments exactly, each seeing a distinct total', async () => {
      const totals = await Promise.all(
        Array.from({ length: 200 }, () => state.addToWindow('hits', 1, LONG_WINDOW_MS)),
      );
      expect(totals.sort((left, right) => left - right)).toEqual(
        Array.from({ length: 200 }, (_, index) => index + 1),
      );
      expect(await state.readWindow('hits', LONG_WINDOW_MS)).toBe(200);
    });

    it('grants exactly `limit` holds to 50 parallel acquirers', async () => {
      const holds = await Promise.all(
        Array.from({ length: 50 }, () => state.tryAcquire('slots', 5, 60_000)),
      );
      const granted = holds.filter((hold) => hold !== null);
      expect(granted).toHaveLength(5);
      expect(new Set(granted).size).toBe(5);
      expect(await state.tryAcquire('slots', 5, 60_000)).toBeNull();
    });

    it('frees a slot on release, and ignores unknown holds', async () => {
      const first = await state.tryAcquire('slots', 2, 60_000);
      const second = await state.tryAcquire('slots', 2, 60_000);
      expect(first).not.toBeNull();
      expect(second).not.toBeNull();
      expect(await state.tryAcquire('slots', 2, 60_000)).toBeNull();
      await state.release('slots', 'no-such-hold');
      await state.release('other-slots', first as string);
      expect(await state.tryAcquire('slots', 2, 60_000)).toBeNull();
      await state.release('slots', first as string);
      expect(await state.tryAcquire('slots', 2, 60_000)).not.toBeNull();
    });

    it('keeps semaphores apart by key, and a zero limit grants nothing', async () => {
      expect(await state.tryAcquire('target-a', 1, 60_000)).not.toBeNull();
      expect(await state.tryAcquire('target-b', 1, 60_000)).not.toBeNull();
      expect(await state.tryAcquire('target-a', 1, 60_000)).toBeNull();
      expect(await state.tryAcquire('target-c', 0, 60_000)).toBeNull();
    });

    it('expires a hold after its ttl so a leaked slot comes back', async () => {
      expect(await state.tryAcquire('leaky', 1, 100)).not.toBeNull();
      expect(await state.tryAcquire('leaky', 1, 100)).toBeNull();
      await sleep(150);
      expect(await state.tryAcquire('leaky', 1, 100)).not.toBeNull();
    });

    it('gets, overwrites and deletes values', async () => {
      expect(await state.get('kill-switch')).toBeNull();
      await state.set('kill-switch', 'on');
      expect(await state.get('kill-switch')).toBe('on');
      await state.set('kill-switch', 'off');
      expect(await state.get('kill-switch')).toBe('off');
      await state.delete('kill-switch');
      expect(await state.get('kill-switch')).toBeNull();
      await state.delete('kill-switch');
    });

    it('expires a value after its ttl, and a later set without ttl clears the expiry', async () => {
      await state.set('breaker:a', 'open', 100);
      await state.set('breaker:b', 'open', 100);
      await state.set('breaker:b', 'open');
      expect(await state.get('breaker:a')).toBe('open');
      await sleep(150);
      expect(await state.get('breaker:a')).toBeNull();
      expect(await state.get('breaker:b')).toBe('open');
    });

    it('keeps the newest maxLength events, newest last', async () => {
      for (const value of ['1', '2', '3', '4', '5']) await state.pushEvent('audit', value, 3);
      expect(await state.readEvents('audit', 10)).toEqual(['3', '4', '5']);
      expect(await state.readEvents('audit', 2)).toEqual(['4', '5']);
      expect(await state.readEvents('audit', 0)).toEqual([]);
      expect(await state.readEvents('no-events', 10)).toEqual([]);
    });

    it('rejects arguments that make no sense', async () => {
      await expect(state.addToWindow('spend', 1, 0)).rejects.toThrow(SharedStateError);
      await expect(state.addToWindow('spend', Number.NaN, 1_000)).rejects.toThrow(/amount/);
      await expect(state.tryAcquire('slots', -1, 1_000)).rejects.toThrow(/limit/);
      await expect(state.tryAcquire('slots', 1, 0)).rejects.toThrow(/ttlMs/);
      await expect(state.pushEvent('audit', 'x', 0)).rejects.toThrow(/maxLength/);
    });

    it('rejects calls after close, and closes twice without error', async () => {
      await state.close();
      await expect(state.get('kill-switch')).rejects.toThrow(SharedStateError);
      await expect(state.addToWindow('spend', 1, 1_000)).rejects.toThrow(/closed/);
      await state.close();
    });
  });
}
