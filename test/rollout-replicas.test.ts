import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import pino from 'pino';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../src/gateway/index.js';
import { createSimServer, parseSimProfile } from '../src/providers/sim/index.js';
import { parsePolicyText } from '../src/routing/policy/index.js';
import { createRedisState } from '../src/state/index.js';
import { QUICK_PROFILE } from './support/gateway-harness.js';
import { type RedisServer, startRedisServer } from './support/redis-server.js';

/**
 * Two gateway replicas sharing state through a real redis-server agree on the kill-switch, a
 * budget and an open breaker.
 */

let redis: RedisServer;
let sim: ReturnType<typeof createSimServer>;
let simUrl: string;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-replicas-'));
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  redis = await startRedisServer();
  sim = createSimServer({
    profiles: {
      'flaky-model': parseSimProfile({ ...QUICK_PROFILE, faults: { rates: { server_error: 1 } } }),
      'steady-model': parseSimProfile(QUICK_PROFILE),
      'pricey-model': parseSimProfile(QUICK_PROFILE),
    },
  });
  simUrl = (await sim.listen(0, '127.0.0.1')).url;
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await sim.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

const POLICY = () => `
version: 1
server: { admin_token_env: ADMIN_TOKEN }
log: { enabled: false }
state: { kind: redis }
breaker: { consecutive_failures: 2, open_ms: 60000 }
traffic: { safe_route: steady-only }
targets:
  flaky: { provider: openai-compatible, base_url: "${simUrl}/v1", model: flaky-model, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 1 } }
  steady: { provider: openai-compatible, base_url: "${simUrl}/v1", model: steady-model, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 1 } }
  pricey: { provider: openai-compatible, base_url: "${simUrl}/v1", model: pricey-model, context_window: 100000, price: { input_per_mtok: 1000000, output_per_mtok: 1000000 } }
routes:
  main: { targets: [{ target: flaky, max_attempts: 1 }, steady] }
  steady-only: { targets: [steady] }
  premium: { targets: [pricey] }
default_route: main
budgets:
  - { scope: route, name: premium, limit_usd: 0.000001, window_s: 60, on_exceeded: reject }
`;

async function replica(prefix: string): Promise<{ gateway: Gateway; client: OpenAI; url: string }> {
  const env = { ADMIN_TOKEN: 'admin-secret', SWITCHYARD_REDIS_URL: redis.url };
  const policy = parsePolicyText(POLICY(), join(dir, 'switchyard.yaml'), env);
  const gateway = createGateway({
    policy,
    env,
    logger: pino({ level: 'silent' }),
    state: createRedisState({ url: redis.url, keyPrefix: prefix }),
  });
  const { url } = await gateway.listen(0, '127.0.0.1');
  cleanups.push(() => gateway.close(100));
  return { gateway, url, client: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 }) };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('condition not met in time');
}

const flakyCalls = () => sim.stats().log.filter((entry) => entry.model === 'flaky-model').length;

describe('two replicas on one Redis', () => {
  it('agree on the kill-switch', async () => {
    const a = await replica('kill:');
    const b = await replica('kill:');
    const killed = await request(`${a.url}/admin/traffic`, {
      method: 'POST',
      headers: { authorization: 'Bearer admin-secret', 'content-type': 'application/json' },
      body: JSON.stringify({ kill: true, reason: 'drill' }),
    });
    expect(killed.statusCode).toBe(200);
    await killed.body.dump();
    // Killed, the other replica serves from the safe route (steady-only) instead of main.
    await waitFor(async () => {
      const { response } = await b.client.chat.completions
        .create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
      return response.headers.get('x-switchyard-route') === 'steady-only';
    });
  });

  it('agree on a budget spent on the other replica', async () => {
    const a = await replica('budget:');
    const b = await replica('budget:');
    const first = await a.client.chat.completions.create({
      model: 'premium',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(first.model).toBe('pricey');
    await waitFor(async () => {
      const error = await b.client.chat.completions
        .create({ model: 'premium', messages: [{ role: 'user', content: 'hi' }] })
        .catch((caught: unknown) => caught);
      return error instanceof OpenAI.RateLimitError && error.code === 'budget_exceeded';
    });
  });

  it('agree on an open breaker: the second replica stops calling the failing target', async () => {
    const a = await replica('breaker:');
    const b = await replica('breaker:');
    for (let index = 0; index < 2; index++) {
      const answer = await a.client.chat.completions.create({
        model: 'main',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(answer.model).toBe('steady');
    }
    const state = await request(`${a.url}/admin/state`, {
      headers: { authorization: 'Bearer admin-secret' },
    });
    const breakers = (
      (await state.body.json()) as { breakers: Array<{ target: string; state: string }> }
    ).breakers;
    expect(breakers.find((breaker) => breaker.target === 'flaky')?.state).toBe('open');
    await waitFor(async () => {
      const stateB = await request(`${b.url}/admin/state`, {
        headers: { authorization: 'Bearer admin-secret' },
      });
      const list = (
        (await stateB.body.json()) as { breakers: Array<{ target: string; state: string }> }
      ).breakers;
      return list.find((breaker) => breaker.target === 'flaky')?.state === 'open';
    });
    const before = flakyCalls();
    const answer = await b.client.chat.completions.create({
      model: 'main',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(answer.model).toBe('steady');
    expect(flakyCalls()).toBe(before);
  });
});
