import { describe, expect, it } from 'vitest';
import { makeRow as row } from './__fixtures__/sample-rows.js';
import { summarizeRows } from './summarize-rows.js';

const context = {
  candidate: 'small',
  durationMs: 10_000,
  monthlyScale: 1_000,
  isBaseline: false,
  baselineQuality: 0.5,
};

describe('summarizeRows', () => {
  it('charges failed and retried attempts to the successes', () => {
    const rows = [
      row({ costUsd: 0.02, attempts: 2 }),
      row({ costUsd: 0.01 }),
      row({ errorClass: 'rate_limited', costUsd: 0, latencyMs: 2, meetsSlo: false }),
      row({ errorClass: 'ttft_timeout', costUsd: 0.005, latencyMs: 10_000, meetsSlo: false }),
    ];
    const summary = summarizeRows(rows, context);
    expect(summary.requests).toBe(4);
    expect(summary.successes).toBe(2);
    expect(summary.errorRate).toBe(0.5);
    expect(summary.errorsByClass).toEqual({ rate_limited: 1, ttft_timeout: 1 });
    expect(summary.totalCostUsd).toBeCloseTo(0.035);
    expect(summary.costPerRequestUsd).toBeCloseTo(0.035 / 4);
    expect(summary.costPerSuccessUsd).toBeCloseTo(0.035 / 2);
    expect(summary.monthlyCostUsd).toBeCloseTo(35);
    expect(summary.throughputRps).toBeCloseTo(0.4);
    expect(summary.goodputRps).toBeCloseTo(0.2);
  });

  it('takes latency percentiles over answered requests only', () => {
    const rows = [
      ...Array.from({ length: 10 }, (_, index) => row({ latencyMs: 100 + index * 10 })),
      row({ errorClass: 'circuit_open', latencyMs: 0, meetsSlo: false }),
    ];
    const summary = summarizeRows(rows, context);
    expect(summary.latency.count).toBe(10);
    expect(summary.latency.p50).toBeCloseTo(140, 0);
    expect(summary.latency.max).toBeCloseTo(190, 1);
    expect(summary.latencyCdf.at(-1)?.[1]).toBe(1);
  });

  it('scores quality over responses that were checked, relative to the baseline', () => {
    const rows = [
      row({ passedChecks: ['schema', 'contains'] }),
      row({ passedChecks: ['contains'], failedChecks: ['schema'], drift: 0.4 }),
      row({ passedChecks: ['schema', 'contains'], drift: 0.2 }),
      row({ errorClass: 'server_error', meetsSlo: false }),
    ];
    const summary = summarizeRows(rows, context);
    expect(summary.qualityScore).toBeCloseTo(2 / 3);
    expect(summary.accuracyDelta).toBeCloseTo(2 / 3 - 0.5);
    expect(summary.checks).toEqual({
      schema: { pass: 2, total: 3, rate: 2 / 3 },
      contains: { pass: 3, total: 3, rate: 1 },
    });
    expect(summary.meanDrift).toBeCloseTo(0.3);
  });

  it('has no quality figures when no check ran, and no delta for the baseline', () => {
    expect(summarizeRows([row()], context).qualityScore).toBeNull();
    const baseline = summarizeRows([row({ passedChecks: ['a'] })], {
      ...context,
      isBaseline: true,
      baselineQuality: null,
    });
    expect(baseline.qualityScore).toBe(1);
    expect(baseline.accuracyDelta).toBeNull();
  });
});
