import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type FixtureReply,
  type FixtureUpstream,
  startFixtureUpstream,
} from '../src/providers/fixture-upstream.case.js';
import type { CanaryController } from '../src/rollout/index.js';
import { type GatewayHarness, QUICK_PROFILE, startHarness } from './support/gateway-harness.js';

/**
 * Canary quality graded by a judge target, through a real gateway: both arms are sim targets on
 * loopback, the judge is a scripted upstream on loopback that grades by the answer it is shown.
 * The canary's evaluation timer is parked; the tests call evaluate() once the grades are in.
 */

let harness: GatewayHarness | null = null;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await harness?.close();
  harness = null;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const PARKED_EVALUATION_MS = 3_600_000;
const RUBRIC = 'Answer in at most 20 words.';
/** Sim answers of about 60 words: the rubric's "at most 20 words" fails them. */
const VERBOSE_PROFILE = { ...QUICK_PROFILE, output_tokens: { p50: 60, p95: 70 } };

/** A judge upstream: `grade` sees the answer under grading and says how to reply. */
async function startJudge(grade: (answer: string) => FixtureReply): Promise<FixtureUpstream> {
  const judge = await startFixtureUpstream((received) => {
    const body = received.body as { messages?: Array<{ content?: string }> } | undefined;
    const prompt = body?.messages?.at(-1)?.content ?? '';
    return grade(prompt.split('Answer to grade:\n')[1] ?? '');
  });
  cleanups.push(() => judge.close());
  return judge;
}

/** The judge's reply in OpenAI's shape. */
function judgeSays(content: string): FixtureReply {
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    chunks: [
      JSON.stringify({
        id: 'chatcmpl-judge',
        object: 'chat.completion',
        created: 1,
        model: 'judge-model',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 },
      }),
    ],
  };
}

/** Grades 1 (worst) for an answer over 30 words, 5 (best) otherwise, on the 1-5 rubric scale. */
const byLength = (answer: string): FixtureReply => {
  const words = answer.trim().split(/\s+/).length;
  return judgeSays(`{"score": ${words > 30 ? 1 : 5}, "reason": "${words} words"}`);
};

const target = (name: string, baseUrl = '{{SIM}}') =>
  `  ${name}: { provider: openai-compatible, base_url: "${baseUrl}", model: ${name}-model, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 1 } }`;

const judgedCanary = (judgeUrl: string, judge: string) => `
version: 1
targets:
${target('base')}
${target('cand')}
${target('judge', `${judgeUrl}/v1`)}
routes:
  chat:
    targets: [base]
    canary:
      target: cand
      steps: [50, 100]
      interval_s: 0.05
      min_samples: 4
      window_s: 300
      gates: ["quality_delta >= -0.2"]
      judge: ${judge}
default_route: chat
`;

async function ask(h: GatewayHarness, user: string) {
  return h
    .openai()
    .chat.completions.create({ model: 'auto', user, messages: [{ role: 'user', content: 'hi' }] });
}

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not met in time');
}

function canaryOf(h: GatewayHarness): CanaryController {
  const controller = h.gateway.context.traffic?.canary('chat');
  if (!controller) throw new Error('no canary on route chat');
  return controller;
}

/** Wait until each arm has this many grades in its window. */
async function gradedArms(h: GatewayHarness, count: number): Promise<void> {
  await waitFor(() => {
    const { arms } = canaryOf(h).snapshot();
    return arms.canary.qualityCount >= count && arms.baseline.qualityCount >= count;
  });
}

async function metricsText(h: GatewayHarness): Promise<string> {
  return (await request(`${h.url}/metrics`)).body.text();
}

async function judgeStats(h: GatewayHarness) {
  const snapshot = await h.gateway.context.traffic?.snapshot();
  return snapshot?.canary_judges.chat;
}

describe('canary judged by a judge target', () => {
  it('rolls back a candidate whose answers the judge grades poorly', async () => {
    const judge = await startJudge(byLength);
    harness = await startHarness({
      profiles: { 'base-model': QUICK_PROFILE, 'cand-model': VERBOSE_PROFILE },
      gatewayOptions: { canaryEvaluationMs: PARKED_EVALUATION_MS },
      policyYaml: judgedCanary(
        judge.url,
        `{ target: judge, sample_rate: 1, max_concurrent: 8, timeout_s: 2, rubric: "${RUBRIC}" }`,
      ),
    });
    const h = harness;
    const served = new Set<string>();
    for (let index = 0; index < 24; index++) served.add((await ask(h, `user-${index}`)).model);
    expect(served).toEqual(new Set(['base', 'cand']));
    await gradedArms(h, 4);

    const verdict = await canaryOf(h).evaluate();
    expect(verdict.action).toBe('rollback');
    expect(verdict.gates[0]).toMatchObject({
      gate: 'quality_delta >= -0.2',
      status: 'fail',
      canary: 0,
      baseline: 1,
    });
    expect(canaryOf(h).snapshot()).toMatchObject({ status: 'rolled_back', percentage: 0 });
    expect((await ask(h, 'user-0')).model).toBe('base');

    // The judge was asked through the provider at temperature 0 with the checks module's rubric prompt.
    const sent = judge.requests[0]?.body as {
      model: string;
      temperature: number;
      messages: Array<{ role: string; content: string }>;
    };
    expect(sent.model).toBe('judge-model');
    expect(sent.temperature).toBe(0);
    expect(sent.messages[0]?.content).toMatch(/impartial evaluator/);
    expect(sent.messages[1]?.content).toContain(`Rubric:\n${RUBRIC}`);
    expect(sent.messages[1]?.content).toContain('user: hi');

    const metrics = await metricsText(h);
    expect(metrics).toMatch(
      /switchyard_canary_judge_total\{route="chat",judge="judge",target="cand",outcome="graded"\} ([4-9]|\d\d)/,
    );
    expect(metrics).toMatch(
      /switchyard_canary_judge_total\{route="chat",judge="judge",target="base",outcome="graded"\} ([4-9]|\d\d)/,
    );
    expect(metrics).toMatch(/switchyard_canary_judge_grade_count\{route="chat",target="cand"\}/);
  });

  it('promotes a candidate the judge grades as well as the baseline', async () => {
    const judge = await startJudge(byLength);
    harness = await startHarness({
      profiles: { 'base-model': QUICK_PROFILE, 'cand-model': QUICK_PROFILE },
      gatewayOptions: { canaryEvaluationMs: PARKED_EVALUATION_MS },
      policyYaml: judgedCanary(judge.url, '{ target: judge, sample_rate: 1, max_concurrent: 8 }'),
    });
    const h = harness;
    for (let index = 0; index < 24; index++) await ask(h, `user-${index}`);
    await gradedArms(h, 4);
    await new Promise((resolve) => setTimeout(resolve, 60));

    const verdict = await canaryOf(h).evaluate();
    expect(verdict).toMatchObject({ action: 'promote', reason: 'gates-passed' });
    expect(verdict.gates[0]).toMatchObject({ status: 'pass', canary: 1, baseline: 1 });
    expect(canaryOf(h).snapshot()).toMatchObject({ status: 'promoted', percentage: 100 });
    expect(judge.requests.length).toBeGreaterThanOrEqual(8);
  });

  it('never delays the client: answers arrive while the judge is stalled, and extra grading is dropped', async () => {
    const judge = await startJudge(() => ({ status: 200, chunks: [], stallBeforeHeaders: true }));
    harness = await startHarness({
      profiles: { 'base-model': QUICK_PROFILE, 'cand-model': QUICK_PROFILE },
      gatewayOptions: { canaryEvaluationMs: PARKED_EVALUATION_MS },
      policyYaml: judgedCanary(
        judge.url,
        '{ target: judge, sample_rate: 1, max_concurrent: 1, timeout_s: 30 }',
      ),
    });
    const h = harness;
    for (let index = 0; index < 3; index++) {
      const started = Date.now();
      const completion = await ask(h, `user-${index}`);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(completion.choices[0]?.message.content).toMatch(/^\[simulated\]/);
    }
    await waitFor(() => judge.requests.length === 1);
    // One grading call is stuck at the judge; the other two answers found no slot.
    expect(await judgeStats(h)).toMatchObject({ inFlight: 1, dropped: 2, graded: 0 });
    const metrics = await metricsText(h);
    expect(metrics).toMatch(/switchyard_canary_judge_in_flight\{route="chat"\} 1/);
    expect(metrics).toMatch(/outcome="dropped"\} [12]/);
    expect(metrics).not.toMatch(/outcome="graded"/);
    const { arms } = canaryOf(h).snapshot();
    expect(arms.canary.qualityCount + arms.baseline.qualityCount).toBe(0);
  });

  it.each([
    ['answers 500', () => ({ status: 500, chunks: ['{"error":{"message":"boom"}}'] }), 'failed'],
    ['gives no score', () => judgeSays('This answer seems fine to me.'), 'unparsed'],
    [
      'stalls past its timeout',
      (): FixtureReply => ({ status: 200, chunks: [], stallBeforeHeaders: true }),
      'timeout',
    ],
  ] as const)(
    'a judge that %s yields no_data, never a failing gate',
    async (_name, reply, outcome) => {
      const judge = await startJudge(reply);
      harness = await startHarness({
        profiles: { 'base-model': QUICK_PROFILE, 'cand-model': QUICK_PROFILE },
        gatewayOptions: { canaryEvaluationMs: PARKED_EVALUATION_MS },
        policyYaml: judgedCanary(
          judge.url,
          '{ target: judge, sample_rate: 1, max_concurrent: 16, timeout_s: 0.2 }',
        ),
      });
      const h = harness;
      for (let index = 0; index < 12; index++) await ask(h, `user-${index}`);
      let stats = await judgeStats(h);
      await waitFor(() => {
        void judgeStats(h).then((latest) => {
          stats = latest;
        });
        return (stats?.[outcome] ?? 0) === 12 && stats?.inFlight === 0;
      });

      const verdict = await canaryOf(h).evaluate();
      expect(verdict).toMatchObject({ action: 'hold', reason: 'gates-no-data' });
      expect(verdict.gates[0]).toMatchObject({ status: 'no_data', canary: null, baseline: null });
      expect(canaryOf(h).snapshot()).toMatchObject({ status: 'running', percentage: 50 });
      expect(await metricsText(h)).toMatch(
        new RegExp(`switchyard_canary_judge_total\\{[^}]*outcome="${outcome}"\\} \\d`),
      );
    },
  );
});
