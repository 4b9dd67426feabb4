import { describe, expect, it } from 'vitest';
import { evaluateGates } from './evaluate-gates.js';
import { type GateSpec, parseGate } from './gate.js';
import type { CandidateSummary } from './run-report.js';

function gate(text: string, extra: Partial<GateSpec> = {}): GateSpec {
  return { text, ...parseGate(text), slice: null, candidates: null, ...extra };
}

function summary(
  candidate: string,
  p95: number,
  errorRate: number,
  requests = 100,
): CandidateSummary {
  const latency = {
    count: requests,
    mean: p95 / 2,
    p50: p95 / 2,
    p90: p95,
    p95,
    p99: p95,
    max: p95,
  };
  return {
    candidate,
    simulated: true,
    requests,
    successes: Math.round(requests * (1 - errorRate)),
    errorRate,
    errorsByClass: {},
    latency,
    service: latency,
    ttft: null,
    interTokenMs: null,
    outputTokensPerSecond: null,
    throughputRps: 10,
    goodputRps: 10,
    tokensIn: 0,
    tokensOut: 0,
    totalCostUsd: 0,
    costPerRequestUsd: 0,
    costPerSuccessUsd: 0,
    monthlyCostUsd: 0,
    checks: {},
    qualityScore: null,
    accuracyDelta: null,
    meanDrift: null,
    tokenShift: null,
    determinism: null,
    latencyCdf: [],
  };
}

const subjects = {
  candidates: ['big', 'small', 'mid'],
  baseline: 'big',
  summaries: new Map([
    ['big', summary('big', 600, 0.02)],
    ['small', summary('small', 200, 0.001)],
    ['mid', summary('mid', 350, 0)],
  ]),
  slices: new Map([
    [
      'intent:code',
      new Map([
        ['small', summary('small', 450, 0)],
        ['mid', summary('mid', 250, 0)],
      ]),
    ],
    [
      'intent:chat',
      new Map([
        ['small', summary('small', 150, 0)],
        ['mid', summary('mid', 320, 0)],
      ]),
    ],
    ['tag:noisy', new Map([['mid', summary('mid', 100, 0)]])],
  ]),
};

describe('evaluateGates', () => {
  it('judges a run-wide gate on every candidate but the baseline', () => {
    const results = evaluateGates([gate('p95_latency_ms < 300')], subjects);
    expect(results.map((result) => [result.candidate, result.value, result.pass])).toEqual([
      ['small', 200, true],
      ['mid', 350, false],
    ]);
  });

  it('judges the listed candidates only, the baseline included when named', () => {
    const results = evaluateGates([gate('error_rate < 0.01', { candidates: ['big'] })], subjects);
    expect(results).toEqual([
      {
        gate: 'error_rate < 0.01',
        candidate: 'big',
        slice: null,
        value: 0.02,
        pass: false,
        note: null,
      },
    ]);
  });

  it('judges a gate on one slice', () => {
    const results = evaluateGates(
      [gate('p95_latency_ms < 300', { slice: 'intent:code' })],
      subjects,
    );
    expect(results.map((result) => [result.candidate, result.slice, result.pass])).toEqual([
      ['small', 'intent:code', false],
      ['mid', 'intent:code', true],
    ]);
  });

  it('expands a slice family to every slice of it', () => {
    const results = evaluateGates(
      [gate('p95_latency_ms < 400', { slice: 'intent:*', candidates: ['small'] })],
      subjects,
    );
    expect(results.map((result) => [result.slice, result.pass])).toEqual([
      ['intent:chat', true],
      ['intent:code', false],
    ]);
  });

  it('fails a gate it cannot evaluate, saying why', () => {
    const results = evaluateGates(
      [
        gate('p95_latency_ms < 300', { slice: 'tag:noisy', candidates: ['small'] }),
        gate('accuracy_delta > -0.02', { candidates: ['mid'] }),
      ],
      subjects,
    );
    expect(results).toEqual([
      expect.objectContaining({
        candidate: 'small',
        value: null,
        pass: false,
        note: 'no requests in slice tag:noisy',
      }),
      expect.objectContaining({
        candidate: 'mid',
        value: null,
        pass: false,
        note: expect.stringMatching(/no data for accuracy_delta \(no checks ran/),
      }),
    ]);
  });

  it('gates the baseline when it is the only candidate', () => {
    const only = { ...subjects, candidates: ['big'] };
    expect(evaluateGates([gate('error_rate < 0.05')], only)).toEqual([
      expect.objectContaining({ candidate: 'big', pass: true }),
    ]);
  });
});
