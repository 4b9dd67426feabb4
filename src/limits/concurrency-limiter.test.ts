import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryState, type MemoryState } from '../state/index.js';
import {
  type ConcurrencyAcquisition,
  type ConcurrencyLimitConfig,
  createConcurrencyLimiter,
} from './concurrency-limiter.js';

const states: MemoryState[] = [];

afterEach(async () => {
  await Promise.all(states.splice(0).map((state) => state.close()));
});

function createHarness(limits: ConcurrencyLimitConfig[], holdTtlMs = 60_000) {
  const clock = { time: 1_000_000 };
  const state = createMemoryState({ now: () => clock.time });
  states.push(state);
  return { limiter: createConcurrencyLimiter({ limits, state, holdTtlMs }), clock, state };
}

function held(acquisition: ConcurrencyAcquisition): Extract<ConcurrencyAcquisition, { ok: true }> {
  if (!acquisition.ok) throw new Error(`expected a slot, refused by ${acquisition.limit}`);
  return acquisition;
}

describe('createConcurrencyLimiter', () => {
  it('holds up to maxConcurrent slots, refuses the next, and frees a slot on release', async () => {
    const { limiter } = createHarness([{ scope: 'target', name: 'big', maxConcurrent: 2 }]);
    const first = held(await limiter.acquire({ target: 'big' }));
    held(await limiter.acquire({ target: 'big' }));
    expect(await limiter.acquire({ target: 'big' })).toEqual({ ok: false, limit: 'target:big' });
    await first.release();
    held(await limiter.acquire({ target: 'big' }));
    expect((await limiter.acquire({ target: 'big' })).ok).toBe(false);
  });

  it('releases once however often release() is called', async () => {
    const { limiter } = createHarness([{ scope: 'target', name: 'big', maxConcurrent: 2 }]);
    const first = held(await limiter.acquire({ target: 'big' }));
    held(await limiter.acquire({ target: 'big' }));
    await first.release();
    await first.release();
    held(await limiter.acquire({ target: 'big' }));
    expect((await limiter.acquire({ target: 'big' })).ok).toBe(false);
  });

  it('holds nothing after a refusal: slots taken in other limits are given back', async () => {
    const { limiter, state } = createHarness([
      { scope: 'tenant', name: 'acme', maxConcurrent: 1 },
      { scope: 'target', name: 'big', maxConcurrent: 1 },
    ]);
    const other = held(await limiter.acquire({ target: 'big' }));
    expect(await limiter.acquire({ tenant: 'acme', target: 'big' })).toEqual({
      ok: false,
      limit: 'target:big',
    });
    expect(state.entryCount()).toBe(1);
    await other.release();
    const both = held(await limiter.acquire({ tenant: 'acme', target: 'big' }));
    expect(state.entryCount()).toBe(2);
    await both.release();
    expect(state.entryCount()).toBe(0);
  });

  it("gives every tenant its own '*' semaphore, replaced by a tenant's named one", async () => {
    const { limiter } = createHarness([
      { scope: 'tenant', name: '*', maxConcurrent: 1 },
      { scope: 'tenant', name: 'acme', maxConcurrent: 2 },
    ]);
    held(await limiter.acquire({ tenant: 'globex' }));
    expect(await limiter.acquire({ tenant: 'globex' })).toEqual({
      ok: false,
      limit: 'tenant:globex',
    });
    held(await limiter.acquire({ tenant: 'initech' }));
    held(await limiter.acquire({ tenant: 'acme' }));
    held(await limiter.acquire({ tenant: 'acme' }));
    expect((await limiter.acquire({ tenant: 'acme' })).ok).toBe(false);
    expect((await limiter.acquire({ tenant: null })).ok).toBe(true);
  });

  it('lets a hold that is never released expire after holdTtlMs', async () => {
    const { limiter, clock } = createHarness(
      [{ scope: 'target', name: 'big', maxConcurrent: 1 }],
      30_000,
    );
    held(await limiter.acquire({ target: 'big' }));
    clock.time += 29_999;
    expect((await limiter.acquire({ target: 'big' })).ok).toBe(false);
    clock.time += 1;
    expect((await limiter.acquire({ target: 'big' })).ok).toBe(true);
  });

  it('shares slots between two limiters (replicas) on one state', async () => {
    const { state } = createHarness([]);
    const limits: ConcurrencyLimitConfig[] = [{ scope: 'target', name: 'big', maxConcurrent: 1 }];
    const first = createConcurrencyLimiter({ limits, state, holdTtlMs: 60_000 });
    const second = createConcurrencyLimiter({ limits, state, holdTtlMs: 60_000 });
    const slot = held(await first.acquire({ target: 'big' }));
    expect((await second.acquire({ target: 'big' })).ok).toBe(false);
    await slot.release();
    expect((await second.acquire({ target: 'big' })).ok).toBe(true);
  });

  it.each([
    [[{ scope: 'target', name: '*', maxConcurrent: 1 }], "'*' is only meaningful"],
    [[{ scope: 'target', name: 'big', maxConcurrent: 1.5 }], 'maxConcurrent'],
    [
      [
        { scope: 'tenant', name: 'acme', maxConcurrent: 1 },
        { scope: 'tenant', name: 'acme', maxConcurrent: 2 },
      ],
      'configured twice',
    ],
  ] as const)('refuses the limits %o', (limits, message) => {
    const state = createMemoryState();
    states.push(state);
    expect(() =>
      createConcurrencyLimiter({ limits: [...limits], state, holdTtlMs: 1_000 }),
    ).toThrow(message);
  });
});
