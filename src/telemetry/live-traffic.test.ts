import { describe, expect, it } from 'vitest';
import { makeRequestRecord } from './__fixtures__/request-records.js';
import { createLiveTraffic } from './live-traffic.js';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

function clock(start: number) {
  let time = start;
  return {
    now: () => time,
    advance(ms: number) {
      time += ms;
    },
  };
}

describe('createLiveTraffic', () => {
  it('reports rate, error rate, percentiles and cost per minute per route and target', () => {
    const time = clock(T0 + 59_999);
    const live = createLiveTraffic({ now: time.now });
    for (let index = 0; index < 100; index += 1) {
      live.observe(
        makeRequestRecord({
          ts: T0 + index * 500,
          route: 'chat',
          servedTarget: 'small',
          status: index % 10 === 0 ? 502 : 200,
          errorCode: index % 10 === 0 ? 'all_targets_failed' : null,
          latencyMs: index + 1,
          costUsd: 0.001,
        }),
      );
    }
    live.observe(makeRequestRecord({ ts: T0, route: 'chat', servedTarget: 'big', latencyMs: 7 }));
    const { rows } = live.snapshot();
    expect(rows.map((row) => `${row.route}/${row.target}`)).toEqual(['chat/small', 'chat/big']);
    const small = rows[0];
    expect(small?.requests).toBe(100);
    expect(small?.requestsPerSecond).toBeCloseTo(100 / 60);
    expect(small?.errorRate).toBeCloseTo(0.1);
    expect(small?.p50Ms).toBe(50);
    expect(small?.p95Ms).toBe(95);
    expect(small?.costPerMinuteUsd).toBeCloseTo(0.1);
    // 100 requests two per second over 50 s: ten per 5-second bucket, none in the last two.
    expect(small?.series).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 0, 0]);
  });

  it('forgets seconds that left the window', () => {
    const time = clock(T0);
    const live = createLiveTraffic({ now: time.now, windowSeconds: 10, seriesBucketSeconds: 5 });
    live.observe(makeRequestRecord({ ts: T0, route: 'chat', servedTarget: 'small' }));
    expect(live.snapshot().rows).toHaveLength(1);
    time.advance(10_000);
    expect(live.snapshot().rows).toHaveLength(0);
    // A new request in the slot the old second used replaces it instead of adding to it.
    live.observe(makeRequestRecord({ ts: T0 + 10_000, route: 'chat', servedTarget: 'small' }));
    expect(live.snapshot().rows[0]?.requests).toBe(1);
  });

  it('ignores shadow copies, which are not client traffic', () => {
    const live = createLiveTraffic({ now: () => T0 });
    live.observe(makeRequestRecord({ ts: T0, route: 'chat', servedTarget: 'cand', shadow: true }));
    expect(live.snapshot().rows).toEqual([]);
  });

  it('keeps a bounded latency sample when one second is busy', () => {
    const live = createLiveTraffic({ now: () => T0, samplesPerSecond: 16 });
    for (let index = 0; index < 1_000; index += 1) {
      live.observe(makeRequestRecord({ ts: T0, route: 'r', servedTarget: 't', latencyMs: 5 }));
    }
    const row = live.snapshot().rows[0];
    expect(row?.requests).toBe(1_000);
    expect(row?.p95Ms).toBe(5);
  });

  it('folds route and target pairs past the bound into "other"', () => {
    const live = createLiveTraffic({ now: () => T0, maxKeys: 2 });
    for (const target of ['a', 'b', 'c', 'd']) {
      live.observe(makeRequestRecord({ ts: T0, route: 'r', servedTarget: target }));
    }
    const keys = live
      .snapshot()
      .rows.map((row) => `${row.route}/${row.target}`)
      .sort();
    expect(keys).toEqual(['other/other', 'r/a', 'r/b']);
    expect(live.snapshot().rows.find((row) => row.route === 'other')?.requests).toBe(2);
  });
});
