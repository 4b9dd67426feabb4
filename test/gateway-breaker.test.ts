import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type GatewayHarness, QUICK_PROFILE, startHarness } from './support/gateway-harness.js';

let harness: GatewayHarness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const POLICY = `
version: 1
server: { admin_token_env: ADMIN_TOKEN }
breaker: { consecutive_failures: 3, error_rate: 0.99, window_ms: 10000, min_requests: 100, open_ms: 400, half_open_probes: 1 }
targets:
  primary: { provider: openai-compatible, base_url: "{{SIM}}", model: primary-model, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 1 } }
  backup: { provider: openai-compatible, base_url: "{{SIM}}", model: backup-model, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 1 } }
routes:
  main:
    targets:
      - { target: primary, max_attempts: 1, fallback_on: [5xx] }
      - backup
default_route: main
`;

async function breakerState(h: GatewayHarness): Promise<string | undefined> {
  const response = await request(`${h.url}/admin/state`, {
    headers: { authorization: 'Bearer admin-secret' },
  });
  const state = (await response.body.json()) as {
    breakers: Array<{ target: string; state: string }>;
  };
  return state.breakers.find((breaker) => breaker.target === 'primary')?.state;
}

async function metricState(h: GatewayHarness): Promise<string | undefined> {
  const text = await (await request(`${h.url}/metrics`)).body.text();
  return /switchyard_breaker_state\{target="primary"\} (\d)/.exec(text)?.[1];
}

describe('circuit breaker through the gateway', () => {
  it('opens after 3 consecutive 5xx, fails fast, probes after open_ms and closes on success', async () => {
    harness = await startHarness({
      profiles: {
        'primary-model': {
          ...QUICK_PROFILE,
          faults: { script: ['server_error', 'server_error', 'server_error', 'ok'] },
        },
        'backup-model': QUICK_PROFILE,
      },
      policyYaml: POLICY,
      env: { ADMIN_TOKEN: 'admin-secret' },
    });
    const client = harness.openai();
    const ask = () =>
      client.chat.completions
        .create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
    const sim = harness.sim;
    const primaryCalls = () =>
      sim.stats().log.filter((entry) => entry.model === 'primary-model').length;

    for (let index = 0; index < 3; index++) {
      const { data } = await ask();
      expect(data.model).toBe('backup');
    }
    expect(primaryCalls()).toBe(3);
    expect(await breakerState(harness)).toBe('open');
    expect(await metricState(harness)).toBe('2');

    // Open: the primary is skipped without a call.
    const { data: skipped, response } = await ask();
    expect(skipped.model).toBe('backup');
    expect(primaryCalls()).toBe(3);
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');

    // After open_ms, one probe reaches the primary; the scripted 'ok' closes the breaker.
    await new Promise((resolve) => setTimeout(resolve, 450));
    const { data: probed } = await ask();
    expect(probed.model).toBe('primary');
    expect(primaryCalls()).toBe(4);
    expect(await breakerState(harness)).toBe('closed');
    expect(await metricState(harness)).toBe('0');
  });

  it('does not serve /admin without the token', async () => {
    harness = await startHarness({
      profiles: { 'primary-model': QUICK_PROFILE, 'backup-model': QUICK_PROFILE },
      policyYaml: POLICY,
      env: { ADMIN_TOKEN: 'admin-secret' },
    });
    const none = await request(`${harness.url}/admin/state`);
    expect(none.statusCode).toBe(401);
    await none.body.dump();
    const wrong = await request(`${harness.url}/admin/state`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.statusCode).toBe(401);
    await wrong.body.dump();
  });
});
