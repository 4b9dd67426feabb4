import OpenAI from 'openai';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type GatewayHarness, QUICK_PROFILE, startHarness } from './support/gateway-harness.js';

/** Safe rollout through a real gateway: kill-switch, canary, budgets, shedding, shadow, online checks. */

let harness: GatewayHarness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const ADMIN = { authorization: 'Bearer admin-secret' };
const target = (name: string, price = 1) =>
  `  ${name}: { provider: openai-compatible, base_url: "{{SIM}}", model: ${name}-model, context_window: 100000, price: { input_per_mtok: ${price}, output_per_mtok: ${price} } }`;

async function admin(h: GatewayHarness, method: 'GET' | 'POST', path: string, body?: unknown) {
  const response = await request(`${h.url}${path}`, {
    method,
    headers: { ...ADMIN, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.statusCode,
    body: (await response.body.json()) as Record<string, unknown>,
  };
}

const ask = (h: GatewayHarness, user: string, content = 'hello') =>
  h
    .openai()
    .chat.completions.create({ model: 'auto', user, messages: [{ role: 'user', content }] })
    .withResponse();

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('condition not met in time');
}

describe('kill-switch', () => {
  it('sends all traffic to the safe route from the next request on, holds across reloads, and lifts', async () => {
    harness = await startHarness({
      profiles: { 'main-model': QUICK_PROFILE, 'safe-model': QUICK_PROFILE },
      env: { ADMIN_TOKEN: 'admin-secret' },
      policyYaml: `
version: 1
server: { admin_token_env: ADMIN_TOKEN }
traffic: { safe_route: safe }
targets:
${target('main')}
${target('safe')}
routes:
  primary: { targets: [main] }
  safe: { targets: [safe] }
default_route: primary
`,
    });
    expect((await ask(harness, 'u1')).data.model).toBe('main');
    const killed = await admin(harness, 'POST', '/admin/traffic', {
      kill: true,
      reason: 'incident 42',
    });
    expect(killed.status).toBe(200);
    expect((await ask(harness, 'u1')).data.model).toBe('safe');
    await harness.gateway.reload(harness.policy);
    expect((await ask(harness, 'u2')).data.model).toBe('safe');
    await admin(harness, 'POST', '/admin/traffic', { kill: false });
    expect((await ask(harness, 'u1')).data.model).toBe('main');
    const audit = await admin(harness, 'GET', '/admin/audit');
    const actions = (audit.body.entries as Array<{ action: string }>).map((entry) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(['kill-switch-on', 'kill-switch-off']));
  });

  it('refuses traffic changes without the admin token', async () => {
    harness = await startHarness({
      profiles: { 'main-model': QUICK_PROFILE },
      env: { ADMIN_TOKEN: 'admin-secret' },
      policyYaml: `
version: 1
server: { admin_token_env: ADMIN_TOKEN }
targets:
${target('main')}
`,
    });
    const response = await request(`${harness.url}/admin/traffic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kill: true }),
    });
    expect(response.statusCode).toBe(401);
    await response.body.dump();
    expect((await ask(harness, 'u1')).data.model).toBe('main');
  });
});

const canaryPolicy = (canary: string) => `
version: 1
server: { admin_token_env: ADMIN_TOKEN }
targets:
${target('base')}
${target('cand')}
routes:
  chat:
    targets: [base]
    canary: ${canary}
default_route: chat
`;

describe('canary', () => {
  it('rolls back a candidate that degrades mid-canary within the window', async () => {
    const ok = Array.from({ length: 12 }, () => 'ok');
    const failing = Array.from({ length: 200 }, () => 'server_error');
    harness = await startHarness({
      profiles: {
        'base-model': QUICK_PROFILE,
        'cand-model': { ...QUICK_PROFILE, faults: { script: [...ok, ...failing] } },
      },
      env: { ADMIN_TOKEN: 'admin-secret' },
      gatewayOptions: { canaryEvaluationMs: 50 },
      policyYaml: canaryPolicy(
        '{ target: cand, steps: [50, 100], interval_s: 30, min_samples: 5, window_s: 2, gates: ["error_rate <= baseline + 0.1"] }',
      ),
    });
    const h = harness;
    const started = Date.now();
    let rolledBack = false;
    for (let index = 0; index < 300 && !rolledBack && Date.now() - started < 8000; index++) {
      await ask(h, `user-${index}`);
      const state = await admin(h, 'GET', '/admin/traffic');
      const canary = (state.body.canaries as Array<{ status: string; percentage: number }>)[0];
      rolledBack = canary?.status === 'rolled_back';
    }
    expect(rolledBack).toBe(true);
    const state = await admin(h, 'GET', '/admin/traffic');
    expect((state.body.canaries as Array<{ percentage: number }>)[0]?.percentage).toBe(0);
    // After the rollback every user is on the baseline.
    for (let index = 0; index < 10; index++)
      expect((await ask(h, `user-${index}`)).data.model).toBe('base');
    const metrics = await (await request(`${h.url}/metrics`)).body.text();
    expect(metrics).toMatch(
      /switchyard_canary_events_total\{route="chat",type="canary-rollback"\} 1/,
    );
  });

  it('promotes a healthy candidate step by step', async () => {
    harness = await startHarness({
      profiles: { 'base-model': QUICK_PROFILE, 'cand-model': QUICK_PROFILE },
      env: { ADMIN_TOKEN: 'admin-secret' },
      gatewayOptions: { canaryEvaluationMs: 50 },
      policyYaml: canaryPolicy(
        '{ target: cand, steps: [20, 50, 100], interval_s: 0.3, min_samples: 3, window_s: 5, gates: ["error_rate <= baseline + 0.05"] }',
      ),
    });
    const h = harness;
    const seen: number[] = [];
    const started = Date.now();
    let status = 'running';
    for (
      let index = 0;
      status !== 'promoted' && Date.now() - started < 10_000 && index < 2000;
      index++
    ) {
      await ask(h, `user-${index % 50}`);
      const canary = (
        (await admin(h, 'GET', '/admin/traffic')).body.canaries as Array<{
          status: string;
          percentage: number;
        }>
      )[0];
      status = canary?.status ?? 'missing';
      if (canary && seen.at(-1) !== canary.percentage) seen.push(canary.percentage);
    }
    expect(status).toBe('promoted');
    expect(seen.slice(0, 3)).toEqual([20, 50, 100]);
  });

  it('accepts the seed form {"canary_pct": 0} and survives a restart', async () => {
    harness = await startHarness({
      profiles: { 'base-model': QUICK_PROFILE, 'cand-model': QUICK_PROFILE },
      env: { ADMIN_TOKEN: 'admin-secret' },
      policyYaml: canaryPolicy(
        '{ target: cand, percentage: 30, criteria: ["latency<300", "accuracy_delta>0.02"] }',
      ),
    });
    const before = await admin(harness, 'GET', '/admin/traffic');
    expect((before.body.canaries as Array<{ percentage: number }>)[0]?.percentage).toBe(30);
    const changed = await admin(harness, 'POST', '/admin/traffic', { canary_pct: 0 });
    expect(
      (changed.body.canaries as Array<{ percentage: number; status: string }>)[0],
    ).toMatchObject({
      percentage: 0,
      status: 'rolled_back',
    });
    const restarted = await harness.restartGateway();
    const after = await admin(restarted, 'GET', '/admin/traffic');
    expect((after.body.canaries as Array<{ percentage: number; status: string }>)[0]).toMatchObject(
      {
        percentage: 0,
        status: 'rolled_back',
      },
    );
  });
});

describe('budgets', () => {
  const budgetPolicy = (onExceeded: string) => `
version: 1
targets:
${target('pricey', 1_000_000)}
${target('cheap')}
routes:
  premium: { targets: [pricey] }
  economy: { targets: [cheap] }
default_route: premium
budgets:
  - { scope: route, name: premium, limit_usd: 0.000001, window_s: 60, ${onExceeded} }
`;

  it('rejects with 429 budget_exceeded and Retry-After once spent', async () => {
    harness = await startHarness({
      profiles: { 'pricey-model': QUICK_PROFILE, 'cheap-model': QUICK_PROFILE },
      policyYaml: budgetPolicy('on_exceeded: reject'),
    });
    expect((await ask(harness, 'u')).data.model).toBe('pricey');
    await waitFor(async () => {
      const error = await ask(harness as GatewayHarness, 'u').catch((caught: unknown) => caught);
      return error instanceof OpenAI.RateLimitError;
    });
    const error = (await ask(harness, 'u').catch((caught: unknown) => caught)) as InstanceType<
      typeof OpenAI.RateLimitError
    >;
    expect(error.code).toBe('budget_exceeded');
    expect(Number(error.headers?.get('retry-after'))).toBeGreaterThan(0);
  });

  it('downgrades to the cheaper route once spent', async () => {
    harness = await startHarness({
      profiles: { 'pricey-model': QUICK_PROFILE, 'cheap-model': QUICK_PROFILE },
      policyYaml: budgetPolicy('on_exceeded: downgrade, downgrade_route: economy'),
    });
    expect((await ask(harness, 'u')).data.model).toBe('pricey');
    await waitFor(async () => (await ask(harness as GatewayHarness, 'u')).data.model === 'cheap');
  });
});

describe('load shedding and degradation', () => {
  it('answers a shed request at once with the static message, flagged as degraded', async () => {
    harness = await startHarness({
      profiles: { 'slow-model': { ...QUICK_PROFILE, ttft_ms: { p50: 600, p95: 650 } } },
      policyYaml: `
version: 1
targets:
${target('slow')}
shedding: { max_concurrent: 1, max_queue: 0 }
degradation: { static_message: "We are busy; please retry in a minute." }
`,
    });
    const h = harness;
    const first = ask(h, 'a', 'first');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    const { data, response } = await ask(h, 'b', 'second');
    expect(Date.now() - started).toBeLessThan(300);
    expect(response.headers.get('x-switchyard-degraded')).toBe('static');
    expect(data.choices[0]?.message.content).toBe('We are busy; please retry in a minute.');
    expect((await first).data.model).toBe('slow');
    const records = await h.records();
    expect(records.find((record) => record.degraded === 'static')).toBeTruthy();
  });

  it('serves the cached answer to the same request when every target fails', async () => {
    harness = await startHarness({
      profiles: {
        'flaky-model': {
          ...QUICK_PROFILE,
          faults: {
            script: ['ok', 'server_error', 'server_error', 'server_error', 'server_error'],
          },
        },
      },
      policyYaml: `
version: 1
targets:
${target('flaky')}
routes:
  main: { targets: [{ target: flaky, max_attempts: 2 }] }
default_route: main
degradation: { cache: { ttl_s: 60, max_entries: 100 } }
`,
    });
    const fresh = await ask(harness, 'a', 'what is our refund policy?');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { data, response } = await ask(harness, 'b', 'what is our refund policy?');
    expect(response.headers.get('x-switchyard-degraded')).toBe('cache');
    expect(data.choices[0]?.message.content).toBe(fresh.data.choices[0]?.message.content);
    const error = await ask(harness, 'c', 'a different question').catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.APIError);
  });
});

describe('shadow traffic and online checks', () => {
  it('mirrors to the shadow target without delaying the client, and records both answers', async () => {
    harness = await startHarness({
      profiles: {
        'live-model': QUICK_PROFILE,
        'shadow-model': { ...QUICK_PROFILE, ttft_ms: { p50: 400, p95: 450 } },
      },
      policyYaml: `
version: 1
targets:
${target('live')}
${target('shadow')}
routes:
  main:
    targets: [live]
    shadow: { target: shadow, percentage: 100, max_concurrent: 4, max_queue: 8 }
    online_checks: { sample_rate: 1, deny_patterns: ["simulated"] }
default_route: main
`,
    });
    const h = harness;
    const started = Date.now();
    const { data, response } = await ask(h, 'u');
    expect(Date.now() - started).toBeLessThan(300);
    expect(data.model).toBe('live');
    const requestId = response.headers.get('x-switchyard-request-id');
    await waitFor(async () => (await h.records()).some((record) => record.shadow));
    const records = await h.records();
    const shadow = records.find((record) => record.shadow);
    expect(shadow?.shadowOf).toBe(requestId);
    expect(shadow?.servedTarget).toBe('shadow');
    expect(shadow?.responseSha256).toMatch(/^[0-9a-f]{64}$/);
    const metrics = await (await request(`${h.url}/metrics`)).body.text();
    expect(metrics).toMatch(/switchyard_online_checks_total\{target="live",result="fail"\} 1/);
    expect(metrics).toMatch(/switchyard_shadow_total\{route="main",outcome="sent"\} 1/);
  });
});
