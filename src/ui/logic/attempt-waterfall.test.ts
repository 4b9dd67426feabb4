import { describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../../telemetry/request-record.js';
import { attemptWaterfall } from './attempt-waterfall.js';

const attempt = (overrides: Partial<AttemptRecord>): AttemptRecord => ({
  target: 'a',
  status: 200,
  errorClass: null,
  latencyMs: 100,
  ttftMs: null,
  startedAt: 1000,
  ...overrides,
});

describe('attempt waterfall', () => {
  it('places a failed attempt and its fallback one after the other on the request timeline', () => {
    const layout = attemptWaterfall(1000, 400, [
      attempt({ target: 'primary', status: 503, errorClass: 'server_error', latencyMs: 100 }),
      attempt({ target: 'fallback', startedAt: 1200, latencyMs: 200, ttftMs: 50 }),
    ]);
    expect(layout.spanMs).toBe(400);
    expect(
      layout.bars.map((bar) => [bar.target, bar.offsetPercent, bar.widthPercent, bar.ok]),
    ).toEqual([
      ['primary', 0, 25, false],
      ['fallback', 50, 50, true],
    ]);
    expect(layout.bars[1]?.ttftPercent).toBe(25);
    expect(layout.bars[0]?.ttftPercent).toBeNull();
  });

  it('stretches the span to an attempt that outlasts the recorded latency and clamps skew', () => {
    const layout = attemptWaterfall(1000, 50, [
      attempt({ startedAt: 990, latencyMs: 0 }),
      attempt({ startedAt: 1100, latencyMs: 100 }),
    ]);
    expect(layout.spanMs).toBe(200);
    expect(layout.bars[0]?.offsetPercent).toBe(0);
    expect(layout.bars[0]?.widthPercent).toBe(0.5);
    expect(layout.bars[1]?.offsetPercent).toBe(50);
  });
});
