import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../../test/support/redis-server.js';
import { createRedisState, DEFAULT_REDIS_KEY_PREFIX } from './redis-state.js';
import { runSharedStateConformance } from './shared-state.case.js';
import type { SharedState } from './shared-state.js';
import { windowIndex } from './shared-state.js';
import { SharedStateError } from './shared-state-error.js';

let server: RedisServer;
let prefixes = 0;

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  await server?.stop();
});

/** A prefix of its own per store, so tests sharing one server never see each other's keys. */
function freshPrefix(): string {
  prefixes += 1;
  return `test-${prefixes}:`;
}

runSharedStateConformance('redis', async () => {
  const state = createRedisState({ url: server.url, keyPrefix: freshPrefix() });
  return { state, close: () => state.close() };
});

describe('createRedisState', () => {
  it('lays keys out under the default prefix and expires a window counter after two windows', async () => {
    const state = createRedisState({ url: server.url });
    const inspector = new Redis(server.url);
    try {
      const windowMs = 60_000;
      await state.addToWindow('spend:route-a', 0.5, windowMs);
      await state.tryAcquire('concurrency:target-a', 2, 30_000);
      await state.set('kill-switch', 'on');
      await state.pushEvent('audit', 'kill', 100);
      const index = windowIndex(Date.now(), windowMs);
      const windowKey = `${DEFAULT_REDIS_KEY_PREFIX}window:spend:route-a:${index}`;
      expect(DEFAULT_REDIS_KEY_PREFIX).toBe('switchyard:');
      expect((await inspector.keys('switchyard:*')).sort()).toEqual(
        [
          'switchyard:events:audit',
          'switchyard:kv:kill-switch',
          'switchyard:sem:concurrency:target-a',
          windowKey,
        ].sort(),
      );
      expect(await inspector.get(windowKey)).toBe('0.5');
      const windowTtl = await inspector.pttl(windowKey);
      expect(windowTtl).toBeGreaterThan(2 * windowMs - 5_000);
      expect(windowTtl).toBeLessThanOrEqual(2 * windowMs);
      const holdTtl = await inspector.pttl('switchyard:sem:concurrency:target-a');
      expect(holdTtl).toBeGreaterThan(25_000);
      expect(holdTtl).toBeLessThanOrEqual(30_000);
      expect(await inspector.pttl('switchyard:kv:kill-switch')).toBe(-1);
    } finally {
      await state.close();
      await inspector.quit();
    }
  });

  it('lets two replicas on one Redis agree on a budget, a kill-switch, a breaker and a semaphore', async () => {
    const keyPrefix = freshPrefix();
    const replicaA: SharedState = createRedisState({ url: server.url, keyPrefix });
    const replicaB: SharedState = createRedisState({ url: server.url, keyPrefix });
    const hour = 3_600_000;
    try {
      await Promise.all([
        ...Array.from({ length: 50 }, () => replicaA.addToWindow('budget:tenant-x', 0.25, hour)),
        ...Array.from({ length: 50 }, () => replicaB.addToWindow('budget:tenant-x', 0.5, hour)),
      ]);
      expect(await replicaA.readWindow('budget:tenant-x', hour)).toBe(37.5);
      expect(await replicaB.readWindow('budget:tenant-x', hour)).toBe(37.5);

      await replicaA.set('kill-switch', JSON.stringify({ safeTarget: 'small-chat-v1' }));
      expect(await replicaB.get('kill-switch')).toBe('{"safeTarget":"small-chat-v1"}');
      await replicaB.delete('kill-switch');
      expect(await replicaA.get('kill-switch')).toBeNull();

      await replicaB.set('breaker:candidate-xl', 'open', 30_000);
      expect(await replicaA.get('breaker:candidate-xl')).toBe('open');

      const holdA = await replicaA.tryAcquire('concurrency:candidate-xl', 2, 60_000);
      const holdB = await replicaB.tryAcquire('concurrency:candidate-xl', 2, 60_000);
      expect(holdA).not.toBeNull();
      expect(holdB).not.toBeNull();
      expect(await replicaA.tryAcquire('concurrency:candidate-xl', 2, 60_000)).toBeNull();
      await replicaA.release('concurrency:candidate-xl', holdB as string);
      expect(await replicaB.tryAcquire('concurrency:candidate-xl', 2, 60_000)).not.toBeNull();

      await replicaA.pushEvent('audit', 'canary-rollback', 10);
      await replicaB.pushEvent('audit', 'kill', 10);
      expect(await replicaA.readEvents('audit', 10)).toEqual(['canary-rollback', 'kill']);
    } finally {
      await replicaA.close();
      await replicaB.close();
    }
  });

  it('rejects with a message naming the operation, key and server when Redis is unreachable', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = probe.address();
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const state = createRedisState({ url: `redis://user:secret@127.0.0.1:${port}` });
    try {
      const failure = await state.get('kill-switch').then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(SharedStateError);
      const message = (failure as SharedStateError).message;
      expect(message).toContain(`redis get "kill-switch" at 127.0.0.1:${port} failed`);
      expect(message).toContain('ECONNREFUSED');
      expect(message).not.toContain('secret');
      expect((failure as SharedStateError).operation).toBe('get');
    } finally {
      await state.close();
    }
  });

  it('rejects once the server has gone away, and recovers nothing silently', async () => {
    const own = await startRedisServer();
    const state = createRedisState({ url: own.url, keyPrefix: freshPrefix() });
    try {
      await state.set('kill-switch', 'on');
      await own.stop();
      expect(existsSync(own.directory)).toBe(false);
      await expect(state.get('kill-switch')).rejects.toThrow(/redis get "kill-switch".*failed/);
    } finally {
      await state.close();
      await own.stop();
    }
  });
});

describe('startRedisServer', () => {
  it('fails with an install hint, not a skip, when redis-server is missing', async () => {
    await expect(startRedisServer({ binary: '/nonexistent/redis-server' })).rejects.toThrow(
      /apt-get install redis-server/,
    );
  });
});
