import { describe, expect, it } from 'vitest';
import { compareGate, GATE_METRICS, GateSyntaxError, parseGate, readGateMetric } from './gate.js';
import type { CandidateSummary } from './run-report.js';

function summary(overrides: Partial<CandidateSummary> = {}): CandidateSummary {
  const latency = { count: 10, mean: 120, p50: 100, p90: 180, p95: 250, p99: 400, max: 500 };
  return {
    candidate: 'small',
    simulated: true,
    requests: 10,
    successes: 9,
    errorRate: 0.1,
    errorsByClass: { rate_limited: 1 },
    latency,
    service: latency,
    ttft: null,
    interTokenMs: null,
    outputTokensPerSecond: null,
    throughputRps: 5,
    goodputRps: 4,
    tokensIn: 100,
    tokensOut: 50,
    totalCostUsd: 0.009,
    costPerRequestUsd: 0.0009,
    costPerSuccessUsd: 0.001,
    monthlyCostUsd: 100,
    checks: { schema: { pass: 9, total: 10, rate: 0.9 } },
    qualityScore: 0.9,
    accuracyDelta: -0.05,
    meanDrift: 0.3,
    tokenShift: 0.1,
    determinism: null,
    latencyCdf: [],
    ...overrides,
  };
}

describe('parseGate', () => {
  it.each([
    ['p95_latency_ms < 300', 'p95_latency_ms', '<', 300],
    ['error_rate<0.01', 'error_rate', '<', 0.01],
    ['accuracy_delta > -0.02', 'accuracy_delta', '>', -0.02],
    ['cost_per_success_usd <= 0.002', 'cost_per_success_usd', '<=', 0.002],
    ['goodput_ratio >= 95%', 'goodput_ratio', '>=', 0.95],
    ['error_rate = 0', 'error_rate', '==', 0],
    ['P99_LATENCY_MS != 1e3', 'p99_latency_ms', '!=', 1000],
    ['check:json-contract >= 0.99', 'check:json-contract', '>=', 0.99],
  ])('reads "%s"', (text, metric, operator, threshold) => {
    expect(parseGate(text)).toEqual({ metric, operator, threshold });
  });

  it.each([
    ['latency < 300', /unknown gate metric "latency"/],
    ['p95_latency_ms 300', /expected METRIC OPERATOR NUMBER/],
    ['p95_latency_ms < fast', /expected METRIC OPERATOR NUMBER/],
    ['check: < 1', /expected METRIC OPERATOR NUMBER|names no check/],
  ])('rejects "%s"', (text, message) => {
    expect(() => parseGate(text)).toThrow(GateSyntaxError);
    expect(() => parseGate(text)).toThrow(message);
  });
});

describe('compareGate', () => {
  it.each([
    [299, '<', 300, true],
    [300, '<', 300, false],
    [300, '<=', 300, true],
    [0.5, '>', 0.5, false],
    [0.5, '>=', 0.5, true],
    [1, '==', 1, true],
    [1, '!=', 1, false],
  ] as const)('%d %s %d is %s', (value, operator, threshold, expected) => {
    expect(compareGate(value, operator, threshold)).toBe(expected);
  });
});

describe('readGateMetric', () => {
  it('reads every documented metric from a summary', () => {
    const subject = summary({
      ttft: { count: 9, mean: 50, p50: 40, p90: 60, p95: 70, p99: 90, max: 95 },
    });
    expect(readGateMetric('p95_latency_ms', subject)).toBe(250);
    expect(readGateMetric('success_rate', subject)).toBeCloseTo(0.9);
    expect(readGateMetric('goodput_ratio', subject)).toBeCloseTo(0.8);
    expect(readGateMetric('p95_ttft_ms', subject)).toBe(70);
    expect(readGateMetric('check:schema', subject)).toBe(0.9);
    for (const name of Object.keys(GATE_METRICS)) {
      expect(() => readGateMetric(name, subject)).not.toThrow();
    }
  });

  it('has no value where the run has no data', () => {
    const empty = summary({
      latency: { count: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 },
      qualityScore: null,
      accuracyDelta: null,
    });
    expect(readGateMetric('p95_latency_ms', empty)).toBeNull();
    expect(readGateMetric('accuracy_delta', empty)).toBeNull();
    expect(readGateMetric('p95_ttft_ms', empty)).toBeNull();
    expect(readGateMetric('check:missing', empty)).toBeNull();
  });
});
