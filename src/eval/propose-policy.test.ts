import { afterAll, describe, expect, it } from 'vitest';
import { loadPolicyFile, parsePolicyText } from '../routing/policy/load-policy.js';
import { createWorkspace, FAST_SIM } from './__fixtures__/eval-workspace.js';
import type { Candidate } from './eval-types.js';
import { type GateSpec, parseGate } from './gate.js';
import { proposePolicy } from './propose-policy.js';
import type { CandidateSummary } from './run-report.js';

const workspace = createWorkspace({
  'policy.yaml': `version: 1
log: { path: log.db, retention_days: 14 }
targets:
  big: { provider: sim, price: { per_1k: 1.2 }, sim: ${FAST_SIM} }
  mid: { provider: sim, price: { per_1k: 0.6 }, sim: ${FAST_SIM} }
  tiny: { provider: sim, price: { per_1k: 0.1 }, sim: ${FAST_SIM} }
  unused: { provider: sim, sim: small-fast }
classification:
  intents:
    - { intent: code, keywords: [function] }
`,
});
afterAll(() => workspace.cleanup());

const candidates: Candidate[] = ['big', 'mid', 'tiny'].map((name) => ({
  name,
  kind: 'target',
  target: name,
}));
const gates: GateSpec[] = [
  { text: 'error_rate < 0.05', ...parseGate('error_rate < 0.05'), slice: null, candidates: null },
];

function summary(
  candidate: string,
  costPerSuccessUsd: number,
  errorRate: number,
): CandidateSummary {
  const latency = { count: 100, mean: 100, p50: 100, p90: 150, p95: 200, p99: 400, max: 500 };
  return {
    candidate,
    simulated: true,
    requests: 100,
    successes: 100 - errorRate * 100,
    errorRate,
    errorsByClass: {},
    latency,
    service: latency,
    ttft: { ...latency, p99: 250 },
    interTokenMs: null,
    outputTokensPerSecond: null,
    throughputRps: 1,
    goodputRps: 1,
    tokensIn: 0,
    tokensOut: 0,
    totalCostUsd: 0,
    costPerRequestUsd: costPerSuccessUsd,
    costPerSuccessUsd,
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

const byName = (...summaries: CandidateSummary[]) =>
  new Map(summaries.map((item) => [item.candidate, item]));

async function propose() {
  return proposePolicy({
    runName: 'advice',
    runId: 'run-1',
    policy: await loadPolicyFile(workspace.path('policy.yaml'), {}),
    policyPath: workspace.path('policy.yaml'),
    candidates,
    baseline: 'big',
    gates,
    summaries: byName(
      summary('big', 0.01, 0),
      summary('mid', 0.005, 0.01),
      summary('tiny', 0.001, 0.2),
    ),
    slices: new Map([
      // tiny is cheapest everywhere but fails the gate on code; on chat it passes.
      [
        'intent:code',
        byName(summary('big', 0.01, 0), summary('mid', 0.005, 0), summary('tiny', 0.001, 0.3)),
      ],
      [
        'intent:chat',
        byName(summary('big', 0.01, 0), summary('mid', 0.005, 0), summary('tiny', 0.001, 0.01)),
      ],
      [
        'intent:legal',
        byName(summary('big', 0.01, 0.1), summary('mid', 0.005, 0.2), summary('tiny', 0.001, 0.5)),
      ],
      ['tag:noisy', byName(summary('tiny', 0.001, 0))],
    ]),
  });
}

describe('proposePolicy', () => {
  it('picks the cheapest target that passes every gate, per intent, with fallbacks', async () => {
    const advice = await propose();
    expect(
      advice?.choices.map(({ slice, target, fallbacks }) => ({ slice, target, fallbacks })),
    ).toEqual([
      { slice: 'default', target: 'mid', fallbacks: ['big'] },
      { slice: 'intent:code', target: 'mid', fallbacks: ['big'] },
      { slice: 'intent:chat', target: 'tiny', fallbacks: ['mid', 'big'] },
      { slice: 'intent:legal', target: 'big', fallbacks: [] },
    ]);
    expect(advice?.choices[3]?.reason).toMatch(/no target passed every gate.*keeping the baseline/);
    expect(advice?.whatIf).toBeNull();
  });

  it('writes a policy that loads, routes each intent, and copies targets and classification', async () => {
    const advice = await propose();
    const policy = parsePolicyText(advice?.yaml ?? '', workspace.path('proposed.yaml'), {});
    expect([...policy.targets.keys()]).toEqual(['big', 'mid', 'tiny']);
    expect(policy.targets.get('tiny')?.inputPricePerToken).toBeCloseTo(0.0001);
    expect(policy.classification.intentRules.map((rule) => rule.intent)).toEqual(['code']);
    expect(policy.log.retentionDays).toBe(14);
    expect(policy.rules.map((rule) => [rule.when.intent, rule.route])).toEqual([
      [['code'], 'intent-code'],
      [['chat'], 'intent-chat'],
      [['legal'], 'intent-legal'],
    ]);
    expect(policy.routes.get('intent-chat')?.chain.map((step) => step.target)).toEqual([
      'tiny',
      'mid',
      'big',
    ]);
    expect(policy.routes.get('intent-chat')?.chain[0]?.timeouts).toMatchObject({
      ttftMs: 1000,
      totalMs: 10_000,
    });
    expect(policy.defaultRoute).toBe('default');
  });

  it('has nothing to propose without single-target candidates', async () => {
    const advice = await proposePolicy({
      runName: 'advice',
      runId: 'run-1',
      policy: await loadPolicyFile(workspace.path('policy.yaml'), {}),
      policyPath: workspace.path('policy.yaml'),
      candidates: [
        { name: 'p', kind: 'policy', policyPath: workspace.path('policy.yaml'), route: 'auto' },
      ],
      baseline: 'p',
      gates,
      summaries: new Map(),
      slices: new Map(),
    });
    expect(advice).toBeNull();
  });
});
