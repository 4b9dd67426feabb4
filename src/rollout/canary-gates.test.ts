import { describe, expect, it } from 'vitest';
import {
  type CanaryGate,
  CanaryGateError,
  evaluateCanaryGate,
  parseCanaryGate,
  parseCanaryGates,
  readCanaryMetric,
} from './canary-gates.js';
import type { WindowStats } from './rolling-window.js';

function stats(overrides: Partial<WindowStats> = {}): WindowStats {
  return {
    count: 100,
    errors: 2,
    successes: 98,
    costUsd: 0.98,
    contractChecked: 50,
    contractPassed: 49,
    qualityCount: 20,
    qualitySum: 18,
    p50LatencyMs: 100,
    p95LatencyMs: 200,
    p99LatencyMs: 400,
    ...overrides,
  };
}

const EMPTY: WindowStats = stats({
  count: 0,
  errors: 0,
  successes: 0,
  costUsd: 0,
  contractChecked: 0,
  contractPassed: 0,
  qualityCount: 0,
  qualitySum: 0,
  p50LatencyMs: null,
  p95LatencyMs: null,
  p99LatencyMs: null,
});

describe('parseCanaryGate', () => {
  it.each<[string, Omit<CanaryGate, 'text'>]>([
    [
      'latency<300',
      { metric: 'p95_latency_ms', operator: '<', reference: { kind: 'absolute', value: 300 } },
    ],
    [
      'accuracy_delta>0.02',
      {
        metric: 'quality_score',
        operator: '>',
        reference: { kind: 'baseline', factor: 1, offset: 0.02 },
      },
    ],
    [
      'p95_latency_ms < 300',
      { metric: 'p95_latency_ms', operator: '<', reference: { kind: 'absolute', value: 300 } },
    ],
    [
      'p95_latency_ms <= baseline * 1.2',
      {
        metric: 'p95_latency_ms',
        operator: '<=',
        reference: { kind: 'baseline', factor: 1.2, offset: 0 },
      },
    ],
    [
      'error_rate <= baseline + 0.01',
      {
        metric: 'error_rate',
        operator: '<=',
        reference: { kind: 'baseline', factor: 1, offset: 0.01 },
      },
    ],
    [
      'error_rate <= baseline + 1%',
      {
        metric: 'error_rate',
        operator: '<=',
        reference: { kind: 'baseline', factor: 1, offset: 0.01 },
      },
    ],
    [
      'P99_LATENCY_MS <= BASELINE*1.5 - 10',
      {
        metric: 'p99_latency_ms',
        operator: '<=',
        reference: { kind: 'baseline', factor: 1.5, offset: -10 },
      },
    ],
    [
      'quality_delta >= -0.02',
      {
        metric: 'quality_score',
        operator: '>=',
        reference: { kind: 'baseline', factor: 1, offset: -0.02 },
      },
    ],
    [
      'error_rate < 1%',
      { metric: 'error_rate', operator: '<', reference: { kind: 'absolute', value: 0.01 } },
    ],
    [
      'contract_pass_rate >= 0.99',
      {
        metric: 'contract_pass_rate',
        operator: '>=',
        reference: { kind: 'absolute', value: 0.99 },
      },
    ],
    [
      'cost_per_success_usd <= baseline * 1.1',
      {
        metric: 'cost_per_success_usd',
        operator: '<=',
        reference: { kind: 'baseline', factor: 1.1, offset: 0 },
      },
    ],
    [
      'quality_score >= baseline',
      {
        metric: 'quality_score',
        operator: '>=',
        reference: { kind: 'baseline', factor: 1, offset: 0 },
      },
    ],
    [
      'p99_latency_ms_delta <= 50',
      {
        metric: 'p99_latency_ms',
        operator: '<=',
        reference: { kind: 'baseline', factor: 1, offset: 50 },
      },
    ],
    [
      'latency < 1.5e3',
      { metric: 'p95_latency_ms', operator: '<', reference: { kind: 'absolute', value: 1500 } },
    ],
  ])('reads %s', (text, expected) => {
    expect(parseCanaryGate(text)).toEqual({ text, ...expected });
  });

  it.each<[string, RegExp]>([
    ['', /expected METRIC OPERATOR VALUE/],
    ['latency', /expected METRIC OPERATOR VALUE/],
    ['300 > latency', /expected METRIC OPERATOR VALUE/],
    ['throughput < 5', /unknown metric "throughput".*known metrics: p95_latency_ms/],
    ['latency == 300', /operator "==" is not supported.*use <, <=, > or >=/],
    ['latency = 300', /operator "=" is not supported/],
    ['latency != 300', /operator "!=" is not supported/],
    ['latency < fast', /cannot read the value "fast"/],
    ['latency <', /cannot read the value ""/],
    ['latency < baseline * -2', /baseline factor .* must be above 0/],
    ['latency < baseline * 0', /baseline factor .* must be above 0/],
    ['latency < 5%', /a percentage only makes sense for a rate/],
    ['quality_delta >= baseline - 0.02', /already compares the canary with the baseline/],
    ['error_rate < baseline + fast', /cannot read the value/],
  ])('rejects %j with a clear error', (text, message) => {
    expect(() => parseCanaryGate(text)).toThrow(CanaryGateError);
    expect(() => parseCanaryGate(text)).toThrow(message);
  });
});

describe('parseCanaryGates', () => {
  it('parses the seed criteria as written', () => {
    const gates = parseCanaryGates(['latency<300', 'accuracy_delta>0.02']);
    expect(gates.map((gate) => gate.metric)).toEqual(['p95_latency_ms', 'quality_score']);
  });

  it('reports every bad gate with its position', () => {
    expect(() => parseCanaryGates(['latency<300', 'speed>1', 'latency<fast'])).toThrow(
      /gates\[1\]: unknown metric "speed"[\s\S]*gates\[2\]: cannot read the value "fast"/,
    );
  });
});

describe('readCanaryMetric', () => {
  it.each<[Parameters<typeof readCanaryMetric>[0], number]>([
    ['p95_latency_ms', 200],
    ['p99_latency_ms', 400],
    ['error_rate', 0.02],
    ['contract_pass_rate', 0.98],
    ['cost_per_success_usd', 0.01],
    ['quality_score', 0.9],
  ])('reads %s from the window', (metric, value) => {
    expect(readCanaryMetric(metric, stats())).toBeCloseTo(value, 10);
  });

  it('has no data for an empty window or ungraded answers', () => {
    for (const metric of ['p95_latency_ms', 'error_rate', 'cost_per_success_usd'] as const) {
      expect(readCanaryMetric(metric, EMPTY)).toBeNull();
    }
    expect(readCanaryMetric('quality_score', stats({ qualityCount: 0, qualitySum: 0 }))).toBeNull();
    expect(readCanaryMetric('contract_pass_rate', stats({ contractChecked: 0 }))).toBeNull();
  });

  it('makes cost per success infinite when nothing succeeded', () => {
    expect(readCanaryMetric('cost_per_success_usd', stats({ errors: 100, successes: 0 }))).toBe(
      Number.POSITIVE_INFINITY,
    );
  });
});

describe('evaluateCanaryGate', () => {
  it.each<[string, Partial<WindowStats>, Partial<WindowStats>, 'pass' | 'fail', number | null]>([
    ['latency<300', { p95LatencyMs: 250 }, {}, 'pass', 300],
    ['latency<300', { p95LatencyMs: 300 }, {}, 'fail', 300],
    ['p95_latency_ms <= baseline * 1.2', { p95LatencyMs: 240 }, { p95LatencyMs: 200 }, 'pass', 240],
    ['p95_latency_ms <= baseline * 1.2', { p95LatencyMs: 241 }, { p95LatencyMs: 200 }, 'fail', 240],
    ['error_rate <= baseline + 0.01', { errors: 3 }, { errors: 2 }, 'pass', 0.03],
    ['error_rate <= baseline + 0.01', { errors: 4 }, { errors: 2 }, 'fail', 0.03],
    ['accuracy_delta>0.02', { qualitySum: 19 }, { qualitySum: 18 }, 'pass', 0.92],
    ['accuracy_delta>0.02', { qualitySum: 18.2 }, { qualitySum: 18 }, 'fail', 0.92],
    ['quality_delta >= -0.02', { qualitySum: 17.8 }, { qualitySum: 18 }, 'pass', 0.88],
    ['cost_per_success_usd <= baseline * 1.1', { successes: 0, errors: 100 }, {}, 'fail', 0.011],
  ])('%s with canary %j vs baseline %j: %s', (text, canary, baseline, status, threshold) => {
    const result = evaluateCanaryGate(parseCanaryGate(text), stats(canary), stats(baseline));
    expect(result.status).toBe(status);
    expect(result.gate).toBe(text);
    if (threshold === null) expect(result.threshold).toBeNull();
    else expect(result.threshold).toBeCloseTo(threshold, 10);
  });

  it('reports the values it judged', () => {
    const result = evaluateCanaryGate(
      parseCanaryGate('p99_latency_ms <= baseline * 2'),
      stats({ p99LatencyMs: 900 }),
      stats({ p99LatencyMs: 400 }),
    );
    expect(result).toEqual({
      gate: 'p99_latency_ms <= baseline * 2',
      metric: 'p99_latency_ms',
      operator: '<=',
      canary: 900,
      baseline: 400,
      threshold: 800,
      status: 'fail',
    });
  });

  it('has no data when a relative gate has no baseline or a quality gate no grades', () => {
    const relative = parseCanaryGate('p95_latency_ms <= baseline * 1.2');
    expect(evaluateCanaryGate(relative, stats(), EMPTY).status).toBe('no_data');
    const quality = parseCanaryGate('accuracy_delta>0.02');
    expect(evaluateCanaryGate(quality, stats({ qualityCount: 0 }), stats()).status).toBe('no_data');
    const absolute = parseCanaryGate('latency<300');
    expect(evaluateCanaryGate(absolute, stats({ p95LatencyMs: 100 }), EMPTY).status).toBe('pass');
  });
});
