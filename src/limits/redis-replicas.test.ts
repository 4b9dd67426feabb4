import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../test/support/redis-server.js';
import { createRedisState, type SharedState } from '../state/index.js';
import { createBudgetGuard } from './budget-guard.js';
import { createConcurrencyLimiter } from './concurrency-limiter.js';
import { createRateLimiter } from './rate-limiter.js';
import { createResponseCache } from './response-cache.js';

const DAY = 86_400_000;

let server: RedisServer;
let prefixes = 0;
const opened: SharedState[] = [];

beforeAll(async () => {
  server = await startRedisServer();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((state) => state.close()));
});

afterAll(async () => {
  await server?.stop();
});

/** Two replicas: separate Redis connections under one key prefix of their own. */
function twoReplicas(): [SharedState, SharedState] {
  prefixes += 1;
  const keyPrefix = `limits-test-${prefixes}:`;
  const first = createRedisState({ url: server.url, keyPrefix });
  const second = createRedisState({ url: server.url, keyPrefix });
  opened.push(first, second);
  return [first, second];
}

describe('limits shared through Redis', () => {
  it('two replicas agree on a budget: spend on one exhausts it on the other', async () => {
    const [firstState, secondState] = twoReplicas();
    const budgets = [
      {
        scope: 'tenant' as const,
        name: '*',
        limitUsd: 1,
        windowMs: DAY,
        onExceeded: 'reject' as const,
      },
    ];
    const first = createBudgetGuard({ budgets, state: firstState });
    const second = createBudgetGuard({ budgets, state: secondState });
    const subject = { route: 'chat', targets: ['big'], tenant: 'acme' };
    await first.record({ route: 'chat', target: 'big', tenant: 'acme' }, 0.75);
    expect(await second.check(subject)).toEqual({ action: 'allow' });
    await second.record({ route: 'chat', target: 'big', tenant: 'acme' }, 0.25);
    const decision = await first.check(subject);
    expect(decision).toMatchObject({ action: 'reject', budget: 'tenant:acme' });
    if (decision.action === 'reject') {
      expect(decision.retryAfterMs).toBeGreaterThan(0);
      expect(decision.retryAfterMs).toBeLessThanOrEqual(DAY);
    }
    const [entry] = await second.snapshot();
    expect(entry).toMatchObject({ name: 'acme', spentUsd: 1, exceeded: true });
  });

  it('two replicas share rate and concurrency limits', async () => {
    const [firstState, secondState] = twoReplicas();
    const rate = [{ scope: 'target' as const, name: 'big', requests: 2, windowMs: DAY }];
    const firstRate = createRateLimiter({ limits: rate, state: firstState });
    const secondRate = createRateLimiter({ limits: rate, state: secondState });
    expect((await firstRate.take({ target: 'big' })).allowed).toBe(true);
    expect((await secondRate.take({ target: 'big' })).allowed).toBe(true);
    expect((await firstRate.take({ target: 'big' })).allowed).toBe(false);

    const concurrency = [{ scope: 'tenant' as const, name: 'acme', maxConcurrent: 1 }];
    const firstSlots = createConcurrencyLimiter({
      limits: concurrency,
      state: firstState,
      holdTtlMs: 60_000,
    });
    const secondSlots = createConcurrencyLimiter({
      limits: concurrency,
      state: secondState,
      holdTtlMs: 60_000,
    });
    const slot = await firstSlots.acquire({ tenant: 'acme' });
    expect(slot.ok).toBe(true);
    expect(await secondSlots.acquire({ tenant: 'acme' })).toEqual({
      ok: false,
      limit: 'tenant:acme',
    });
    if (slot.ok) await slot.release();
    expect((await secondSlots.acquire({ tenant: 'acme' })).ok).toBe(true);
  });

  it('an answer cached by one replica is served by the other', async () => {
    const [firstState, secondState] = twoReplicas();
    const first = createResponseCache({ ttlMs: 60_000, maxEntries: 10, state: firstState });
    const second = createResponseCache({ ttlMs: 60_000, maxEntries: 10, state: secondState });
    const request = { model: 'auto', messages: [{ role: 'user' as const, content: 'hello' }] };
    const key = first.key(request, 'chat');
    expect(second.key(request, 'chat')).toBe(key);
    await first.set(key, {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'small',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
    });
    expect((await second.get(key))?.completion.choices[0]?.message.content).toBe('hi');
    expect(second.stats().stateErrors).toBe(0);
  });
});
