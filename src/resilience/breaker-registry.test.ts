import { describe, expect, it } from 'vitest';
import type { BreakerConfig } from '../routing/policy/policy-types.js';
import { type BreakerStateChange, createBreakerRegistry } from './breaker-registry.js';
import type { CircuitBreaker } from './circuit-breaker.js';

const DEFAULTS: BreakerConfig = {
  consecutiveFailures: 5,
  errorRate: 0.5,
  windowMs: 10_000,
  minRequests: 20,
  openMs: 30_000,
  halfOpenProbes: 1,
};

function fail(breaker: CircuitBreaker, times: number): void {
  for (let index = 0; index < times; index += 1) {
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordFailure();
  }
}

function createHarness(overrides = new Map<string, BreakerConfig | null>()) {
  const clock = { time: 5_000 };
  const registry = createBreakerRegistry(DEFAULTS, overrides, { now: () => clock.time });
  const changes: BreakerStateChange[] = [];
  registry.onStateChange((change) => changes.push(change));
  return { registry, clock, changes };
}

describe('createBreakerRegistry', () => {
  it('creates one breaker per target on first use', () => {
    const { registry } = createHarness();
    expect(registry.snapshot()).toEqual([]);
    const first = registry.get('small');
    expect(registry.get('small')).toBe(first);
    expect(registry.get('big')).not.toBe(first);
    expect(registry.snapshot().map((entry) => entry.target)).toEqual(['big', 'small']);
  });

  it.each([
    { target: 'strict', failuresToOpen: 2 },
    { target: 'unset', failuresToOpen: 5 },
    { target: 'unknown', failuresToOpen: 5 },
  ])(
    'gives $target the config it is due ($failuresToOpen failures open it)',
    ({ target, failuresToOpen }) => {
      const overrides = new Map<string, BreakerConfig | null>([
        ['strict', { ...DEFAULTS, consecutiveFailures: 2 }],
        ['unset', null],
      ]);
      const { registry } = createHarness(overrides);
      const breaker = registry.get(target);
      fail(breaker, failuresToOpen - 1);
      expect(breaker.state).toBe('closed');
      fail(breaker, 1);
      expect(breaker.state).toBe('open');
    },
  );

  it('tells listeners about every transition with its target and time', () => {
    const { registry, clock, changes } = createHarness();
    fail(registry.get('big'), 5);
    clock.time += 30_000;
    expect(registry.get('big').tryAcquire()).toBe(true);
    expect(changes).toEqual([
      { target: 'big', from: 'closed', to: 'open', at: 5_000 },
      { target: 'big', from: 'open', to: 'half-open', at: 35_000 },
    ]);
  });

  it('stops telling a listener once it unsubscribes', () => {
    const { registry } = createHarness();
    const heard: string[] = [];
    const unsubscribe = registry.onStateChange((change) => heard.push(change.to));
    fail(registry.get('a'), 5);
    unsubscribe();
    fail(registry.get('b'), 5);
    expect(heard).toEqual(['open']);
  });

  it('snapshots every breaker with its target', () => {
    const { registry } = createHarness();
    fail(registry.get('big'), 5);
    registry.get('small').tryAcquire();
    registry.get('small').recordSuccess();
    expect(registry.snapshot()).toEqual([
      {
        target: 'big',
        state: 'open',
        consecutiveFailures: 5,
        windowRequests: 5,
        windowFailures: 5,
        openedAt: 5_000,
        nextProbeAt: 35_000,
      },
      {
        target: 'small',
        state: 'closed',
        consecutiveFailures: 0,
        windowRequests: 1,
        windowFailures: 0,
        openedAt: null,
        nextProbeAt: null,
      },
    ]);
  });

  it('keeps the state of breakers whose config did not change on reconfigure', () => {
    const overrides = new Map<string, BreakerConfig | null>([['big', { ...DEFAULTS }]]);
    const { registry, changes } = createHarness(overrides);
    const big = registry.get('big');
    const small = registry.get('small');
    fail(big, 5);
    fail(small, 3);
    registry.reconfigure({ ...DEFAULTS }, new Map([['big', { ...DEFAULTS }]]));
    expect(registry.get('big')).toBe(big);
    expect(registry.get('small')).toBe(small);
    expect(big.state).toBe('open');
    expect(small.snapshot().consecutiveFailures).toBe(3);
    expect(changes.map((change) => change.to)).toEqual(['open']);
  });

  it('starts afresh the breakers whose config changed on reconfigure', () => {
    const { registry, changes } = createHarness();
    const big = registry.get('big');
    const small = registry.get('small');
    fail(big, 5);
    fail(small, 3);
    registry.reconfigure(DEFAULTS, new Map([['big', { ...DEFAULTS, openMs: 5_000 }]]));
    const newBig = registry.get('big');
    expect(newBig).not.toBe(big);
    expect(newBig.state).toBe('closed');
    expect(newBig.config.openMs).toBe(5_000);
    expect(registry.get('small')).toBe(small);
    expect(changes.slice(1)).toEqual([{ target: 'big', from: 'open', to: 'closed', at: 5_000 }]);
  });

  it('applies new defaults to breakers without an override on reconfigure', () => {
    const { registry } = createHarness();
    const small = registry.get('small');
    registry.reconfigure({ ...DEFAULTS, consecutiveFailures: 1 }, new Map());
    const newSmall = registry.get('small');
    expect(newSmall).not.toBe(small);
    fail(newSmall, 1);
    expect(newSmall.state).toBe('open');
  });

  it('does not report transitions of a breaker a reload replaced', () => {
    const { registry, changes } = createHarness();
    const old = registry.get('big');
    expect(old.tryAcquire()).toBe(true);
    registry.reconfigure({ ...DEFAULTS, consecutiveFailures: 1 }, new Map());
    old.recordFailure();
    fail(old, 4);
    expect(old.state).toBe('open');
    expect(changes).toEqual([]);
    expect(registry.get('big').state).toBe('closed');
  });
});
