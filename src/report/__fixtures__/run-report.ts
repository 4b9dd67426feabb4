import type {
  CandidateSummary,
  DiffRow,
  LatencySummary,
  RunReport,
} from '../../eval/run-report.js';
import { REPORT_SCHEMA_VERSION } from '../../eval/run-report.js';

/** A latency summary scaled from a p50, for fixtures. */
export function makeLatency(p50: number, overrides: Partial<LatencySummary> = {}): LatencySummary {
  return {
    count: 2000,
    mean: p50 * 1.2,
    p50,
    p90: p50 * 2.5,
    p95: p50 * 4,
    p99: p50 * 9,
    max: p50 * 20,
    ...overrides,
  };
}

/** A CDF shaped like a long-tailed latency distribution around `p50`. */
export function makeCdf(p50: number): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (let index = 1; index <= 50; index += 1) {
    const fraction = index / 50;
    const latency =
      p50 * (fraction <= 0.5 ? 0.4 + 1.2 * fraction : 1 + 8 * (fraction - 0.5) ** 2 * 4);
    points.push([Number(latency.toFixed(2)), fraction]);
  }
  return points;
}

/** A complete candidate summary; `overrides` replace fields. */
export function makeCandidateSummary(overrides: Partial<CandidateSummary> = {}): CandidateSummary {
  return {
    candidate: 'big-decoder-v2',
    simulated: true,
    requests: 2000,
    successes: 1940,
    errorRate: 0.03,
    errorsByClass: { timeout: 41, rate_limited: 19 },
    latency: makeLatency(120, { p95: 600, p99: 1450 }),
    service: makeLatency(110, { p99: 980 }),
    ttft: makeLatency(40, { p95: 210 }),
    interTokenMs: 18,
    outputTokensPerSecond: 55,
    throughputRps: 33.3,
    goodputRps: 28.7,
    tokensIn: 480_000,
    tokensOut: 160_000,
    totalCostUsd: 2.4,
    costPerRequestUsd: 0.0012,
    costPerSuccessUsd: 0.001237,
    monthlyCostUsd: 12_000,
    checks: {
      'json-contract': { pass: 1900, total: 1940, rate: 1900 / 1940 },
      reference: { pass: 1800, total: 1940, rate: 1800 / 1940 },
    },
    qualityScore: 0.91,
    accuracyDelta: null,
    meanDrift: null,
    tokenShift: null,
    determinism: null,
    latencyCdf: makeCdf(120),
    ...overrides,
  };
}

/** Diff rows whose texts carry HTML, to prove every rendering escapes them. */
export function makeDiffRows(count: number, candidate = 'small-precise'): DiffRow[] {
  const rows: DiffRow[] = [];
  for (let index = 0; index < count; index += 1) {
    rows.push({
      entryId: `req_${String(index).padStart(6, '0')}`,
      candidate,
      slices: index % 3 === 0 ? ['tag:noisy', 'intent:code'] : ['intent:chit_chat', 'length:short'],
      prompt: `Prompt ${index}: what does <b>bold</b> | pipe mean? See https://example.com/x`,
      baselineText: `Baseline answer ${index} with <script>alert("baseline")</script>`,
      candidateText:
        index % 5 === 0 ? null : `Candidate answer ${index} <script>alert('xss')</script> & more`,
      drift: Number((1 - index / (count + 1)).toFixed(6)),
      failedChecks: index % 2 === 0 ? ['json-contract'] : [],
    });
  }
  return rows;
}

/** A complete, plausible run report with three candidates, slices, failing gates and advice. */
export function makeRunReport(overrides: Partial<RunReport> = {}): RunReport {
  const baseline = makeCandidateSummary();
  const small = makeCandidateSummary({
    candidate: 'small-precise',
    successes: 1996,
    errorRate: 0.002,
    errorsByClass: { timeout: 4 },
    latency: makeLatency(95, { p95: 220, p99: 412 }),
    service: makeLatency(90, { p99: 377 }),
    ttft: makeLatency(25, { p95: 88 }),
    throughputRps: 33.3,
    goodputRps: 32.9,
    totalCostUsd: 0.86,
    costPerRequestUsd: 0.00043,
    costPerSuccessUsd: 0.000431,
    monthlyCostUsd: 4300,
    checks: {
      'json-contract': { pass: 1950, total: 1996, rate: 1950 / 1996 },
      reference: { pass: 1790, total: 1996, rate: 1790 / 1996 },
    },
    qualityScore: 0.895,
    accuracyDelta: -0.015,
    meanDrift: 0.231,
    tokenShift: 0.042,
    latencyCdf: makeCdf(95),
  });
  const mid = makeCandidateSummary({
    candidate: 'mid-balanced',
    simulated: false,
    successes: 1990,
    errorRate: 0.005,
    errorsByClass: { server_error: 10 },
    latency: makeLatency(150, { p95: 380, p99: 777 }),
    service: makeLatency(140),
    ttft: null,
    totalCostUsd: 1.9,
    costPerRequestUsd: 0.00095,
    costPerSuccessUsd: 0.000955,
    monthlyCostUsd: 9500,
    qualityScore: 0.93,
    accuracyDelta: 0.02,
    meanDrift: 0.12,
    tokenShift: 0.03,
    determinism: { repeats: 3, passRate: 0.97, passAll: 0.94, spread: 0.05 },
    latencyCdf: makeCdf(150),
  });
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    id: 'run_20250115T120000Z_a1b2c3',
    name: 'big-vs-routed',
    startedAt: '2025-01-15T12:00:00.000Z',
    finishedAt: '2025-01-15T12:01:05.500Z',
    simulated: true,
    trace: {
      source: 'examples/sample-trace.jsonl',
      entries: 2000,
      skipped: [
        { line: 17, reason: 'invalid JSON: Unexpected token' },
        { line: 904, reason: 'messages must be a non-empty array' },
      ],
    },
    load: {
      model: 'replay:2x',
      description: 'replay recorded arrivals at 2x speed',
      intendedRps: 33.3,
      achievedRps: 33.1,
      maxLagMs: 0.8,
    },
    baseline: 'big-decoder-v2',
    candidates: [baseline, small, mid],
    slices: [
      {
        slice: 'intent:code',
        candidate: 'big-decoder-v2',
        requests: 500,
        errorRate: 0.04,
        p50Ms: 130,
        p95Ms: 640,
        costPerSuccessUsd: 0.0013,
        qualityScore: 0.9,
      },
      {
        slice: 'intent:code',
        candidate: 'small-precise',
        requests: 500,
        errorRate: 0.002,
        p50Ms: 101,
        p95Ms: 251,
        costPerSuccessUsd: 0.00045,
        qualityScore: 0.86,
      },
      {
        slice: 'tag:noisy',
        candidate: 'small-precise',
        requests: 300,
        errorRate: 0.01,
        p50Ms: 99,
        p95Ms: 333,
        costPerSuccessUsd: 0.00047,
        qualityScore: null,
      },
    ],
    gates: [
      {
        gate: 'p95_latency_ms < 300',
        candidate: 'big-decoder-v2',
        slice: null,
        value: 600,
        pass: false,
        note: null,
      },
      {
        gate: 'p95_latency_ms < 300',
        candidate: 'small-precise',
        slice: null,
        value: 220,
        pass: true,
        note: null,
      },
      {
        gate: 'accuracy_delta > -0.02',
        candidate: 'small-precise',
        slice: 'intent:code',
        value: -0.0421,
        pass: false,
        note: null,
      },
      {
        gate: 'cost_per_success_usd <= 0.002',
        candidate: 'mid-balanced',
        slice: 'tag:noisy',
        value: null,
        pass: true,
        note: 'no requests in slice',
      },
    ],
    passed: false,
    capacity: {
      bySize: [
        {
          candidate: 'big-decoder-v2',
          level: 'tokens <1k',
          requests: 1500,
          errorRate: 0.01,
          p99Ms: 800,
        },
        {
          candidate: 'big-decoder-v2',
          level: 'tokens 1k-4k',
          requests: 400,
          errorRate: 0.06,
          p99Ms: 2400,
        },
        {
          candidate: 'big-decoder-v2',
          level: 'tokens 4k+',
          requests: 100,
          errorRate: 0.2,
          p99Ms: 9000,
        },
        {
          candidate: 'small-precise',
          level: 'tokens <1k',
          requests: 1500,
          errorRate: 0.001,
          p99Ms: 300,
        },
        {
          candidate: 'small-precise',
          level: 'tokens 1k-4k',
          requests: 400,
          errorRate: 0.004,
          p99Ms: 520,
        },
        {
          candidate: 'small-precise',
          level: 'tokens 4k+',
          requests: 100,
          errorRate: 0.01,
          p99Ms: 1100,
        },
      ],
      byLoad: [
        { candidate: 'big-decoder-v2', level: '1x', requests: 2000, errorRate: 0.01, p99Ms: 900 },
        { candidate: 'big-decoder-v2', level: '10x', requests: 2000, errorRate: 0.09, p99Ms: 4200 },
        { candidate: 'small-precise', level: '1x', requests: 2000, errorRate: 0.001, p99Ms: 350 },
        { candidate: 'small-precise', level: '10x', requests: 2000, errorRate: 0.003, p99Ms: 610 },
      ],
    },
    diff: makeDiffRows(30),
    advice: {
      yaml: 'routing:\n  default_model: small-precise\n  fallbacks:\n    - model: big-decoder-v2\n',
      choices: [
        {
          slice: 'intent:code',
          target: 'mid-balanced',
          fallbacks: ['big-decoder-v2'],
          reason: 'cheapest target meeting every gate on intent:code',
        },
        {
          slice: 'default',
          target: 'small-precise',
          fallbacks: ['big-decoder-v2'],
          reason: 'cheapest target meeting every gate',
        },
      ],
      whatIf: [
        {
          policy: 'current',
          p50Ms: 120,
          p95Ms: 600,
          errorRate: 0.03,
          costPerSuccessUsd: 0.001237,
          monthlyCostUsd: 12_000,
        },
        {
          policy: 'proposed',
          p50Ms: 95,
          p95Ms: 220,
          errorRate: 0.002,
          costPerSuccessUsd: 0.000431,
          monthlyCostUsd: 4300,
        },
      ],
    },
    ...overrides,
  };
}
