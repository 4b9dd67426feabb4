import { request } from 'undici';
import type { SharedState } from '../state/index.js';
import { assignsToCanary } from './canary-assignment.js';
import { type CanaryGate, type CanaryGateResult, evaluateCanaryGate } from './canary-gates.js';
import {
  createRollingWindow,
  type RollingWindow,
  type WindowSample,
  type WindowStats,
} from './rolling-window.js';

/** Where a canary stands. `promoted` and `rolled_back` are final until an operator sets a percentage. */
export type CanaryStatus = 'running' | 'paused' | 'promoted' | 'rolled_back';

/** The two sides of a canary. */
export type CanaryArm = 'canary' | 'baseline';

/**
 * What happened to a canary. Lifecycle events (start, promote, rollback, pause, resume, adjust)
 * are kept in the persisted history; `canary-webhook-fail` and `canary-state-fail` report
 * operational trouble to onEvent only.
 */
export type CanaryEventType =
  | 'canary-start'
  | 'canary-promote'
  | 'canary-rollback'
  | 'canary-pause'
  | 'canary-resume'
  | 'canary-adjust'
  | 'canary-webhook-fail'
  | 'canary-state-fail';

/** One canary event, as passed to onEvent, kept in the history and posted to the webhook. */
export interface CanaryEvent {
  type: CanaryEventType;
  route: string;
  candidate: string;
  /** Clock time of the event, in ms. */
  at: number;
  /** Status after the event. */
  status: CanaryStatus;
  fromPercentage: number;
  toPercentage: number;
  /** Why, in words: the failing gates, "manual abort: …", the error message. */
  reason: string;
  /** True when an operator caused it (pause, resume, promote, abort, set percentage). */
  manual: boolean;
  /** The gate results behind an automatic promotion or rollback; empty otherwise. */
  gates: CanaryGateResult[];
  /** Samples in each arm's window when the event happened. */
  samples: { canary: number; baseline: number };
}

/** What evaluate() did. */
export type CanaryAction = 'hold' | 'promote' | 'rollback' | 'none';

/** Why evaluate() did it. */
export type CanaryVerdictReason =
  | 'inactive'
  | 'insufficient-samples'
  | 'gate-failed'
  | 'gates-no-data'
  | 'paused'
  | 'interval-pending'
  | 'gates-passed';

/** The outcome of one evaluation. */
export interface CanaryVerdict {
  action: CanaryAction;
  reason: CanaryVerdictReason;
  /** The same in words, for logs and /admin/state. */
  detail: string;
  /** Status and percentage after the evaluation. */
  status: CanaryStatus;
  percentage: number;
  samples: { canary: number; baseline: number };
  gates: CanaryGateResult[];
  at: number;
}

/** A canary's state for /admin/state, metrics and tests. */
export interface CanarySnapshot {
  route: string;
  candidate: string;
  status: CanaryStatus;
  /** The share of the route's traffic the candidate gets now. */
  percentage: number;
  steps: number[];
  /** Index of the highest step at or below the percentage; -1 below the first step. */
  stepIndex: number;
  /** The percentage the next promotion moves to; 100 when it completes the rollout; null when final. */
  nextPercentage: number | null;
  stepStartedAt: number;
  /** Start of the current run of passing evaluations, or null when final. */
  passingSince: number | null;
  /** The earliest time the next automatic promotion can happen, or null when none is due. */
  promoteNotBefore: number | null;
  intervalMs: number;
  minSamples: number;
  windowMs: number;
  gates: string[];
  arms: { canary: WindowStats; baseline: WindowStats };
  lastVerdict: CanaryVerdict | null;
  /** Lifecycle events, oldest first, at most CANARY_HISTORY_LIMIT. */
  history: CanaryEvent[];
}

/** Options of createCanaryController. */
export interface CanaryControllerOptions {
  route: string;
  /** The candidate target's name. */
  candidate: string;
  /** Percentages to go through, strictly increasing, each in (0, 100], e.g. [5, 25, 50, 100]. */
  steps: number[];
  /** How long every evaluation must pass at a step before the next promotion. */
  intervalMs: number;
  /** Samples each arm's window must hold before any verdict. */
  minSamples: number;
  /** Length of the rolling windows the gates are judged on. */
  windowMs: number;
  gates: CanaryGate[];
  state: SharedState;
  now?: () => number;
  /** Called with every event; must not throw (a throw is swallowed). */
  onEvent?(event: CanaryEvent): void;
  /** Promotions and rollbacks are POSTed here as JSON when set. */
  webhookUrl?: string | null;
  /** Per-call limit on the webhook. Default 2 s. */
  webhookTimeoutMs?: number;
}

/** Options of a manual promotion. */
export interface CanaryPromoteOptions {
  /** Skip the remaining steps and finish the rollout. Default: advance one step. */
  full?: boolean;
}

/** A canary on one route; see createCanaryController. */
export interface CanaryController {
  readonly route: string;
  readonly candidate: string;
  /** The candidate's share of the route's traffic now, 0..100. */
  percentage(): number;
  /** The arm a request with this sticky key goes to. */
  choose(stickyKey: string): CanaryArm;
  /** Record one finished request of an arm. */
  observe(arm: CanaryArm, sample: WindowSample): void;
  /** Record a quality grade (0..1) that arrived after its request, e.g. from a judge. */
  grade(arm: CanaryArm, quality: number): void;
  /** Where the canary stands now (cheaper than snapshot()). */
  status(): CanaryStatus;
  /** Judge the gates and promote, roll back or hold; call it on a timer. Never throws on store trouble. */
  evaluate(): Promise<CanaryVerdict>;
  /** Hold the current percentage: no promotions (a failing gate still rolls back). */
  pause(): Promise<void>;
  /** Resume automatic promotion; a full passing interval is needed before the next step. */
  resume(): Promise<void>;
  /** Advance one step now (or finish the rollout with `full`). */
  promote(options?: CanaryPromoteOptions): Promise<void>;
  /** Send every request to the baseline: status rolled_back, percentage 0. */
  abort(reason?: string): Promise<void>;
  /** Pin the percentage (0..100). A final canary reopens paused at that percentage. */
  setPercentage(percentage: number): Promise<void>;
  snapshot(): CanarySnapshot;
  /** Adopt the state persisted in SharedState (after a restart), or persist the initial state; rejects when the store fails. */
  load(): Promise<void>;
  /** Wait for webhook calls in flight (each is bounded by webhookTimeoutMs). */
  close(): Promise<void>;
}

/** A manual operation was not possible in the canary's current status. */
export class CanaryControlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanaryControlError';
  }
}

/** Lifecycle events kept in the persisted state. */
export const CANARY_HISTORY_LIMIT = 50;

/** The SharedState key a route's canary state lives under. */
export function canaryStateKey(route: string): string {
  return `canary:${route}`;
}

const DEFAULT_WEBHOOK_TIMEOUT_MS = 2_000;
const STATE_VERSION = 1;

/** What is persisted under `canary:<route>`, as JSON. */
interface PersistedCanaryState {
  version: typeof STATE_VERSION;
  route: string;
  candidate: string;
  status: CanaryStatus;
  stepIndex: number;
  percentage: number;
  /** When the current step began (or the canary was resumed): the earliest a passing run counts from. */
  stepStartedAt: number;
  history: CanaryEvent[];
}

const STATUSES: ReadonlySet<string> = new Set(['running', 'paused', 'promoted', 'rolled_back']);

/** Events that go into the history and to the webhook; the rest are operational noise. */
const LIFECYCLE_EVENTS: ReadonlySet<CanaryEventType> = new Set([
  'canary-start',
  'canary-promote',
  'canary-rollback',
  'canary-pause',
  'canary-resume',
  'canary-adjust',
]);
const WEBHOOK_EVENTS: ReadonlySet<CanaryEventType> = new Set(['canary-promote', 'canary-rollback']);

/**
 * A route's canary: sticky assignment, per-arm rolling windows, gate evaluation, promotion through
 * steps, rollback, manual control, and state persisted in SharedState.
 *
 * Lifecycle: it starts `running` at steps[0]. evaluate() holds until both arms have minSamples
 * in their windows; then any failing gate rolls back (percentage 0, `rolled_back`), even while
 * paused, because pausing stops progress, not the safety net. When every gate passes on every
 * evaluation for intervalMs at a step, it moves to the next step; past the last step (or on
 * reaching 100) it is `promoted` and the candidate takes every request. A gate with no data
 * holds: nothing is promoted on missing evidence.
 *
 * Persistence and replicas: the persisted state is the truth. Every operation, evaluate()
 * included, first re-reads `canary:<route>` (so a rollback or a manual change made by another
 * replica is adopted), then applies its change and writes the whole state back; operations on
 * one controller are serialised. Two replicas deciding at the same instant is last-writer-wins,
 * and a canary that still fails is rolled back again on the next evaluation. The rolling windows
 * are per process and start empty after a restart: minSamples must fill again before a verdict.
 *
 * No timers: the caller drives evaluate() (the gateway on an interval, tests with a fake clock).
 */
export function createCanaryController(options: CanaryControllerOptions): CanaryController {
  const steps = validateSteps(options.steps);
  if (!(options.intervalMs >= 0)) throw new RangeError('canary intervalMs must be >= 0');
  if (!(options.windowMs > 0)) throw new RangeError('canary windowMs must be > 0');
  if (!Number.isInteger(options.minSamples) || options.minSamples < 1) {
    throw new RangeError('canary minSamples must be an integer >= 1');
  }
  const { route, candidate, state, gates, intervalMs, minSamples } = options;
  const now = options.now ?? Date.now;
  const webhookUrl = options.webhookUrl ?? null;
  const webhookTimeoutMs = options.webhookTimeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  const key = canaryStateKey(route);
  const windows: Record<CanaryArm, RollingWindow> = {
    canary: createRollingWindow({ windowMs: options.windowMs, now }),
    baseline: createRollingWindow({ windowMs: options.windowMs, now }),
  };
  const startedAt = now();
  const firstStep = steps[0] as number;
  let current: PersistedCanaryState = {
    version: STATE_VERSION,
    route,
    candidate,
    status: firstStep >= 100 ? 'promoted' : 'running',
    stepIndex: 0,
    percentage: firstStep,
    stepStartedAt: startedAt,
    history: [],
  };
  /*
   * The start of this process's current run of passing evaluations. It is local on purpose: it
   * describes this replica's windows, which are local too. The persisted stepStartedAt bounds it
   * from below, so a step change or resume made anywhere restarts the interval everywhere.
   */
  let passingSince = startedAt;
  let lastVerdict: CanaryVerdict | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  const webhooksInFlight = new Set<Promise<void>>();

  /*
   * Operations run one at a time: each is read-modify-write on the persisted state, so an admin
   * call landing in the middle of a timer's evaluate() must wait for it rather than interleave.
   */
  const serialise = <T>(operation: () => Promise<T>): Promise<T> => {
    const result = queue.then(operation);
    queue = result.catch(() => undefined);
    return result;
  };

  const samples = () => ({ canary: windows.canary.count(), baseline: windows.baseline.count() });

  const emit = (event: CanaryEvent): void => {
    try {
      options.onEvent?.(event);
    } catch {
      // A throwing listener must not break the canary; the contract says it must not throw.
    }
  };

  const record = (
    type: CanaryEventType,
    from: number,
    reason: string,
    extra: { manual?: boolean; gates?: CanaryGateResult[] } = {},
  ): void => {
    const event: CanaryEvent = {
      type,
      route,
      candidate,
      at: now(),
      status: current.status,
      fromPercentage: from,
      toPercentage: effectivePercentage(current),
      reason,
      manual: extra.manual ?? false,
      gates: extra.gates ?? [],
      samples: samples(),
    };
    if (LIFECYCLE_EVENTS.has(type)) {
      current.history = [...current.history, event].slice(-CANARY_HISTORY_LIMIT);
    }
    emit(event);
    if (webhookUrl && WEBHOOK_EVENTS.has(type)) postWebhook(webhookUrl, event);
  };

  const operationalEvent = (type: CanaryEventType, reason: string): void => {
    const percentage = effectivePercentage(current);
    emit({
      type,
      route,
      candidate,
      at: now(),
      status: current.status,
      fromPercentage: percentage,
      toPercentage: percentage,
      reason,
      manual: false,
      gates: [],
      samples: samples(),
    });
  };

  /*
   * Fire and forget: the webhook never delays evaluate() or an admin call, and its failures
   * become canary-webhook-fail events. Calls in flight are tracked only so close() can wait.
   */
  const postWebhook = (url: string, event: CanaryEvent): void => {
    const call = (async () => {
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...event, text: describeEvent(event) }),
        headersTimeout: webhookTimeoutMs,
        bodyTimeout: webhookTimeoutMs,
        signal: AbortSignal.timeout(webhookTimeoutMs),
      });
      await response.body.dump();
      if (response.statusCode >= 300) {
        throw new Error(`webhook answered HTTP ${response.statusCode}`);
      }
    })().catch((error: unknown) => {
      operationalEvent('canary-webhook-fail', `${event.type} webhook failed: ${errorText(error)}`);
    });
    webhooksInFlight.add(call);
    void call.finally(() => webhooksInFlight.delete(call));
  };

  /** Re-read the persisted state; when the store cannot be read, carry on with the local one. */
  const refresh = async (): Promise<void> => {
    let text: string | null;
    try {
      text = await state.get(key);
    } catch (error) {
      operationalEvent('canary-state-fail', `reading ${key} failed: ${errorText(error)}`);
      return;
    }
    const persisted = text === null ? null : parsePersisted(text);
    if (persisted && persisted.route === route && persisted.candidate === candidate) {
      current = { ...persisted, stepIndex: stepIndexFor(steps, persisted.percentage) };
    }
  };

  /** Write the state back; store errors become an event, and are rethrown for manual calls. */
  const persist = async (rethrow: boolean): Promise<void> => {
    try {
      await state.set(key, JSON.stringify(current));
    } catch (error) {
      operationalEvent('canary-state-fail', `writing ${key} failed: ${errorText(error)}`);
      if (rethrow) throw error;
    }
  };

  const startStep = (percentage: number, at: number): void => {
    current.percentage = percentage;
    current.stepIndex = stepIndexFor(steps, percentage);
    current.stepStartedAt = at;
  };

  /** Move to the next step, or finish the rollout when there is none (or it is 100). */
  const advance = (full: boolean): void => {
    const next = full ? null : nextStepAfter(steps, current.percentage);
    if (next === null || next >= 100) {
      current.status = 'promoted';
      current.percentage = 100;
      current.stepIndex = steps.length - 1;
      current.stepStartedAt = now();
      return;
    }
    startStep(next, now());
  };

  const rollBack = (): void => {
    current.status = 'rolled_back';
    current.percentage = 0;
    current.stepIndex = -1;
    current.stepStartedAt = now();
  };

  const verdict = (
    action: CanaryAction,
    reason: CanaryVerdictReason,
    detail: string,
    results: CanaryGateResult[],
    counts: { canary: number; baseline: number },
  ): CanaryVerdict => {
    lastVerdict = {
      action,
      reason,
      detail,
      status: current.status,
      percentage: effectivePercentage(current),
      samples: counts,
      gates: results,
      at: now(),
    };
    return lastVerdict;
  };

  const evaluateNow = async (): Promise<CanaryVerdict> => {
    await refresh();
    const at = now();
    const canaryStats = windows.canary.stats();
    const baselineStats = windows.baseline.stats();
    const counts = { canary: canaryStats.count, baseline: baselineStats.count };
    if (current.status === 'promoted' || current.status === 'rolled_back') {
      // Not kept as lastVerdict: a finished canary shows the verdict (and gate values) that ended it.
      return {
        action: 'none',
        reason: 'inactive',
        detail: `canary is ${current.status}`,
        status: current.status,
        percentage: effectivePercentage(current),
        samples: counts,
        gates: [],
        at,
      };
    }
    if (counts.canary < minSamples || counts.baseline < minSamples) {
      passingSince = at;
      return verdict(
        'hold',
        'insufficient-samples',
        `waiting for ${minSamples} samples per arm (canary ${counts.canary}, baseline ${counts.baseline})`,
        [],
        counts,
      );
    }
    const results = gates.map((gate) => evaluateCanaryGate(gate, canaryStats, baselineStats));
    const failing = results.filter((result) => result.status === 'fail');
    if (failing.length > 0) {
      const from = current.percentage;
      rollBack();
      const detail = `gate failed: ${failing.map(describeGateResult).join('; ')}`;
      record('canary-rollback', from, detail, { gates: results });
      await persist(false);
      return verdict('rollback', 'gate-failed', detail, results, counts);
    }
    const missing = results.filter((result) => result.status === 'no_data');
    if (missing.length > 0) {
      passingSince = at;
      const detail = `no data yet for ${missing.map((result) => result.gate).join(', ')}`;
      return verdict('hold', 'gates-no-data', detail, results, counts);
    }
    if (current.status === 'paused') {
      return verdict('hold', 'paused', 'gates pass; paused, so no promotion', results, counts);
    }
    const passingFrom = Math.max(passingSince, current.stepStartedAt);
    if (at - passingFrom < intervalMs) {
      const detail = `gates pass; promotion due at ${passingFrom + intervalMs}`;
      return verdict('hold', 'interval-pending', detail, results, counts);
    }
    const from = current.percentage;
    advance(false);
    const detail = `every gate passed for ${intervalMs} ms at ${from}%`;
    record('canary-promote', from, detail, { gates: results });
    await persist(false);
    return verdict('promote', 'gates-passed', detail, results, counts);
  };

  const manual = (operation: () => boolean): Promise<void> =>
    serialise(async () => {
      await refresh();
      if (operation()) await persist(true);
    });

  return {
    route,
    candidate,

    percentage() {
      return effectivePercentage(current);
    },

    choose(stickyKey) {
      return assignsToCanary(route, stickyKey, effectivePercentage(current))
        ? 'canary'
        : 'baseline';
    },

    observe(arm, sample) {
      windows[arm].record(sample);
    },

    grade(arm, quality) {
      windows[arm].recordQuality(quality);
    },

    status() {
      return current.status;
    },

    evaluate() {
      return serialise(evaluateNow);
    },

    pause() {
      return manual(() => {
        if (current.status === 'paused') return false;
        if (current.status !== 'running') {
          throw new CanaryControlError(
            `cannot pause the canary on ${route}: it is ${current.status}`,
          );
        }
        current.status = 'paused';
        record('canary-pause', current.percentage, 'paused by an operator', { manual: true });
        return true;
      });
    },

    resume() {
      return manual(() => {
        if (current.status === 'running') return false;
        if (current.status !== 'paused') {
          throw new CanaryControlError(
            `cannot resume the canary on ${route}: it is ${current.status}; set a percentage to restart it`,
          );
        }
        current.status = 'running';
        // Evidence gathered while paused does not count towards the next promotion.
        current.stepStartedAt = now();
        record('canary-resume', current.percentage, 'resumed by an operator', { manual: true });
        return true;
      });
    },

    promote(promoteOptions = {}) {
      return manual(() => {
        if (current.status === 'promoted') return false;
        if (current.status === 'rolled_back') {
          throw new CanaryControlError(
            `cannot promote the rolled-back canary on ${route}; set a percentage to restart it`,
          );
        }
        const from = current.percentage;
        advance(promoteOptions.full === true);
        const how = promoteOptions.full === true ? 'fully promoted' : 'promoted one step';
        record('canary-promote', from, `${how} by an operator`, { manual: true });
        return true;
      });
    },

    abort(reason) {
      return manual(() => {
        if (current.status === 'rolled_back') return false;
        const from = effectivePercentage(current);
        rollBack();
        record('canary-rollback', from, `manual abort: ${reason ?? 'no reason given'}`, {
          manual: true,
        });
        return true;
      });
    },

    setPercentage(percentage) {
      if (!(percentage >= 0 && percentage <= 100)) {
        return Promise.reject(new RangeError('canary percentage must be within 0..100'));
      }
      return manual(() => {
        const from = effectivePercentage(current);
        if (current.status === 'promoted' || current.status === 'rolled_back') {
          current.status = 'paused';
        }
        startStep(percentage, now());
        record('canary-adjust', from, `percentage set to ${percentage} by an operator`, {
          manual: true,
        });
        return true;
      });
    },

    snapshot() {
      const final = current.status === 'promoted' || current.status === 'rolled_back';
      const next = final ? null : (nextStepAfter(steps, current.percentage) ?? 100);
      const passingFrom = final ? null : Math.max(passingSince, current.stepStartedAt);
      return {
        route,
        candidate,
        status: current.status,
        percentage: effectivePercentage(current),
        steps: [...steps],
        stepIndex: current.stepIndex,
        nextPercentage: next,
        stepStartedAt: current.stepStartedAt,
        passingSince: passingFrom,
        promoteNotBefore:
          current.status === 'running' && passingFrom !== null ? passingFrom + intervalMs : null,
        intervalMs,
        minSamples,
        windowMs: options.windowMs,
        gates: gates.map((gate) => gate.text),
        arms: { canary: windows.canary.stats(), baseline: windows.baseline.stats() },
        lastVerdict,
        history: [...current.history],
      };
    },

    load() {
      return serialise(async () => {
        const text = await state.get(key);
        const persisted = text === null ? null : parsePersisted(text);
        if (persisted && persisted.route === route && persisted.candidate === candidate) {
          current = { ...persisted, stepIndex: stepIndexFor(steps, persisted.percentage) };
          return;
        }
        // Nothing stored, or a canary of another candidate: this one starts fresh.
        if (current.history.length === 0) {
          record('canary-start', 0, `canary of ${candidate} started at ${current.percentage}%`);
        }
        await state.set(key, JSON.stringify(current));
      });
    },

    async close() {
      await Promise.allSettled([...webhooksInFlight]);
    },
  };
}

/** The share of traffic a state gives the candidate; final states override the stored number. */
function effectivePercentage(state: PersistedCanaryState): number {
  if (state.status === 'promoted') return 100;
  if (state.status === 'rolled_back') return 0;
  return state.percentage;
}

function validateSteps(steps: readonly number[]): number[] {
  if (steps.length === 0) throw new RangeError('canary steps must not be empty');
  let previous = 0;
  for (const step of steps) {
    if (!Number.isFinite(step) || step <= previous || step > 100) {
      throw new RangeError(
        `canary steps must be strictly increasing percentages in (0, 100]; got [${steps.join(', ')}]`,
      );
    }
    previous = step;
  }
  return [...steps];
}

/** Index of the highest step at or below the percentage; -1 below the first. */
function stepIndexFor(steps: readonly number[], percentage: number): number {
  let index = -1;
  steps.forEach((step, position) => {
    if (step <= percentage) index = position;
  });
  return index;
}

/** The first step above the percentage, or null past the last. */
function nextStepAfter(steps: readonly number[], percentage: number): number | null {
  return steps.find((step) => step > percentage) ?? null;
}

function parsePersisted(text: string): PersistedCanaryState | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Partial<PersistedCanaryState>;
  const valid =
    record.version === STATE_VERSION &&
    typeof record.route === 'string' &&
    typeof record.candidate === 'string' &&
    typeof record.status === 'string' &&
    STATUSES.has(record.status) &&
    typeof record.percentage === 'number' &&
    record.percentage >= 0 &&
    record.percentage <= 100 &&
    typeof record.stepStartedAt === 'number' &&
    Array.isArray(record.history);
  return valid ? (record as PersistedCanaryState) : null;
}

function describeGateResult(result: CanaryGateResult): string {
  return `${result.gate} (canary ${formatValue(result.canary)}, baseline ${formatValue(result.baseline)}, threshold ${formatValue(result.threshold)})`;
}

function formatValue(value: number | null): string {
  if (value === null) return 'n/a';
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

function describeEvent(event: CanaryEvent): string {
  return `${event.type} on route ${event.route}: ${event.candidate} ${event.fromPercentage}% → ${event.toPercentage}% (${event.status}); ${event.reason}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
