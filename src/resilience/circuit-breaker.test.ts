import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BreakerConfig } from '../routing/policy/policy-types.js';
import { type BreakerState, CircuitBreaker } from './circuit-breaker.js';

const CONFIG: BreakerConfig = {
  consecutiveFailures: 5,
  errorRate: 0.5,
  windowMs: 10_000,
  minRequests: 20,
  openMs: 30_000,
  halfOpenProbes: 1,
};

/** A breaker on a hand-driven clock, with its transitions recorded. */
function createHarness(overrides: Partial<BreakerConfig> = {}) {
  const clock = { time: 1_000_000 };
  const transitions: Array<[BreakerState, BreakerState]> = [];
  const breaker = new CircuitBreaker({
    ...CONFIG,
    ...overrides,
    now: () => clock.time,
    onStateChange: (from, to) => transitions.push([from, to]),
  });
  return { breaker, clock, transitions };
}

/** Play a sequence of outcomes ('S' success, 'F' failure) through acquire + record. */
function play(breaker: CircuitBreaker, outcomes: string): void {
  for (const outcome of outcomes) {
    expect(breaker.tryAcquire()).toBe(true);
    if (outcome === 'S') breaker.recordSuccess();
    else breaker.recordFailure();
  }
}

function openBreaker(harness: ReturnType<typeof createHarness>): void {
  play(harness.breaker, 'FFFFF');
  expect(harness.breaker.state).toBe('open');
}

describe('CircuitBreaker', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens after 5 consecutive failures', () => {
    const { breaker, transitions } = createHarness();
    play(breaker, 'FFFF');
    expect(breaker.state).toBe('closed');
    play(breaker, 'F');
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    expect(transitions).toEqual([['closed', 'open']]);
  });

  it('resets the consecutive count on a success', () => {
    const { breaker } = createHarness();
    play(breaker, 'FFFFSFFFF');
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot().consecutiveFailures).toBe(4);
  });

  it.each([
    {
      name: 'opens when the error rate over the window exceeds 50% with at least 20 requests',
      // 20 requests, 13 failures, never 5 in a row.
      outcomes: `${'SFF'.repeat(6)}SF`,
      state: 'open',
    },
    {
      name: 'does not open below minRequests',
      // 19 requests, 15 failures, never 5 in a row.
      outcomes: `${'SFFFF'.repeat(3)}SFFF`,
      state: 'closed',
    },
    {
      name: 'opens once the 20th request arrives at a high error rate',
      outcomes: `${'SFFFF'.repeat(3)}SFFFF`,
      state: 'open',
    },
    {
      name: 'does not open at exactly 50%',
      outcomes: 'SF'.repeat(10),
      state: 'closed',
    },
    {
      name: 'opens just past 50%',
      outcomes: `${'SF'.repeat(10)}F`,
      state: 'open',
    },
    {
      name: 'stays closed at a 40% error rate',
      outcomes: 'SSFSF'.repeat(8),
      state: 'closed',
    },
  ])('$name', ({ outcomes, state }) => {
    const { breaker } = createHarness();
    play(breaker, outcomes.slice(0, -1));
    expect(breaker.state).toBe('closed');
    play(breaker, outcomes.slice(-1));
    expect(breaker.state).toBe(state);
  });

  it('counts requests and failures in the window', () => {
    const { breaker } = createHarness();
    play(breaker, 'SFSSF');
    expect(breaker.snapshot()).toMatchObject({
      state: 'closed',
      consecutiveFailures: 1,
      windowRequests: 5,
      windowFailures: 2,
      openedAt: null,
      nextProbeAt: null,
    });
  });

  it.each([
    { elapsedMs: 5_000, state: 'open' },
    { elapsedMs: 9_000, state: 'open' },
    { elapsedMs: 10_000, state: 'closed' },
    { elapsedMs: 60_000, state: 'closed' },
  ])('old failures age out of the window ($elapsedMs ms later: $state)', ({ elapsedMs, state }) => {
    const harness = createHarness();
    // 10 requests with 8 failures, then 10 with 5: 13 of 20 fail if both batches are in the window.
    play(harness.breaker, 'SFFFFSFFFF');
    harness.clock.time += elapsedMs;
    play(harness.breaker, 'SFSFSFSFSF');
    expect(harness.breaker.state).toBe(state);
    if (state === 'closed') {
      expect(harness.breaker.snapshot()).toMatchObject({ windowRequests: 10, windowFailures: 5 });
    }
  });

  it('forgets the window bucket by bucket', () => {
    const harness = createHarness();
    play(harness.breaker, 'FF');
    harness.clock.time += 3_000;
    play(harness.breaker, 'SF');
    expect(harness.breaker.snapshot()).toMatchObject({ windowRequests: 4, windowFailures: 3 });
    harness.clock.time += 7_000;
    expect(harness.breaker.snapshot()).toMatchObject({ windowRequests: 2, windowFailures: 1 });
    harness.clock.time += 3_000;
    expect(harness.breaker.snapshot()).toMatchObject({ windowRequests: 0, windowFailures: 0 });
  });

  it('stays open for openMs then lets one probe through', () => {
    const harness = createHarness();
    openBreaker(harness);
    const openedAt = harness.clock.time;
    expect(harness.breaker.snapshot()).toMatchObject({ openedAt, nextProbeAt: openedAt + 30_000 });
    harness.clock.time = openedAt + 29_999;
    expect(harness.breaker.tryAcquire()).toBe(false);
    expect(harness.breaker.state).toBe('open');
    harness.clock.time = openedAt + 30_000;
    expect(harness.breaker.tryAcquire()).toBe(true);
    expect(harness.breaker.state).toBe('half-open');
    expect(harness.breaker.tryAcquire()).toBe(false);
    expect(harness.transitions).toEqual([
      ['closed', 'open'],
      ['open', 'half-open'],
    ]);
  });

  it('closes after a successful probe', () => {
    const harness = createHarness();
    openBreaker(harness);
    harness.clock.time += 30_000;
    expect(harness.breaker.tryAcquire()).toBe(true);
    harness.breaker.recordSuccess();
    expect(harness.breaker.state).toBe('closed');
    expect(harness.breaker.snapshot()).toEqual({
      state: 'closed',
      consecutiveFailures: 0,
      windowRequests: 0,
      windowFailures: 0,
      openedAt: null,
      nextProbeAt: null,
    });
    expect(harness.transitions.at(-1)).toEqual(['half-open', 'closed']);
    // Counters really were reset: it takes 5 fresh failures to open again.
    play(harness.breaker, 'FFFF');
    expect(harness.breaker.state).toBe('closed');
  });

  it('reopens when a probe fails', () => {
    const harness = createHarness();
    openBreaker(harness);
    harness.clock.time += 30_000;
    expect(harness.breaker.tryAcquire()).toBe(true);
    harness.clock.time += 250;
    harness.breaker.recordFailure();
    const reopenedAt = harness.clock.time;
    expect(harness.breaker.snapshot()).toMatchObject({
      state: 'open',
      openedAt: reopenedAt,
      nextProbeAt: reopenedAt + 30_000,
    });
    harness.clock.time = reopenedAt + 29_999;
    expect(harness.breaker.tryAcquire()).toBe(false);
    harness.clock.time = reopenedAt + 30_000;
    expect(harness.breaker.tryAcquire()).toBe(true);
    expect(harness.transitions).toEqual([
      ['closed', 'open'],
      ['open', 'half-open'],
      ['half-open', 'open'],
      ['open', 'half-open'],
    ]);
  });

  it('needs halfOpenProbes successes to close and admits that many probes at once', () => {
    const harness = createHarness({ halfOpenProbes: 2 });
    openBreaker(harness);
    harness.clock.time += 30_000;
    expect(harness.breaker.tryAcquire()).toBe(true);
    expect(harness.breaker.tryAcquire()).toBe(true);
    expect(harness.breaker.tryAcquire()).toBe(false);
    harness.breaker.recordSuccess();
    expect(harness.breaker.state).toBe('half-open');
    harness.breaker.recordSuccess();
    expect(harness.breaker.state).toBe('closed');
  });

  it('reopens when any of several probes fails', () => {
    const harness = createHarness({ halfOpenProbes: 2 });
    openBreaker(harness);
    harness.clock.time += 30_000;
    expect(harness.breaker.tryAcquire()).toBe(true);
    expect(harness.breaker.tryAcquire()).toBe(true);
    harness.breaker.recordSuccess();
    harness.breaker.recordFailure();
    expect(harness.breaker.state).toBe('open');
  });

  it('frees a probe slot on release without counting an outcome', () => {
    const harness = createHarness();
    openBreaker(harness);
    harness.clock.time += 30_000;
    expect(harness.breaker.tryAcquire()).toBe(true);
    harness.breaker.release();
    expect(harness.breaker.state).toBe('half-open');
    expect(harness.breaker.tryAcquire()).toBe(true);
    expect(harness.breaker.tryAcquire()).toBe(false);
  });

  it('ignores results of calls admitted before it opened', () => {
    const harness = createHarness();
    // Two calls in flight when the breaker opens.
    expect(harness.breaker.tryAcquire()).toBe(true);
    expect(harness.breaker.tryAcquire()).toBe(true);
    openBreaker(harness);
    const openedAt = harness.clock.time;
    harness.clock.time += 1_000;
    harness.breaker.recordFailure();
    harness.breaker.recordSuccess();
    expect(harness.breaker.snapshot()).toMatchObject({ state: 'open', openedAt });
  });

  it('ignores a release while closed', () => {
    const { breaker } = createHarness();
    play(breaker, 'FF');
    breaker.release();
    expect(breaker.snapshot()).toMatchObject({ windowRequests: 2, consecutiveFailures: 2 });
  });

  it('rejects a config it cannot honour', () => {
    expect(() => new CircuitBreaker({ ...CONFIG, windowMs: 0 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ ...CONFIG, halfOpenProbes: 0 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ ...CONFIG, consecutiveFailures: 0 })).toThrow(RangeError);
  });

  it('runs its open period on the default clock under fake timers', () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const breaker = new CircuitBreaker(CONFIG);
    play(breaker, 'FFFFF');
    expect(breaker.snapshot().openedAt).toBe(Date.parse('2030-01-01T00:00:00Z'));
    vi.advanceTimersByTime(29_999);
    expect(breaker.tryAcquire()).toBe(false);
    vi.advanceTimersByTime(1);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
  });

  it('ages the window on the default clock under fake timers', () => {
    vi.useFakeTimers();
    const breaker = new CircuitBreaker(CONFIG);
    play(breaker, 'SFFFFSFFFF');
    vi.advanceTimersByTime(10_000);
    play(breaker, 'SFSFSFSFSF');
    expect(breaker.state).toBe('closed');
  });
});

describe('CircuitBreaker.adoptOpen', () => {
  it('opens a closed breaker until the adopted open period ends', () => {
    let now = 1_000;
    const breaker = new CircuitBreaker({
      consecutiveFailures: 5,
      errorRate: 0.5,
      windowMs: 10_000,
      minRequests: 20,
      openMs: 1_000,
      halfOpenProbes: 1,
      now: () => now,
    });
    breaker.adoptOpen(900);
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    now = 1_900;
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.state).toBe('half-open');
  });

  it('ignores an open period that is already over', () => {
    const breaker = new CircuitBreaker({
      consecutiveFailures: 5,
      errorRate: 0.5,
      windowMs: 10_000,
      minRequests: 20,
      openMs: 1_000,
      halfOpenProbes: 1,
      now: () => 5_000,
    });
    breaker.adoptOpen(1_000);
    expect(breaker.state).toBe('closed');
  });
});
