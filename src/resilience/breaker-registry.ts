import type { BreakerConfig } from '../routing/policy/policy-types.js';
import { type BreakerSnapshot, type BreakerState, CircuitBreaker } from './circuit-breaker.js';

/** One breaker transition, as seen by registry listeners. */
export interface BreakerStateChange {
  target: string;
  from: BreakerState;
  to: BreakerState;
  /** Clock time of the transition. */
  at: number;
}

/** A breaker's snapshot labelled with its target. */
export type BreakerRegistryEntry = BreakerSnapshot & { target: string };

/** Per-target breakers, created on first use and kept across policy reloads when unchanged. */
export interface BreakerRegistry {
  /** The breaker for a target; callers should look it up per call, since a reload may replace it. */
  get(target: string): CircuitBreaker;
  /** Every breaker created so far, sorted by target. */
  snapshot(): BreakerRegistryEntry[];
  /** Listen to transitions of every breaker; returns a function that stops listening. */
  onStateChange(listener: (change: BreakerStateChange) => void): () => void;
  /**
   * Apply a reloaded policy. Breakers whose effective config is unchanged keep their state;
   * the others start afresh (closed), and listeners hear that as a transition to closed.
   */
  reconfigure(defaults: BreakerConfig, overrides: Map<string, BreakerConfig | null>): void;
}

/** Options for tests: an injected clock shared by every breaker. */
export interface BreakerRegistryOptions {
  now?: () => number;
}

/**
 * Create a registry. `overrides` maps target names to their own breaker config; a missing
 * target or a null entry uses `defaults`.
 */
export function createBreakerRegistry(
  defaults: BreakerConfig,
  overrides: Map<string, BreakerConfig | null>,
  options: BreakerRegistryOptions = {},
): BreakerRegistry {
  const now = options.now ?? Date.now;
  const breakers = new Map<string, CircuitBreaker>();
  const listeners = new Set<(change: BreakerStateChange) => void>();
  let currentDefaults = defaults;
  let currentOverrides = overrides;

  const emit = (target: string, from: BreakerState, to: BreakerState): void => {
    if (listeners.size === 0) return;
    const change: BreakerStateChange = { target, from, to, at: now() };
    for (const listener of listeners) listener(change);
  };

  const configFor = (target: string): BreakerConfig =>
    currentOverrides.get(target) ?? currentDefaults;

  const build = (target: string): CircuitBreaker => {
    const breaker: CircuitBreaker = new CircuitBreaker({
      ...configFor(target),
      now,
      // A breaker replaced by a reload may still hear from calls in flight; it no longer speaks for the target.
      onStateChange: (from, to) => {
        if (breakers.get(target) === breaker) emit(target, from, to);
      },
    });
    return breaker;
  };

  return {
    get(target) {
      let breaker = breakers.get(target);
      if (breaker === undefined) {
        breaker = build(target);
        breakers.set(target, breaker);
      }
      return breaker;
    },

    snapshot() {
      return [...breakers]
        .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
        .map(([target, breaker]) => ({ target, ...breaker.snapshot() }));
    },

    onStateChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    reconfigure(nextDefaults, nextOverrides) {
      currentDefaults = nextDefaults;
      currentOverrides = nextOverrides;
      for (const [target, breaker] of breakers) {
        if (sameBreakerConfig(breaker.config, configFor(target))) continue;
        const previous = breaker.state;
        breakers.set(target, build(target));
        if (previous !== 'closed') emit(target, previous, 'closed');
      }
    },
  };
}

/** Field-wise equality of two breaker configs. */
function sameBreakerConfig(left: BreakerConfig, right: BreakerConfig): boolean {
  return (
    left.consecutiveFailures === right.consecutiveFailures &&
    left.errorRate === right.errorRate &&
    left.windowMs === right.windowMs &&
    left.minRequests === right.minRequests &&
    left.openMs === right.openMs &&
    left.halfOpenProbes === right.halfOpenProbes
  );
}
