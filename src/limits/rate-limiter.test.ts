import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryState, type MemoryState } from '../state/index.js';
import { createRateLimiter, type RateLimitConfig } from './rate-limiter.js';

const states: MemoryState[] = [];

afterEach(async () => {
  await Promise.all(states.splice(0).map((state) => state.close()));
});

/** A limiter on a memory state, both on one hand-driven clock 250 ms into a 1 s window. */
function createHarness(limits: RateLimitConfig[]) {
  const clock = { time: 1_000_000_250 };
  const now = () => clock.time;
  const state = createMemoryState({ now });
  states.push(state);
  return { limiter: createRateLimiter({ limits, state, now }), clock, state, now };
}

async function takeTimes(
  limiter: ReturnType<typeof createRateLimiter>,
  subject: Parameters<ReturnType<typeof createRateLimiter>['take']>[0],
  times: number,
): Promise<boolean[]> {
  const allowed: boolean[] = [];
  for (let index = 0; index < times; index += 1) {
    allowed.push((await limiter.take(subject)).allowed);
  }
  return allowed;
}

describe('createRateLimiter', () => {
  it('allows `requests` per window, then refuses until the window ends', async () => {
    const { limiter, clock } = createHarness([
      { scope: 'target', name: 'big', requests: 3, windowMs: 1_000 },
    ]);
    expect(await takeTimes(limiter, { target: 'big' }, 3)).toEqual([true, true, true]);
    expect(await limiter.take({ target: 'big' })).toEqual({
      allowed: false,
      limit: 'target:big',
      retryAfterMs: 750,
    });
    clock.time += 749;
    expect((await limiter.take({ target: 'big' })).allowed).toBe(false);
    clock.time += 1;
    expect(await takeTimes(limiter, { target: 'big' }, 4)).toEqual([true, true, true, false]);
  });

  it('limits only the target named, and only when the subject names a target', async () => {
    const { limiter } = createHarness([
      { scope: 'target', name: 'big', requests: 1, windowMs: 1_000 },
    ]);
    expect(await takeTimes(limiter, { target: 'small' }, 5)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(await takeTimes(limiter, { tenant: 'acme' }, 3)).toEqual([true, true, true]);
    expect(await takeTimes(limiter, { target: 'big', tenant: 'acme' }, 2)).toEqual([true, false]);
  });

  it("gives every tenant its own '*' limit, replaced by a tenant's named one", async () => {
    const { limiter } = createHarness([
      { scope: 'tenant', name: '*', requests: 2, windowMs: 1_000 },
      { scope: 'tenant', name: 'acme', requests: 4, windowMs: 1_000 },
    ]);
    expect(await takeTimes(limiter, { tenant: 'globex' }, 3)).toEqual([true, true, false]);
    expect(await takeTimes(limiter, { tenant: 'initech' }, 3)).toEqual([true, true, false]);
    expect(await takeTimes(limiter, { tenant: 'acme' }, 5)).toEqual([
      true,
      true,
      true,
      true,
      false,
    ]);
    expect(await limiter.take({ tenant: 'globex' })).toMatchObject({ limit: 'tenant:globex' });
    expect((await limiter.take({ tenant: null })).allowed).toBe(true);
  });

  it("gives back the tenant's request when the target refuses it", async () => {
    const { limiter } = createHarness([
      { scope: 'tenant', name: 'acme', requests: 2, windowMs: 1_000 },
      { scope: 'target', name: 'big', requests: 1, windowMs: 1_000 },
    ]);
    expect((await limiter.take({ tenant: 'acme', target: 'big' })).allowed).toBe(true);
    expect(await limiter.take({ tenant: 'acme', target: 'big' })).toMatchObject({
      allowed: false,
      limit: 'target:big',
    });
    // Without the refund the tenant would have used both of its requests by now.
    expect(await takeTimes(limiter, { tenant: 'acme' }, 2)).toEqual([true, false]);
  });

  it('enforces every window when a subject has limits of several lengths', async () => {
    const { limiter, clock } = createHarness([
      { scope: 'target', name: 'big', requests: 2, windowMs: 1_000 },
      { scope: 'target', name: 'big', requests: 3, windowMs: 60_000 },
    ]);
    clock.time = 60_000 * 20_000;
    expect(await takeTimes(limiter, { target: 'big' }, 3)).toEqual([true, true, false]);
    clock.time += 1_000;
    expect(await takeTimes(limiter, { target: 'big' }, 2)).toEqual([true, false]);
    expect(await limiter.take({ target: 'big' })).toEqual({
      allowed: false,
      limit: 'target:big',
      retryAfterMs: 59_000,
    });
  });

  it('shares counts between two limiters (replicas) on one state', async () => {
    const { state, now } = createHarness([]);
    const limits: RateLimitConfig[] = [
      { scope: 'tenant', name: '*', requests: 2, windowMs: 1_000 },
    ];
    const first = createRateLimiter({ limits, state, now });
    const second = createRateLimiter({ limits, state, now });
    expect((await first.take({ tenant: 'acme' })).allowed).toBe(true);
    expect((await second.take({ tenant: 'acme' })).allowed).toBe(true);
    expect((await first.take({ tenant: 'acme' })).allowed).toBe(false);
  });

  it.each([
    [{ scope: 'target', name: '*' }, "'*' is only meaningful"],
    [{ requests: 1.5 }, 'requests'],
    [{ requests: -1 }, 'requests'],
    [{ windowMs: 0 }, 'windowMs'],
  ] as const)('refuses the limit %o', (override, message) => {
    const limit: RateLimitConfig = {
      scope: 'tenant',
      name: 'acme',
      requests: 1,
      windowMs: 1_000,
      ...override,
    };
    const state = createMemoryState();
    states.push(state);
    expect(() => createRateLimiter({ limits: [limit], state })).toThrow(message);
  });
});
