import type { SharedState } from '../state/index.js';

/** What a budget counts spend for. */
export type BudgetScope = 'target' | 'route' | 'tenant';

/** One spend limit over a fixed window. */
export interface BudgetConfig {
  scope: BudgetScope;
  /**
   * Target, route or tenant name. For tenants, '*' gives every tenant without a budget of its
   * own a separate budget of this size.
   */
  name: string;
  limitUsd: number;
  windowMs: number;
  /** What happens to requests once the window's spend has reached limitUsd. */
  onExceeded: 'downgrade' | 'reject';
  /** The cheaper route for 'downgrade'; without one, 'downgrade' acts as 'reject'. */
  downgradeRoute?: string | null;
}

/** Options for createBudgetGuard. */
export interface BudgetGuardOptions {
  budgets: BudgetConfig[];
  state: SharedState;
  /** Clock for window arithmetic; it must agree with the state's clock. Defaults to Date.now. */
  now?: () => number;
  /** How many tenants a '*' budget remembers for snapshot(); older ones drop out. Default 1000. */
  maxTrackedTenants?: number;
}

/** The request a budget check is about: its route, the targets it may use, and its tenant. */
export interface BudgetCheckSubject {
  route: string;
  targets: string[];
  tenant: string | null;
}

/** One served attempt whose cost is to be counted. */
export interface BudgetRecordSubject {
  route: string;
  target: string;
  tenant: string | null;
}

/** The verdict for one request; `budget` names the exhausted counter (`scope:name`). */
export type BudgetDecision =
  | { action: 'allow' }
  | { action: 'downgrade'; route: string; budget: string }
  | { action: 'reject'; budget: string; retryAfterMs: number };

/** One budget counter in the current window, as the admin API shows it. */
export interface BudgetSnapshotEntry {
  /** `scope:name`, the same label decisions use. */
  id: string;
  scope: BudgetScope;
  /** The concrete target, route or tenant; for a '*' budget, the tenant it was seen with. */
  name: string;
  /** True for an entry that a '*' tenant budget produced. */
  wildcard: boolean;
  spentUsd: number;
  limitUsd: number;
  windowMs: number;
  remainingUsd: number;
  exceeded: boolean;
  /** Time until the current window ends and spend starts again from zero. */
  resetsInMs: number;
  onExceeded: 'downgrade' | 'reject';
  downgradeRoute: string | null;
}

/** Checks requests against spend budgets and records what they cost. */
export interface BudgetGuard {
  /** Decide before a request is sent: allow, downgrade to a cheaper route, or reject. */
  check(subject: BudgetCheckSubject): Promise<BudgetDecision>;
  /** Count the real cost of a served attempt against every budget it falls under. */
  record(subject: BudgetRecordSubject, costUsd: number): Promise<void>;
  /** Every budget's current window, '*' budgets expanded to the tenants this process has seen. */
  snapshot(): Promise<BudgetSnapshotEntry[]>;
}

/**
 * Spend is counted in integer nano-dollars so that window totals add exactly in every store
 * (Redis INCRBY included) and `spent >= limit` never flips on floating-point dust.
 */
const NANO_USD_PER_USD = 1_000_000_000;

/** A budget resolved against a request: the counter it uses and the label it reports. */
interface AppliedBudget {
  config: BudgetConfig;
  id: string;
  name: string;
  counterKey: string;
}

/**
 * Create a budget guard. A budget is exhausted once its window's recorded spend is at or above
 * its limit; the check happens before the request, so the request that crosses the limit still
 * completes and overshoots it by its own cost (and requests already in flight by theirs).
 */
export function createBudgetGuard(options: BudgetGuardOptions): BudgetGuard {
  const { budgets, state } = options;
  const now = options.now ?? Date.now;
  const maxTrackedTenants = options.maxTrackedTenants ?? 1000;
  for (const budget of budgets) validateBudget(budget);
  const hasWildcard = budgets.some((budget) => budget.scope === 'tenant' && budget.name === '*');
  // A tenant with a budget of its own is not also under the '*' default.
  const namedTenants = new Set<string>();
  for (const budget of budgets) {
    if (budget.scope === 'tenant' && budget.name !== '*') namedTenants.add(budget.name);
  }
  // Insertion-ordered, re-inserted on use: the oldest tenant drops out first.
  const seenTenants = new Set<string>();

  const noteTenant = (tenant: string | null): void => {
    if (!hasWildcard || tenant === null) return;
    seenTenants.delete(tenant);
    seenTenants.add(tenant);
    if (seenTenants.size > maxTrackedTenants) {
      const oldest = seenTenants.values().next();
      if (oldest.done !== true) seenTenants.delete(oldest.value);
    }
  };

  const applicable = (route: string, targets: readonly string[], tenant: string | null) => {
    const applied: AppliedBudget[] = [];
    for (const config of budgets) {
      if (config.scope === 'route') {
        if (config.name === route) applied.push(resolve(config, route));
      } else if (config.scope === 'target') {
        if (targets.includes(config.name)) applied.push(resolve(config, config.name));
      } else if (tenant !== null) {
        if (config.name === tenant || (config.name === '*' && !namedTenants.has(tenant))) {
          applied.push(resolve(config, tenant));
        }
      }
    }
    return applied;
  };

  const resetsInMs = (windowMs: number): number => windowMs - (now() % windowMs);

  return {
    async check(subject) {
      noteTenant(subject.tenant);
      const applied = applicable(subject.route, subject.targets, subject.tenant);
      const totals = await Promise.all(
        applied.map((budget) => state.readWindow(budget.counterKey, budget.config.windowMs)),
      );
      let downgrade: BudgetDecision | null = null;
      let tenantReject: { budget: string; retryAfterMs: number } | null = null;
      let otherReject: { budget: string; retryAfterMs: number } | null = null;
      for (const [index, budget] of applied.entries()) {
        if ((totals[index] ?? 0) < toNanoUsd(budget.config.limitUsd)) continue;
        const cheaperRoute = budget.config.downgradeRoute ?? null;
        if (budget.config.onExceeded === 'downgrade' && cheaperRoute !== null) {
          // Already on the cheaper route: this budget asks for nothing more.
          if (cheaperRoute !== subject.route && downgrade === null) {
            downgrade = { action: 'downgrade', route: cheaperRoute, budget: budget.id };
          }
          continue;
        }
        const rejection = { budget: budget.id, retryAfterMs: resetsInMs(budget.config.windowMs) };
        // Every rejecting budget must reset before a retry can pass, so the latest reset wins.
        if (budget.config.scope === 'tenant') tenantReject = later(tenantReject, rejection);
        else otherReject = later(otherReject, rejection);
      }
      // A downgrade leaves this route and its targets behind, so it escapes their rejecting
      // budgets; a tenant's spend follows the tenant to any route, so nothing escapes that.
      if (tenantReject !== null) {
        // Without a downgrade, a retry must also wait out the route's and targets' rejections.
        const alsoWaitFor = downgrade === null ? (otherReject?.retryAfterMs ?? 0) : 0;
        const retryAfterMs = Math.max(tenantReject.retryAfterMs, alsoWaitFor);
        return { action: 'reject', budget: tenantReject.budget, retryAfterMs };
      }
      if (downgrade !== null) return downgrade;
      if (otherReject !== null) return { action: 'reject', ...otherReject };
      return { action: 'allow' };
    },

    async record(subject, costUsd) {
      if (!Number.isFinite(costUsd) || costUsd <= 0) return;
      noteTenant(subject.tenant);
      const amount = toNanoUsd(costUsd);
      if (amount === 0) return;
      // Two budgets on one subject and window share a counter: count the cost once.
      const counters = new Map<string, number>();
      for (const budget of applicable(subject.route, [subject.target], subject.tenant)) {
        counters.set(budget.counterKey, budget.config.windowMs);
      }
      await Promise.all(
        [...counters].map(([key, windowMs]) => state.addToWindow(key, amount, windowMs)),
      );
    },

    async snapshot() {
      const entries: Array<{ budget: AppliedBudget; wildcard: boolean }> = [];
      for (const config of budgets) {
        if (config.scope === 'tenant' && config.name === '*') {
          for (const tenant of [...seenTenants].sort()) {
            if (namedTenants.has(tenant)) continue;
            entries.push({ budget: resolve(config, tenant), wildcard: true });
          }
        } else {
          entries.push({ budget: resolve(config, config.name), wildcard: false });
        }
      }
      const totals = await Promise.all(
        entries.map(({ budget }) => state.readWindow(budget.counterKey, budget.config.windowMs)),
      );
      return entries.map(({ budget, wildcard }, index) => {
        const spentNano = totals[index] ?? 0;
        const limitNano = toNanoUsd(budget.config.limitUsd);
        return {
          id: budget.id,
          scope: budget.config.scope,
          name: budget.name,
          wildcard,
          spentUsd: spentNano / NANO_USD_PER_USD,
          limitUsd: budget.config.limitUsd,
          windowMs: budget.config.windowMs,
          remainingUsd: Math.max(0, limitNano - spentNano) / NANO_USD_PER_USD,
          exceeded: spentNano >= limitNano,
          resetsInMs: resetsInMs(budget.config.windowMs),
          onExceeded: budget.config.onExceeded,
          downgradeRoute: budget.config.downgradeRoute ?? null,
        };
      });
    },
  };
}

/** The rejection with the later reset. */
function later(
  current: { budget: string; retryAfterMs: number } | null,
  candidate: { budget: string; retryAfterMs: number },
): { budget: string; retryAfterMs: number } {
  return current === null || candidate.retryAfterMs > current.retryAfterMs ? candidate : current;
}

/** Bind a budget to the concrete name it counts for. */
function resolve(config: BudgetConfig, name: string): AppliedBudget {
  return {
    config,
    id: `${config.scope}:${name}`,
    name,
    // The window length is part of the key so two budgets on one subject with different windows
    // keep separate counters, while two with the same window (say, a soft and a hard limit)
    // read the same spend.
    counterKey: `budget:${config.scope}:${encodeURIComponent(name)}:${config.windowMs}`,
  };
}

function toNanoUsd(usd: number): number {
  return Math.round(usd * NANO_USD_PER_USD);
}

function validateBudget(budget: BudgetConfig): void {
  const label = `budget ${budget.scope}:${budget.name}`;
  if (budget.name.length === 0) throw new RangeError(`${label}: name must not be empty`);
  if (budget.name === '*' && budget.scope !== 'tenant') {
    throw new RangeError(`${label}: '*' is only meaningful for tenant budgets`);
  }
  if (!Number.isFinite(budget.limitUsd) || budget.limitUsd < 0) {
    throw new RangeError(`${label}: limitUsd must be a finite number >= 0`);
  }
  if (!Number.isFinite(budget.windowMs) || budget.windowMs <= 0) {
    throw new RangeError(`${label}: windowMs must be > 0`);
  }
}
