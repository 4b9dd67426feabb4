import { describe, expect, it } from 'vitest';
import { createRollingWindow, type WindowSample } from './rolling-window.js';

function clock(start = 0) {
  let time = start;
  return {
    now: () => time,
    advance(ms: number) {
      time += ms;
    },
  };
}

const OK: WindowSample = { latencyMs: 100, ok: true, costUsd: 0.001 };

describe('createRollingWindow', () => {
  it('computes percentiles within 1% of the exact value', () => {
    const time = clock();
    const window = createRollingWindow({ windowMs: 60_000, now: time.now });
    // 1..1000 ms in a scrambled order: p50 = 500, p95 = 950, p99 = 990.
    for (let index = 0; index < 1000; index += 1) {
      window.record({ ...OK, latencyMs: ((index * 397) % 1000) + 1 });
    }
    const stats = window.stats();
    expect(stats.count).toBe(1000);
    expect(Math.abs((stats.p50LatencyMs ?? 0) - 500) / 500).toBeLessThan(0.01);
    expect(Math.abs((stats.p95LatencyMs ?? 0) - 950) / 950).toBeLessThan(0.01);
    expect(Math.abs((stats.p99LatencyMs ?? 0) - 990) / 990).toBeLessThan(0.01);
  });

  it('gives a single sample exactly as its every percentile', () => {
    const window = createRollingWindow({ windowMs: 1000, now: clock().now });
    window.record({ ...OK, latencyMs: 1234 });
    expect(window.stats()).toMatchObject({
      p50LatencyMs: 1234,
      p95LatencyMs: 1234,
      p99LatencyMs: 1234,
    });
  });

  it('has no percentiles while empty', () => {
    const window = createRollingWindow({ windowMs: 1000, now: clock().now });
    expect(window.stats()).toMatchObject({ count: 0, p95LatencyMs: null, p99LatencyMs: null });
  });

  it('sums errors, cost, contract checks and quality grades', () => {
    const window = createRollingWindow({ windowMs: 10_000, now: clock().now });
    window.record({ latencyMs: 10, ok: true, costUsd: 0.5, contractPass: true, quality: 1 });
    window.record({ latencyMs: 20, ok: false, costUsd: 0.25, contractPass: false, quality: 0 });
    window.record({ latencyMs: 30, ok: true, costUsd: 0.25, contractPass: null, quality: 0.5 });
    window.record({ latencyMs: 40, ok: true, costUsd: 0 });
    expect(window.stats()).toMatchObject({
      count: 4,
      errors: 1,
      successes: 3,
      costUsd: 1,
      contractChecked: 2,
      contractPassed: 1,
      qualityCount: 3,
      qualitySum: 1.5,
    });
  });

  it('forgets a sample exactly one window after its bucket began', () => {
    const time = clock();
    const window = createRollingWindow({ windowMs: 10_000, buckets: 10, now: time.now });
    window.record({ ...OK, latencyMs: 900 });
    time.advance(5_000);
    window.record({ ...OK, latencyMs: 100 });
    time.advance(4_999);
    expect(window.count()).toBe(2);
    expect(window.stats().p99LatencyMs).toBe(900);
    time.advance(1);
    expect(window.count()).toBe(1);
    expect(window.stats().p99LatencyMs).toBe(100);
    time.advance(5_000);
    expect(window.stats().count).toBe(0);
  });

  it('starts empty again after a gap longer than the window', () => {
    const time = clock(1_000_000);
    const window = createRollingWindow({ windowMs: 1_000, now: time.now });
    for (let index = 0; index < 50; index += 1) window.record(OK);
    time.advance(3_600_000);
    expect(window.count()).toBe(0);
    window.record({ ...OK, latencyMs: 7 });
    expect(window.stats()).toMatchObject({ count: 1, p95LatencyMs: 7 });
  });

  it('keeps writing into the newest bucket when the clock steps back', () => {
    const time = clock(50_000);
    const window = createRollingWindow({ windowMs: 10_000, now: time.now });
    window.record(OK);
    time.advance(-30_000);
    window.record(OK);
    expect(window.count()).toBe(2);
  });

  it('ignores a sample without a finite latency and clamps huge ones', () => {
    const window = createRollingWindow({ windowMs: 10_000, now: clock().now });
    window.record({ ...OK, latencyMs: Number.NaN });
    window.record({ ...OK, latencyMs: 3_600_000 });
    const stats = window.stats();
    expect(stats.count).toBe(1);
    expect(stats.p99LatencyMs).toBeGreaterThan(590_000);
  });

  it('holds a hundred thousand samples in constant memory', () => {
    const time = clock();
    const window = createRollingWindow({ windowMs: 10_000, now: time.now });
    for (let index = 0; index < 100_000; index += 1) {
      if (index > 0 && index % 1000 === 0) time.advance(99);
      window.record({ ...OK, latencyMs: index % 2000 });
    }
    // Ten buckets of 1 s; the run spans 9.8 s, so every sample is still inside the window.
    expect(window.count()).toBe(100_000);
    time.advance(5_000);
    expect(window.count()).toBeLessThan(100_000);
  });

  it('rejects a window or bucket count that cannot work', () => {
    expect(() => createRollingWindow({ windowMs: 0 })).toThrow(RangeError);
    expect(() => createRollingWindow({ windowMs: 1000, buckets: 0 })).toThrow(RangeError);
    expect(() => createRollingWindow({ windowMs: 1000, buckets: 2.5 })).toThrow(RangeError);
  });

  it('counts a late grade toward quality only, in the bucket of its arrival, until it ages out', () => {
    const time = clock();
    const window = createRollingWindow({ windowMs: 10_000, now: time.now });
    window.record({ ...OK, quality: 1 });
    time.advance(4_000);
    window.recordQuality(0.2);
    window.recordQuality(Number.NaN);
    expect(window.stats()).toMatchObject({ count: 1, qualityCount: 2 });
    expect(window.stats().qualitySum).toBeCloseTo(1.2);
    // The request (t=0) leaves the window before the grade that arrived at t=4 s.
    time.advance(7_000);
    expect(window.stats()).toMatchObject({ count: 0, qualityCount: 1, p95LatencyMs: null });
    expect(window.stats().qualitySum).toBeCloseTo(0.2);
    time.advance(4_000);
    expect(window.stats()).toMatchObject({ qualityCount: 0, qualitySum: 0 });
  });

  it('forgets everything on reset', () => {
    const window = createRollingWindow({ windowMs: 1000, now: clock().now });
    window.record(OK);
    window.reset();
    expect(window.stats().count).toBe(0);
  });
});
