import { afterAll, describe, expect, it } from 'vitest';
import { createSimServer, parseSimProfile } from '../providers/sim/index.js';
import { parsePolicyText } from '../routing/policy/load-policy.js';
import {
  createWorkspace,
  FAST_SIM,
  TWO_TARGET_POLICY,
  traceLines,
} from './__fixtures__/eval-workspace.js';
import { parseEvalConfigText } from './eval-config.js';
import { type EvalProgress, runEval } from './run-eval.js';

const workspace = createWorkspace({
  'policy.yaml': TWO_TARGET_POLICY,
  'trace.jsonl': `${traceLines(30)}{"broken": \nnot json at all\n`,
  'failing.yaml': `targets:
  flaky:
    provider: sim
    price: { per_1k: 1 }
    sim: { ttft_ms: { p50: 2, p95: 4 }, output_tokens: { p50: 8, p95: 12 }, faults: { rates: { server_error: 1 } } }
  cut:
    provider: sim
    price: { per_1k: 1 }
    sim: { ttft_ms: { p50: 2, p95: 4 }, inter_token_ms: { p50: 0.1, p95: 0.2 }, output_tokens: { p50: 8, p95: 12 }, faults: { rates: { cut_mid_stream: 1 } } }
  fine: { provider: sim, price: { per_1k: 1 }, sim: ${FAST_SIM} }
`,
});
afterAll(() => workspace.cleanup());

const QUICK_SIM = {
  ttft_ms: { p50: 2, p95: 4 },
  inter_token_ms: { p50: 0.1, p95: 0.2 },
  output_tokens: { p50: 8, p95: 12 },
};

const config = (text: string) =>
  parseEvalConfigText(
    `policy: policy.yaml\ntrace: trace.jsonl\n${text}`,
    workspace.path('eval.yaml'),
    { env: {} },
  );

describe('runEval', () => {
  it('replays every entry through every candidate and aggregates the report', async () => {
    const progress: EvalProgress[] = [];
    const report = await runEval(
      await config(`name: two
baseline: pricey
candidates: [pricey, cheap]
checks:
  - { name: simulated, kind: contains, value: "[simulated]" }
  - { name: never, kind: contains, value: "no model says this" }
gates:
  - p95_latency_ms < 5000
  - cost_per_success_usd < 0.0000001
  - { gate: error_rate <= 0, slice: "intent:*" }
`),
      { onProgress: (update) => progress.push(update) },
    );
    expect(report.name).toBe('two');
    expect(report.simulated).toBe(true);
    expect(report.trace.entries).toBe(30);
    expect(report.trace.skipped.map((line) => line.line)).toEqual([31, 32]);
    expect(report.load.intendedRps).toBeCloseTo(100, 0);
    const [pricey, cheap] = report.candidates;
    expect(pricey?.candidate).toBe('pricey');
    expect(cheap?.requests).toBe(30);
    expect(cheap?.successes).toBe(30);
    expect(cheap?.latency.p95).toBeGreaterThan(0);
    expect(cheap?.ttft?.count).toBe(30);
    expect(cheap?.tokensOut).toBeGreaterThan(0);
    // Same prompts, a quarter of the price per token.
    expect(cheap?.costPerSuccessUsd ?? 0).toBeLessThan(pricey?.costPerSuccessUsd ?? 0);
    expect(cheap?.checks.simulated).toEqual({ pass: 30, total: 30, rate: 1 });
    expect(cheap?.checks.never?.pass).toBe(0);
    expect(cheap?.accuracyDelta).toBe(0);
    expect(cheap?.meanDrift).toBeGreaterThan(0);
    expect(pricey?.meanDrift).toBeNull();
    expect(report.slices.map((slice) => slice.slice)).toEqual(
      expect.arrayContaining(['intent:chat', 'intent:code', 'length:<256']),
    );
    expect(
      report.slices.find((slice) => slice.slice === 'intent:code' && slice.candidate === 'cheap')
        ?.requests,
    ).toBe(10);
    expect(report.gates.map((gate) => [gate.gate, gate.slice, gate.pass])).toEqual([
      ['p95_latency_ms < 5000', null, true],
      ['cost_per_success_usd < 0.0000001', null, false],
      ['error_rate <= 0', 'intent:chat', true],
      ['error_rate <= 0', 'intent:code', true],
    ]);
    expect(report.passed).toBe(false);
    expect(report.diff.length).toBeGreaterThan(0);
    const drifts = report.diff.map((row) => row.drift);
    expect(drifts).toEqual([...drifts].sort((a, b) => b - a));
    expect(report.diff[0]).toMatchObject({
      candidate: 'cheap',
      failedChecks: [expect.stringMatching(/^never/)],
    });
    expect(report.capacity.bySize).toContainEqual(
      expect.objectContaining({ candidate: 'cheap', level: 'tokens <256', requests: 30 }),
    );
    expect(progress.at(-1)).toMatchObject({ phase: 'run', done: 60, total: 60, errors: 0 });
  });

  it('counts failures by class and bills the attempts the upstream accepted', async () => {
    const failing = await parseEvalConfigText(
      'policy: failing.yaml\ntrace: trace.jsonl\nbaseline: fine\ncandidates: [fine, flaky, cut]\nstream: true\n',
      workspace.path('eval.yaml'),
      { env: {} },
    );
    const report = await runEval(failing);
    const byName = new Map(report.candidates.map((candidate) => [candidate.candidate, candidate]));
    const flaky = byName.get('flaky');
    expect(flaky?.errorRate).toBe(1);
    // The breaker opens after 5 consecutive 5xx: later requests fail without a call.
    expect(Object.keys(flaky?.errorsByClass ?? {}).sort()).toEqual([
      'circuit_open',
      'server_error',
    ]);
    expect(
      (flaky?.errorsByClass.server_error ?? 0) + (flaky?.errorsByClass.circuit_open ?? 0),
    ).toBe(30);
    // A 5xx up front is not billed; with no success there is no cost per success.
    expect(flaky?.totalCostUsd).toBe(0);
    expect(flaky?.costPerSuccessUsd).toBeNull();
    const cut = byName.get('cut');
    expect(cut?.errorRate).toBe(1);
    expect(cut?.errorsByClass.stream_truncated).toBeGreaterThan(0);
    // Cut after the first tokens: the prompt and the streamed tokens are billed.
    expect(cut?.totalCostUsd).toBeGreaterThan(0);
    expect(byName.get('fine')?.errorRate).toBe(0);
  });

  it('labels a run simulated when an openai-compatible target is a sim server', async () => {
    const sim = createSimServer({ profiles: { 'remote-model': parseSimProfile(QUICK_SIM) } });
    const { url } = await sim.listen(0, '127.0.0.1');
    try {
      workspace.write(
        'remote.yaml',
        `targets:
  remote: { provider: openai-compatible, base_url: "${url}/v1", model: remote-model, price: { per_1k: 1 } }
`,
      );
      for (const stream of [false, true]) {
        const report = await runEval(
          await parseEvalConfigText(
            `policy: remote.yaml\ntrace: trace.jsonl\nbaseline: remote\ncandidates: [remote]\nstream: ${stream}\n`,
            workspace.path('eval.yaml'),
            { env: {} },
          ),
        );
        expect(report.candidates[0]?.errorRate).toBe(0);
        expect(report.simulated).toBe(true);
      }
    } finally {
      await sim.close();
    }
  });

  it('routes a policy candidate per request as the gateway would', async () => {
    const report = await runEval(
      await config(
        'baseline: routed\ncandidates:\n  - { name: routed, route: auto }\n  - cheap\nstream: false\n',
      ),
    );
    const routed = report.candidates[0];
    const cheap = report.candidates[1];
    // A third of the requests (intent code) go to the pricey route.
    expect(routed?.totalCostUsd ?? 0).toBeGreaterThan(cheap?.totalCostUsd ?? 0);
    expect(routed?.ttft).toBeNull();
    expect(routed?.interTokenMs).toBeNull();
  });

  it('sends judge checks to the judge target through the routing runtime', async () => {
    const report = await runEval(
      await config(
        'baseline: cheap\ncandidates: [cheap]\nchecks:\n  - { name: judged, kind: judge, target: pricey, rubric: "Is it helpful?" }\n',
      ),
    );
    // The simulated judge answers in pseudo-words, never a score: every verdict is a failed result.
    expect(report.candidates[0]?.checks.judged).toEqual({ pass: 0, total: 30, rate: 0 });
    expect(report.diff).toEqual([]);
  });

  it('runs a sweep level by level and stops at the first saturated level', async () => {
    const sweep = (candidates: string) =>
      parseEvalConfigText(
        `policy: failing.yaml\ntrace: trace.jsonl\nbaseline: fine\ncandidates: [${candidates}]\nload: sweep:rate:200,400\n`,
        workspace.path('eval.yaml'),
        { env: {} },
      );
    const healthy = await runEval(await sweep('fine'));
    expect(healthy.load.model).toBe('sweep:rate:200,400,error=0.05,p99=30000');
    expect(healthy.candidates[0]?.requests).toBe(60);
    expect(
      healthy.capacity.byLoad.map((point) => [point.level, point.requests, point.errorRate]),
    ).toEqual([
      ['200 req/s', 30, 0],
      ['400 req/s', 30, 0],
    ]);
    const saturated = await runEval(await sweep('fine, flaky'));
    // The sweep goes on while any candidate is below the stop thresholds.
    expect(saturated.capacity.byLoad.filter((point) => point.candidate === 'flaky')).toHaveLength(
      2,
    );
    const alone = await runEval(
      await parseEvalConfigText(
        'policy: failing.yaml\ntrace: trace.jsonl\nbaseline: flaky\ncandidates: [flaky]\nload: sweep:rate:200,400\n',
        workspace.path('eval.yaml'),
        { env: {} },
      ),
    );
    expect(alone.capacity.byLoad.map((point) => [point.level, point.errorRate])).toEqual([
      ['200 req/s', 1],
    ]);
  });

  it('measures determinism when each request is repeated', async () => {
    const report = await runEval(
      await config(
        'baseline: cheap\ncandidates: [cheap]\nrepeats: 3\nchecks:\n  - { kind: contains, value: "[simulated]" }\n',
      ),
    );
    expect(report.candidates[0]?.requests).toBe(90);
    expect(report.candidates[0]?.determinism).toEqual({
      repeats: 3,
      passRate: 1,
      passAll: 1,
      spread: 0,
    });
  });

  it('proposes a policy and replays the trace through current and proposed', async () => {
    const report = await runEval(
      await config(
        'baseline: pricey\ncandidates: [pricey, cheap]\ngates:\n  - error_rate < 0.5\nadvice: true\n',
      ),
    );
    const advice = report.advice;
    expect(advice?.choices.find((choice) => choice.slice === 'intent:code')).toMatchObject({
      target: 'cheap',
      fallbacks: ['pricey'],
    });
    const proposed = parsePolicyText(advice?.yaml ?? '', workspace.path('proposed.yaml'), {});
    expect(proposed.routes.get('intent-code')?.chain.map((step) => step.target)).toEqual([
      'cheap',
      'pricey',
    ]);
    expect(advice?.whatIf?.map((row) => row.policy)).toEqual(['current', 'proposed']);
    const [current, next] = advice?.whatIf ?? [];
    // The current policy sends code to the pricey target; the proposal sends everything cheap.
    expect(next?.costPerSuccessUsd ?? 1).toBeLessThan(current?.costPerSuccessUsd ?? 0);
    expect(next?.errorRate).toBe(0);
    expect(next?.p95Ms).toBeGreaterThan(0);
  });
});
