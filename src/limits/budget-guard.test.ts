import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryState, type MemoryState } from '../state/index.js';
import { type BudgetConfig, createBudgetGuard } from './budget-guard.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const states: MemoryState[] = [];

afterEach(async () => {
  await Promise.all(states.splice(0).map((state) => state.close()));
});

/** A guard on a memory state, both reading one hand-driven clock that starts mid-window. */
function createHarness(budgets: BudgetConfig[], options: { maxTrackedTenants?: number } = {}) {
  const clock = { time: 10 * DAY + 15 * 60_000 };
  const now = () => clock.time;
  const state = createMemoryState({ now });
  states.push(state);
  const guard = createBudgetGuard({ budgets, state, now, ...options });
  return { guard, clock, state, now };
}

const chat = (tenant: string | null = null) => ({
  route: 'chat',
  targets: ['big', 'small'],
  tenant,
});

describe('createBudgetGuard', () => {
  it('allows while spend is below the limit and rejects once it reaches it', async () => {
    const { guard } = createHarness([
      { scope: 'route', name: 'chat', limitUsd: 1, windowMs: HOUR, onExceeded: 'reject' },
    ]);
    await guard.record({ route: 'chat', target: 'big', tenant: null }, 0.6);
    expect(await guard.check(chat())).toEqual({ action: 'allow' });
    await guard.record({ route: 'chat', target: 'big', tenant: null }, 0.4);
    expect(await guard.check(chat())).toEqual({
      action: 'reject',
      budget: 'route:chat',
      retryAfterMs: 45 * 60_000,
    });
  });

  it('counts many small costs exactly, without floating-point drift at the limit', async () => {
    const { guard } = createHarness([
      { scope: 'route', name: 'chat', limitUsd: 0.3, windowMs: HOUR, onExceeded: 'reject' },
    ]);
    // 0.1 + 0.1 + 0.1 is 0.30000000000000004 in floating point; 29 x 0.01 is below 0.29.
    for (let index = 0; index < 29; index += 1) {
      await guard.record({ route: 'chat', target: 'big', tenant: null }, 0.01);
    }
    expect((await guard.check(chat())).action).toBe('allow');
    await guard.record({ route: 'chat', target: 'big', tenant: null }, 0.01);
    expect((await guard.check(chat())).action).toBe('reject');
  });

  it('lets one in-flight request overshoot the limit by its own cost', async () => {
    const { guard } = createHarness([
      { scope: 'route', name: 'chat', limitUsd: 1, windowMs: HOUR, onExceeded: 'reject' },
    ]);
    await guard.record({ route: 'chat', target: 'big', tenant: null }, 0.9);
    expect((await guard.check(chat())).action).toBe('allow');
    await guard.record({ route: 'chat', target: 'big', tenant: null }, 0.5);
    const [entry] = await guard.snapshot();
    expect(entry?.spentUsd).toBeCloseTo(1.4, 9);
    expect(entry?.remainingUsd).toBe(0);
    expect(entry?.exceeded).toBe(true);
  });

  it('starts from zero in the next window, and retryAfterMs pointed exactly there', async () => {
    const { guard, clock } = createHarness([
      { scope: 'route', name: 'chat', limitUsd: 1, windowMs: HOUR, onExceeded: 'reject' },
    ]);
    await guard.record({ route: 'chat', target: 'big', tenant: null }, 2);
    const decision = await guard.check(chat());
    if (decision.action !== 'reject') throw new Error(`expected reject, got ${decision.action}`);
    clock.time += decision.retryAfterMs - 1;
    expect((await guard.check(chat())).action).toBe('reject');
    clock.time += 1;
    expect(await guard.check(chat())).toEqual({ action: 'allow' });
  });

  it('applies a route budget to its route only', async () => {
    const { guard } = createHarness([
      { scope: 'route', name: 'chat', limitUsd: 1, windowMs: HOUR, onExceeded: 'reject' },
    ]);
    await guard.record({ route: 'code', target: 'big', tenant: null }, 5);
    expect((await guard.check(chat())).action).toBe('allow');
    expect((await guard.check({ ...chat(), route: 'code' })).action).toBe('allow');
    await guard.record({ route: 'chat', target: 'big', tenant: null }, 1);
    expect((await guard.check(chat())).action).toBe('reject');
  });

  it("counts a target's spend from every route and applies it to requests that may use it", async () => {
    const { guard } = createHarness([
      { scope: 'target', name: 'big', limitUsd: 1, windowMs: HOUR, onExceeded: 'reject' },
    ]);
    await guard.record({ route: 'code', target: 'big', tenant: null }, 0.5);
    await guard.record({ route: 'chat', target: 'big', tenant: null }, 0.5);
    await guard.record({ route: 'chat', target: 'small', tenant: null }, 9);
    expect(await guard.check(chat())).toMatchObject({ action: 'reject', budget: 'target:big' });
    expect(await guard.check({ route: 'chat', targets: ['small'], tenant: null })).toEqual({
      action: 'allow',
    });
  });

  it("gives every tenant its own '*' budget and leaves requests without a tenant alone", async () => {
    const { guard } = createHarness([
      { scope: 'tenant', name: '*', limitUsd: 1, windowMs: DAY, onExceeded: 'reject' },
    ]);
    await guard.record({ route: 'chat', target: 'big', tenant: 'acme' }, 1);
    await guard.record({ route: 'chat', target: 'big', tenant: null }, 50);
    expect(await guard.check(chat('acme'))).toMatchObject({
      action: 'reject',
      budget: 'tenant:acme',
    });
    expect(await guard.check(chat('globex'))).toEqual({ action: 'allow' });
    expect(await guard.check(chat(null))).toEqual({ action: 'allow' });
  });

  it("lets a tenant's own budget replace the '*' default for that tenant", async () => {
    const { guard } = createHarness([
      { scope: 'tenant', name: '*', limitUsd: 1, windowMs: DAY, onExceeded: 'reject' },
      { scope: 'tenant', name: 'acme', limitUsd: 10, windowMs: DAY, onExceeded: 'reject' },
    ]);
    await guard.record({ route: 'chat', target: 'big', tenant: 'acme' }, 5);
    await guard.record({ route: 'chat', target: 'big', tenant: 'globex' }, 5);
    expect(await guard.check(chat('acme'))).toEqual({ action: 'allow' });
    expect(await guard.check(chat('globex'))).toMatchObject({ budget: 'tenant:globex' });
  });

  it('downgrades to the configured route, and asks nothing more once there', async () => {
    const { guard } = createHarness([
      {
        scope: 'route',
        name: 'chat',
        limitUsd: 1,
        windowMs: HOUR,
        onExceeded: 'downgrade',
        downgradeRoute: 'chat-cheap',
      },
      {
        scope: 'tenant',
        name: 'acme',
        limitUsd: 1,
        windowMs: HOUR,
        onExceeded: 'downgrade',
        downgradeRoute: 'chat-cheap',
      },
    ]);
    await guard.record({ route: 'chat', target: 'big', tenant: null }, 1);
    expect(await guard.check(chat())).toEqual({
      action: 'downgrade',
      route: 'chat-cheap',
      budget: 'route:chat',
    });
    await guard.record({ route: 'chat-cheap', target: 'small', tenant: 'acme' }, 1);
    const cheap = { route: 'chat-cheap', targets: ['small'], tenant: 'acme' };
    expect(await guard.check(cheap)).toEqual({ action: 'allow' });
  });

  it('treats a downgrade with no route to go to as a rejection', async () => {
    const { guard } = createHarness([
      { scope: 'route', name: 'chat', limitUsd: 0, windowMs: HOUR, onExceeded: 'downgrade' },
    ]);
    expect(await guard.check(chat())).toMatchObject({ action: 'reject', budget: 'route:chat' });
  });

  it("rejects on a tenant's budget even when a route budget offers a downgrade", async () => {
    const { guard } = createHarness([
      {
        scope: 'route',
        name: 'chat',
        limitUsd: 0,
        windowMs: HOUR,
        onExceeded: 'downgrade',
        downgradeRoute: 'chat-cheap',
      },
      { scope: 'tenant', name: '*', limitUsd: 0, windowMs: DAY, onExceeded: 'reject' },
    ]);
    expect(await guard.check(chat('acme'))).toEqual({
      action: 'reject',
      budget: 'tenant:acme',
      retryAfterMs: DAY - 15 * 60_000,
    });
    expect(await guard.check(chat(null))).toMatchObject({ action: 'downgrade' });
  });

  it("prefers a downgrade to rejecting on the route's own budgets, which it leaves behind", async () => {
    const { guard } = createHarness([
      { scope: 'target', name: 'big', limitUsd: 0, windowMs: HOUR, onExceeded: 'reject' },
      {
        scope: 'route',
        name: 'chat',
        limitUsd: 0,
        windowMs: HOUR,
        onExceeded: 'downgrade',
        downgradeRoute: 'chat-cheap',
      },
    ]);
    expect(await guard.check(chat())).toEqual({
      action: 'downgrade',
      route: 'chat-cheap',
      budget: 'route:chat',
    });
  });

  it('waits for the latest reset when several budgets reject', async () => {
    const { guard } = createHarness([
      { scope: 'route', name: 'chat', limitUsd: 0, windowMs: HOUR, onExceeded: 'reject' },
      { scope: 'target', name: 'small', limitUsd: 0, windowMs: DAY, onExceeded: 'reject' },
    ]);
    expect(await guard.check(chat())).toEqual({
      action: 'reject',
      budget: 'target:small',
      retryAfterMs: DAY - 15 * 60_000,
    });
  });

  it('keeps separate counters for budgets on one subject with different windows', async () => {
    const { guard, clock } = createHarness([
      { scope: 'route', name: 'chat', limitUsd: 1, windowMs: HOUR, onExceeded: 'reject' },
      { scope: 'route', name: 'chat', limitUsd: 3, windowMs: DAY, onExceeded: 'reject' },
    ]);
    for (let hour = 0; hour < 3; hour += 1) {
      expect((await guard.check(chat())).action).toBe('allow');
      await guard.record({ route: 'chat', target: 'big', tenant: null }, 1);
      expect(await guard.check(chat())).toMatchObject({ action: 'reject' });
      clock.time += HOUR;
    }
    expect(await guard.check(chat())).toMatchObject({
      action: 'reject',
      retryAfterMs: 21 * HOUR - 15 * 60_000,
    });
  });

  it('ignores zero, negative and non-finite costs', async () => {
    const { guard } = createHarness([
      { scope: 'route', name: 'chat', limitUsd: 1, windowMs: HOUR, onExceeded: 'reject' },
    ]);
    await guard.record({ route: 'chat', target: 'big', tenant: null }, 0.5);
    for (const cost of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await guard.record({ route: 'chat', target: 'big', tenant: null }, cost);
    }
    const [entry] = await guard.snapshot();
    expect(entry?.spentUsd).toBe(0.5);
  });

  it("shows every budget's window in snapshot, '*' expanded to the tenants seen", async () => {
    const { guard } = createHarness([
      { scope: 'target', name: 'big', limitUsd: 2, windowMs: HOUR, onExceeded: 'reject' },
      {
        scope: 'tenant',
        name: '*',
        limitUsd: 1,
        windowMs: DAY,
        onExceeded: 'downgrade',
        downgradeRoute: 'cheap',
      },
    ]);
    await guard.record({ route: 'chat', target: 'big', tenant: 'globex' }, 0.25);
    await guard.check(chat('acme'));
    expect(await guard.snapshot()).toEqual([
      {
        id: 'target:big',
        scope: 'target',
        name: 'big',
        wildcard: false,
        spentUsd: 0.25,
        limitUsd: 2,
        windowMs: HOUR,
        remainingUsd: 1.75,
        exceeded: false,
        resetsInMs: 45 * 60_000,
        onExceeded: 'reject',
        downgradeRoute: null,
      },
      expect.objectContaining({ id: 'tenant:acme', name: 'acme', wildcard: true, spentUsd: 0 }),
      expect.objectContaining({
        id: 'tenant:globex',
        wildcard: true,
        spentUsd: 0.25,
        remainingUsd: 0.75,
        resetsInMs: DAY - 15 * 60_000,
        downgradeRoute: 'cheap',
      }),
    ]);
  });

  it('remembers at most maxTrackedTenants tenants for snapshot, dropping the oldest', async () => {
    const { guard } = createHarness(
      [{ scope: 'tenant', name: '*', limitUsd: 1, windowMs: DAY, onExceeded: 'reject' }],
      { maxTrackedTenants: 2 },
    );
    for (const tenant of ['a', 'b', 'c', 'b', 'd']) await guard.check(chat(tenant));
    expect((await guard.snapshot()).map((entry) => entry.name)).toEqual(['b', 'd']);
  });

  it('shares spend between two guards (replicas) on one state', async () => {
    const { state, now } = createHarness([]);
    const budgets: BudgetConfig[] = [
      { scope: 'route', name: 'chat', limitUsd: 1, windowMs: HOUR, onExceeded: 'reject' },
    ];
    const first = createBudgetGuard({ budgets, state, now });
    const second = createBudgetGuard({ budgets, state, now });
    await first.record({ route: 'chat', target: 'big', tenant: null }, 0.5);
    await second.record({ route: 'chat', target: 'big', tenant: null }, 0.5);
    expect((await first.check(chat())).action).toBe('reject');
    expect((await second.check(chat())).action).toBe('reject');
  });

  it.each([
    [{ scope: 'route', name: '*' }, "'*' is only meaningful"],
    [{ scope: 'target', name: '' }, 'name must not be empty'],
    [{ limitUsd: -1 }, 'limitUsd'],
    [{ limitUsd: Number.NaN }, 'limitUsd'],
    [{ windowMs: 0 }, 'windowMs'],
  ] as const)('refuses the budget %o', (override, message) => {
    const budget: BudgetConfig = {
      scope: 'route',
      name: 'chat',
      limitUsd: 1,
      windowMs: HOUR,
      onExceeded: 'reject',
      ...override,
    };
    const state = createMemoryState();
    states.push(state);
    expect(() => createBudgetGuard({ budgets: [budget], state })).toThrow(message);
  });
});
