import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../test/support/redis-server.js';
import { createRedisState, type SharedState } from '../state/index.js';
import { type CanaryController, createCanaryController } from './canary-controller.js';
import { parseCanaryGates } from './canary-gates.js';

let server: RedisServer;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  await server?.stop();
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A gateway replica: its own Redis connection and its own controller for the route. */
function replica(): { state: SharedState; controller: CanaryController } {
  const state = createRedisState({ url: server.url, keyPrefix: 'canary-test:' });
  const controller = createCanaryController({
    route: 'chat',
    candidate: 'candidate-xl',
    steps: [5, 25, 50, 100],
    intervalMs: 30_000,
    minSamples: 10,
    windowMs: 60_000,
    gates: parseCanaryGates(['latency<300']),
    state,
  });
  closers.push(async () => {
    await controller.close();
    await state.close();
  });
  return { state, controller };
}

describe('canary state in Redis', () => {
  it('is shared by replicas and survives a restart', async () => {
    const first = replica();
    const second = replica();
    await first.controller.load();
    await second.controller.load();

    await first.controller.promote();
    await first.controller.pause();
    expect(second.controller.percentage()).toBe(5);
    await second.controller.evaluate();
    expect(second.controller.snapshot()).toMatchObject({ status: 'paused', percentage: 25 });

    for (let index = 0; index < 10; index += 1) {
      second.controller.observe('baseline', { latencyMs: 100, ok: true, costUsd: 0 });
      second.controller.observe('canary', { latencyMs: 900, ok: true, costUsd: 0 });
    }
    expect(await second.controller.evaluate()).toMatchObject({ action: 'rollback' });
    await first.controller.evaluate();
    expect(first.controller.percentage()).toBe(0);

    const restarted = replica();
    await restarted.controller.load();
    expect(restarted.controller.snapshot()).toMatchObject({ status: 'rolled_back', percentage: 0 });
    expect(restarted.controller.snapshot().history.map((event) => event.type)).toEqual([
      'canary-start',
      'canary-promote',
      'canary-pause',
      'canary-rollback',
    ]);
  });
});
