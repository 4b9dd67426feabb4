import { describe, expect, it } from 'vitest';
import { makeRow as row } from './__fixtures__/sample-rows.js';
import { capacityByLoad, capacityBySize } from './capacity-cliff.js';

describe('capacity cliff', () => {
  it('buckets error rate and p99 by prompt size', () => {
    const rows = [
      row({ entry: 0 }),
      row({ entry: 1, errorClass: 'context_length_exceeded' }),
      row({ entry: 1, latencyMs: 900 }),
    ];
    const points = capacityBySize(rows, ['small'], (entry) => (entry === 0 ? 50 : 2_000));
    expect(points).toEqual([
      {
        candidate: 'small',
        level: 'tokens <256',
        requests: 1,
        errorRate: 0,
        p99Ms: expect.closeTo(100, 0),
      },
      {
        candidate: 'small',
        level: 'tokens 1k-4k',
        requests: 2,
        errorRate: 0.5,
        p99Ms: expect.closeTo(900, 0),
      },
    ]);
  });

  it('bands requests by the load offered in their second', () => {
    const quiet = Array.from({ length: 3 }, (_, index) => row({ intendedAt: index * 300 }));
    const burst = Array.from({ length: 20 }, (_, index) =>
      row({ intendedAt: 5_000 + index * 10, errorClass: index % 2 === 0 ? 'rate_limited' : null }),
    );
    const points = capacityByLoad(() => [...quiet, ...burst], ['small'], null);
    expect(points.map((point) => [point.level, point.requests, point.errorRate])).toEqual([
      ['2-4 req/s offered', 3, 0],
      ['16-32 req/s offered', 20, 0.5],
    ]);
  });

  it('gives one point per sweep level', () => {
    const rows = [row({ level: 0 }), row({ level: 1, errorClass: 'rate_limited' })];
    expect(
      capacityByLoad(() => rows, ['small'], ['10 req/s', '100 req/s']).map((point) => point.level),
    ).toEqual(['10 req/s', '100 req/s']);
  });

  it('says nothing about load when it never changed', () => {
    expect(capacityByLoad(() => [row(), row({ intendedAt: 1_500 })], ['small'], null)).toEqual([]);
  });
});
