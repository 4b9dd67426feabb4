import { describe, expect, it } from 'vitest';
import { createDispatchClock } from './dispatch-clock.js';

function wakeLateness(
  clock: ReturnType<typeof createDispatchClock>,
  inMs: number,
): Promise<number> {
  return new Promise((resolve) => {
    const at = clock.now() + inMs;
    clock.wakeAt(at, () => resolve(clock.now() - at));
  });
}

describe('createDispatchClock (real timers, loose bounds)', () => {
  it.each([
    { name: 'polling with short sleeps', options: {} },
    { name: 'busy polling', options: { pollSleepMs: 0 } },
    { name: 'timers only', options: { spinMs: 0 } },
  ])('never wakes early and wakes soon after the due time: $name', async ({ options }) => {
    const clock = createDispatchClock(options);
    for (const inMs of [0, 0.3, 3, 12]) {
      const lateness = await wakeLateness(clock, inMs);
      expect(lateness).toBeGreaterThanOrEqual(0);
      // Generous: a loaded CI machine can deschedule the process for tens of ms.
      expect(lateness).toBeLessThan(100);
    }
  });

  it('does not call back synchronously even when already due', () => {
    const clock = createDispatchClock();
    let called = false;
    const cancel = clock.wakeAt(clock.now() - 5, () => {
      called = true;
    });
    expect(called).toBe(false);
    cancel();
  });

  it('does not call back once cancelled', async () => {
    const clock = createDispatchClock();
    let called = false;
    const cancel = clock.wakeAt(clock.now() + 3, () => {
      called = true;
    });
    cancel();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(called).toBe(false);
  });
});
