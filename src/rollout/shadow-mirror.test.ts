import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createShadowMirror, type ShadowDropReason, type ShadowTask } from './shadow-mirror.js';

/** A task that runs until released, recording what it saw. */
function gatedTask(log: { started: number; running: number; peak: number; aborted: number }) {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const task: ShadowTask = async (signal) => {
    log.started += 1;
    log.running += 1;
    log.peak = Math.max(log.peak, log.running);
    try {
      await new Promise<void>((resolve, reject) => {
        void gate.then(resolve);
        signal.addEventListener('abort', () => {
          log.aborted += 1;
          reject(signal.reason);
        });
      });
    } finally {
      log.running -= 1;
    }
  };
  return { task, release: () => release() };
}

/** Let queued setImmediate starts and settled promises run (bounded). */
async function settle(turns = 5) {
  for (let turn = 0; turn < turns; turn += 1) await nextTurn();
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createShadowMirror', () => {
  it('returns before the task starts, even a task that throws synchronously', async () => {
    const mirror = createShadowMirror({ percentage: 100, maxConcurrent: 2, maxQueue: 2 });
    let started = false;
    const accepted = mirror.mirror(() => {
      started = true;
      throw new Error('sync boom');
    });
    expect(accepted).toBe(true);
    expect(started).toBe(false);
    await settle();
    expect(started).toBe(true);
    expect(mirror.stats()).toMatchObject({ running: 0, failed: 1, completed: 0 });
  });

  it('counts rejected tasks as failed and reports them without throwing', async () => {
    const errors: unknown[] = [];
    const mirror = createShadowMirror({
      percentage: 100,
      maxConcurrent: 1,
      maxQueue: 5,
      onTaskError: (error) => errors.push(error),
    });
    mirror.mirror(async () => {
      throw new Error('upstream 500');
    });
    mirror.mirror(async () => undefined);
    await settle();
    expect(mirror.stats()).toMatchObject({ failed: 1, completed: 1, running: 0, queued: 0 });
    expect(String(errors[0])).toContain('upstream 500');
  });

  it('never runs more than maxConcurrent tasks and drops past the queue bound', async () => {
    const drops: ShadowDropReason[] = [];
    const mirror = createShadowMirror({
      percentage: 100,
      maxConcurrent: 2,
      maxQueue: 3,
      onDrop: (reason) => drops.push(reason),
    });
    const log = { started: 0, running: 0, peak: 0, aborted: 0 };
    const tasks = Array.from({ length: 10 }, () => gatedTask(log));
    const accepted = tasks.map(({ task }) => mirror.mirror(task));
    expect(accepted).toEqual([true, true, true, true, true, false, false, false, false, false]);
    expect(drops).toEqual(Array(5).fill('queue-full'));

    await settle();
    expect(mirror.stats()).toEqual({ running: 2, queued: 3, dropped: 5, completed: 0, failed: 0 });
    expect(log.started).toBe(2);

    for (const { release } of tasks) release();
    await settle(20);
    expect(log.peak).toBe(2);
    expect(mirror.stats()).toEqual({ running: 0, queued: 0, dropped: 5, completed: 5, failed: 0 });
  });

  it('accepts again once a slot frees up', async () => {
    const mirror = createShadowMirror({ percentage: 100, maxConcurrent: 1, maxQueue: 0 });
    const log = { started: 0, running: 0, peak: 0, aborted: 0 };
    const first = gatedTask(log);
    expect(mirror.mirror(first.task)).toBe(true);
    expect(mirror.mirror(gatedTask(log).task)).toBe(false);
    first.release();
    await settle();
    expect(mirror.mirror(async () => undefined)).toBe(true);
  });

  it('keeps the caller fast whatever the mirror is doing', async () => {
    const mirror = createShadowMirror({ percentage: 100, maxConcurrent: 4, maxQueue: 100 });
    const log = { started: 0, running: 0, peak: 0, aborted: 0 };
    const started = performance.now();
    for (let index = 0; index < 10_000; index += 1) mirror.mirror(gatedTask(log).task);
    expect(performance.now() - started).toBeLessThan(500);
    expect(mirror.stats()).toMatchObject({ queued: 100, dropped: 10_000 - 104 });
    await mirror.close();
  });

  it('aborts a task that outlives taskTimeoutMs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const mirror = createShadowMirror({
      percentage: 100,
      maxConcurrent: 1,
      maxQueue: 1,
      taskTimeoutMs: 5_000,
    });
    const log = { started: 0, running: 0, peak: 0, aborted: 0 };
    mirror.mirror(gatedTask(log).task);
    await settle();
    vi.advanceTimersByTime(4_999);
    await settle();
    expect(log.aborted).toBe(0);
    vi.advanceTimersByTime(1);
    await settle();
    expect(log.aborted).toBe(1);
    expect(mirror.stats()).toMatchObject({ running: 0, failed: 1 });
  });

  it('aborts running tasks, drops queued ones and refuses new ones on close', async () => {
    const drops: ShadowDropReason[] = [];
    const mirror = createShadowMirror({
      percentage: 100,
      maxConcurrent: 2,
      maxQueue: 5,
      onDrop: (reason) => drops.push(reason),
    });
    const log = { started: 0, running: 0, peak: 0, aborted: 0 };
    for (let index = 0; index < 4; index += 1) mirror.mirror(gatedTask(log).task);
    await settle();
    await mirror.close();
    expect(log.aborted).toBe(2);
    expect(drops).toEqual(['closed', 'closed']);
    expect(mirror.mirror(async () => undefined)).toBe(false);
    expect(mirror.shouldMirror()).toBe(false);
    expect(mirror.stats()).toEqual({ running: 0, queued: 0, dropped: 3, completed: 0, failed: 2 });
  });

  it('stops waiting for a task that ignores its signal after the grace period', async () => {
    const mirror = createShadowMirror({ percentage: 100, maxConcurrent: 1, maxQueue: 0 });
    mirror.mirror(() => new Promise<void>(() => undefined));
    await settle();
    const started = performance.now();
    await mirror.close(20);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('mirrors the configured share of requests', () => {
    const draws = [0.0, 0.1, 0.29, 0.3, 0.5, 0.99];
    let next = 0;
    const mirror = createShadowMirror({
      percentage: 30,
      maxConcurrent: 1,
      maxQueue: 0,
      random: () => draws[next++] ?? 1,
    });
    expect(draws.map(() => mirror.shouldMirror())).toEqual([true, true, true, false, false, false]);
    const none = createShadowMirror({
      percentage: 0,
      maxConcurrent: 1,
      maxQueue: 0,
      random: () => 0,
    });
    expect(none.shouldMirror()).toBe(false);
  });

  it('rejects bounds that cannot work', () => {
    expect(() => createShadowMirror({ percentage: 101, maxConcurrent: 1, maxQueue: 0 })).toThrow(
      RangeError,
    );
    expect(() => createShadowMirror({ percentage: 10, maxConcurrent: 0, maxQueue: 0 })).toThrow(
      /maxConcurrent/,
    );
    expect(() => createShadowMirror({ percentage: 10, maxConcurrent: 1, maxQueue: -1 })).toThrow(
      /maxQueue/,
    );
  });
});
