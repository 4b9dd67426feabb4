import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ChatCompletion, ChatRequest } from '../core/chat-types.js';
import {
  type AdmissionQueue,
  type BudgetDecision,
  type BudgetGuard,
  type ConcurrencyLimiter,
  createAdmissionQueue,
  createBudgetGuard,
  createConcurrencyLimiter,
  createRateLimiter,
  createResponseCache,
  isCacheableCompletion,
  type RateLimiter,
  type ResponseCache,
} from '../limits/index.js';
import {
  type CanaryController,
  type CanaryEvent,
  createCanaryController,
  createCheckTally,
  createOnlineChecks,
  createShadowMirror,
  type OnlineChecks,
  pickStickyKey,
  resolveCanarySettings,
  type ShadowMirror,
} from '../rollout/index.js';
import type { Policy, RouteConfig, RouteStep } from '../routing/policy/policy-types.js';
import type { RoutingRuntime } from '../routing/routing-runtime.js';
import { createMemoryState } from '../state/memory-state.js';
import { createPersistentState } from '../state/persistent-state.js';
import type { SharedState } from '../state/shared-state.js';
import { createSqliteKvStore, type KvStore } from '../store/index.js';
import { type CanaryJudges, createCanaryJudges } from './canary-judges.js';

/** The kill-switch as stored and shown. */
export interface KillSwitch {
  active: boolean;
  /** Route every request takes while active. */
  safeRoute: string;
  since: string;
  actor: string;
  reason: string | null;
}

/** One admin change, as written to the audit log. */
export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
}

/** Which arm of a route's canary a request took. */
export type CanaryArmChoice = 'canary' | 'baseline' | null;

const KILL_SWITCH_KEY = 'kill-switch';
const AUDIT_KEY = 'audit';
const AUDIT_LIMIT = 1000;
/** How often replicas pick up each other's kill-switch and breaker changes from Redis. */
const SYNC_INTERVAL_MS = 250;
/** How often canary gates are judged. */
const CANARY_EVALUATION_MS = 2_000;

/** How to build traffic control for a gateway. */
export interface TrafficControlOptions {
  policy: Policy;
  runtime: RoutingRuntime;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  registry: Registry;
  /** Use this state instead of the policy's (tests inject a shared one for two replicas). */
  state?: SharedState;
  /** Override how often canaries are evaluated (tests). */
  canaryEvaluationMs?: number;
}

/**
 * Everything that steers live traffic beyond the route chain: kill-switch, canaries, shadow
 * mirrors, online checks, budgets, limits, load shedding and degraded answers, with their state
 * in SharedState so gateway replicas agree. The request handler asks it questions in order
 * (admit → route → budget → limits) and reports back what was served.
 */
export class TrafficControl {
  readonly state: SharedState;
  readonly checkTally = createCheckTally();
  #policy: Policy;
  readonly #runtime: RoutingRuntime;
  readonly #logger: Logger;
  readonly #kv: KvStore | null;
  #kill: KillSwitch | null = null;
  readonly #canaries = new Map<string, CanaryController>();
  readonly #canaryRoutes = new Map<string, RouteConfig>();
  readonly #shadows = new Map<string, ShadowMirror>();
  readonly #checks = new Map<string, OnlineChecks>();
  readonly #judges: CanaryJudges;
  #budgets: BudgetGuard | null = null;
  #rate: RateLimiter | null = null;
  #concurrency: ConcurrencyLimiter | null = null;
  #admission: AdmissionQueue | null = null;
  #cache: ResponseCache | null = null;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #metrics: {
    canaryEvents: Counter<'route' | 'type'>;
    onlineChecks: Counter<'target' | 'result'>;
    shadow: Counter<'route' | 'outcome'>;
    degraded: Counter<'kind'>;
    shed: Counter<'reason'>;
    budgetActions: Counter<'action'>;
  };

  private constructor(options: TrafficControlOptions, state: SharedState, kv: KvStore | null) {
    this.#policy = options.policy;
    this.#runtime = options.runtime;
    this.#logger = options.logger;
    this.state = state;
    this.#kv = kv;
    const registry = options.registry;
    this.#judges = createCanaryJudges({
      runtime: options.runtime,
      registry,
      logger: options.logger,
    });
    const killGauge: Gauge = new Gauge({
      name: 'switchyard_kill_switch',
      help: '1 while the kill-switch sends all traffic to the safe route.',
      registers: [registry],
      collect: (): void => {
        killGauge.set(this.#kill?.active ? 1 : 0);
      },
    });
    const canaryGauge: Gauge<'route' | 'target'> = new Gauge({
      name: 'switchyard_canary_percentage',
      help: 'Share of a route sent to its canary.',
      labelNames: ['route', 'target'],
      registers: [registry],
      collect: (): void => {
        canaryGauge.reset();
        for (const controller of this.#canaries.values()) {
          canaryGauge.set(
            { route: controller.route, target: controller.candidate },
            controller.percentage(),
          );
        }
      },
    });
    this.#metrics = {
      canaryEvents: new Counter({
        name: 'switchyard_canary_events_total',
        help: 'Canary promotions, rollbacks and manual changes.',
        labelNames: ['route', 'type'],
        registers: [registry],
      }),
      onlineChecks: new Counter({
        name: 'switchyard_online_checks_total',
        help: 'Online checks on sampled live answers, by result.',
        labelNames: ['target', 'result'],
        registers: [registry],
      }),
      shadow: new Counter({
        name: 'switchyard_shadow_total',
        help: 'Shadow mirrors by outcome (sent, dropped, failed).',
        labelNames: ['route', 'outcome'],
        registers: [registry],
      }),
      degraded: new Counter({
        name: 'switchyard_degraded_total',
        help: 'Degraded answers served (cache or static).',
        labelNames: ['kind'],
        registers: [registry],
      }),
      shed: new Counter({
        name: 'switchyard_shed_total',
        help: 'Requests shed by the admission queue.',
        labelNames: ['reason'],
        registers: [registry],
      }),
      budgetActions: new Counter({
        name: 'switchyard_budget_actions_total',
        help: 'Requests downgraded or rejected by a budget.',
        labelNames: ['action'],
        registers: [registry],
      }),
    };
  }

  /** Build it: open shared state (restoring persisted canary and kill-switch state), start timers. */
  static async create(options: TrafficControlOptions): Promise<TrafficControl> {
    const { policy } = options;
    let state = options.state ?? null;
    let kv: KvStore | null = null;
    if (!state) {
      if (policy.state.kind === 'redis') {
        const url = options.env[policy.state.urlEnv];
        if (!url) throw new Error(`state.kind is redis but ${policy.state.urlEnv} is not set`);
        // Loaded only here: ioredis adds ~1.8 MB to the heap (and to every full GC's marking) of
        // the gateways that keep state in memory, the embedded default.
        const { createRedisState } = await import('../state/redis-state.js');
        state = createRedisState({ url, keyPrefix: policy.state.keyPrefix });
      } else if (policy.log.enabled && policy.log.path !== ':memory:') {
        // One process: memory is the live state, the log's SQLite file keeps what must survive a restart.
        kv = createSqliteKvStore(policy.log.path);
        state = await createPersistentState(createMemoryState(), kv, ['canary:', KILL_SWITCH_KEY]);
      } else {
        state = createMemoryState();
      }
    }
    const control = new TrafficControl(options, state, kv);
    await control.#configure(policy);
    await control.#syncShared();
    if (state.kind === 'redis') control.#every(SYNC_INTERVAL_MS, () => control.#syncShared());
    control.#every(options.canaryEvaluationMs ?? CANARY_EVALUATION_MS, () =>
      control.evaluateCanaries(),
    );
    options.runtime.breakers.onStateChange((change) => {
      if (change.to !== 'open' || state.kind !== 'redis') return;
      const breaker = options.runtime.breakers.get(change.target);
      const openedAt = breaker.snapshot().openedAt ?? Date.now();
      state
        .set(`breaker:${change.target}`, String(openedAt), breaker.config.openMs)
        .catch((error: unknown) => {
          options.logger.warn({ err: error }, 'could not share a breaker opening');
        });
    });
    return control;
  }

  /** Apply a reloaded policy; canaries whose config did not change keep their controller. */
  async reload(policy: Policy): Promise<void> {
    this.#policy = policy;
    await this.#configure(policy);
  }

  // ── Kill-switch ─────────────────────────────────────────────────────────────────────────

  /** The kill-switch as this replica sees it. */
  killSwitch(): KillSwitch | null {
    return this.#kill;
  }

  /** Turn the kill-switch on or off; holds across reloads until lifted. */
  async setKillSwitch(active: boolean, actor: string, reason: string | null): Promise<KillSwitch> {
    const kill: KillSwitch = {
      active,
      safeRoute: this.#safeRouteName(),
      since: new Date().toISOString(),
      actor,
      reason,
    };
    this.#kill = kill;
    await this.state.set(KILL_SWITCH_KEY, JSON.stringify(kill));
    await this.audit(actor, active ? 'kill-switch-on' : 'kill-switch-off', {
      reason,
      safe_route: kill.safeRoute,
    });
    return kill;
  }

  // ── Routing decisions ───────────────────────────────────────────────────────────────────

  /** The route to serve: the safe route under the kill-switch, else the chosen one or its canary arm. */
  steer(route: RouteConfig, identity: { userId: string | null; sessionId: string | null }) {
    if (this.#kill?.active) {
      const safe = this.#policy.routes.get(this.#safeRouteName()) ?? route;
      return { route: safe, arm: null as CanaryArmChoice, killed: true };
    }
    const controller = this.#canaries.get(route.name);
    if (!controller || controller.percentage() <= 0)
      return { route, arm: null as CanaryArmChoice, killed: false };
    const arm = controller.choose(pickStickyKey(identity).key);
    if (arm === 'baseline') return { route, arm: 'baseline' as CanaryArmChoice, killed: false };
    return {
      route: this.#canaryRoute(route, controller.candidate),
      arm: 'canary' as CanaryArmChoice,
      killed: false,
    };
  }

  /** What the budgets say about this request. */
  async checkBudget(route: RouteConfig, tenant: string | null): Promise<BudgetDecision> {
    if (!this.#budgets) return { action: 'allow' };
    const decision = await this.#budgets.check({
      route: route.name,
      targets: route.chain.map((step) => step.target),
      tenant,
    });
    if (decision.action !== 'allow') this.#metrics.budgetActions.inc({ action: decision.action });
    return decision;
  }

  /** Take the tenant's rate and concurrency allowance; null when refused (with the limit's name). */
  async admitTenant(
    tenant: string | null,
  ): Promise<
    | { ok: true; release(): Promise<void> }
    | { ok: false; limit: string; retryAfterMs: number | null }
  > {
    if (tenant !== null && this.#rate) {
      const taken = await this.#rate.take({ tenant });
      if (!taken.allowed)
        return { ok: false, limit: taken.limit, retryAfterMs: taken.retryAfterMs };
    }
    if (tenant !== null && this.#concurrency) {
      const held = await this.#concurrency.acquire({ tenant });
      if (!held.ok) return { ok: false, limit: held.limit, retryAfterMs: null };
      return { ok: true, release: held.release };
    }
    return { ok: true, release: async () => {} };
  }

  /** Per-attempt target limits, for the route executor: null means skip this target. */
  async admitTarget(target: string): Promise<{ release(): void } | null> {
    if (this.#rate) {
      const taken = await this.#rate.take({ target });
      if (!taken.allowed) return null;
    }
    if (this.#concurrency) {
      const held = await this.#concurrency.acquire({ target });
      if (!held.ok) return null;
      return {
        release: () => {
          held.release().catch(() => {
            // A hold that fails to release expires after hold_ttl_s.
          });
        },
      };
    }
    return { release: () => {} };
  }

  /** Whether target limits are configured at all (so the executor can skip the hook). */
  get limitsTargets(): boolean {
    return (
      this.#policy.limits.rate.some((limit) => limit.scope === 'target') ||
      this.#policy.limits.concurrency.some((limit) => limit.scope === 'target')
    );
  }

  /** Wait for a slot in this process, or be shed. */
  async admit(signal: AbortSignal) {
    if (!this.#admission) return { admitted: true as const, release: () => {} };
    const admission = await this.#admission.admit(signal);
    if (!admission.admitted && admission.reason !== 'aborted')
      this.#metrics.shed.inc({ reason: admission.reason });
    return admission;
  }

  // ── After the answer ────────────────────────────────────────────────────────────────────

  /**
   * Report a finished request: budgets are charged, canary arms observe it, online checks run on
   * a sample, and a complete answer is cached for degraded service.
   */
  async served(outcome: {
    route: RouteConfig;
    arm: CanaryArmChoice;
    tenant: string | null;
    target: string | null;
    ok: boolean;
    latencyMs: number;
    costUsd: number;
    text: string | null;
    completion: ChatCompletion | null;
    request: ChatRequest;
  }): Promise<void> {
    const checks =
      this.#checks.get(outcome.route.name) ?? this.#checks.get(baseRouteName(outcome.route.name));
    let contractPass: boolean | null = null;
    let quality: number | null = null;
    if (checks && outcome.ok && outcome.text !== null && outcome.target && checks.sample()) {
      const result = checks.check(outcome.text);
      this.checkTally.record(outcome.target, result);
      this.#metrics.onlineChecks.inc({
        target: outcome.target,
        result: result.pass ? 'pass' : 'fail',
      });
      contractPass = result.contractPass;
      quality = result.pass ? 1 : 0;
    }
    const controller = this.#canaries.get(baseRouteName(outcome.route.name));
    if (controller && outcome.arm) {
      // A canary request the baseline rescued still counts against the candidate.
      const ok =
        outcome.ok && (outcome.arm === 'baseline' || outcome.target === controller.candidate);
      controller.observe(outcome.arm, {
        latencyMs: outcome.latencyMs,
        ok,
        costUsd: outcome.costUsd,
        contractPass,
        quality,
      });
      // A judge grades each arm's own answers: one the baseline rescued is not the candidate's.
      const status = controller.status();
      if (
        ok &&
        outcome.text !== null &&
        outcome.target &&
        (status === 'running' || status === 'paused')
      ) {
        const arm = outcome.arm;
        this.#judges.submit({
          route: controller.route,
          arm,
          target: outcome.target,
          request: outcome.request,
          answer: outcome.text,
          onGrade: (grade) => controller.grade(arm, grade),
        });
      }
    }
    if (this.#budgets && outcome.target && outcome.costUsd > 0) {
      await this.#budgets
        .record(
          {
            route: baseRouteName(outcome.route.name),
            target: outcome.target,
            tenant: outcome.tenant,
          },
          outcome.costUsd,
        )
        .catch((error: unknown) => this.#logger.warn({ err: error }, 'budget record failed'));
    }
    if (this.#cache && outcome.completion && isCacheableCompletion(outcome.completion)) {
      await this.#cache
        .set(
          this.#cache.key(outcome.request, baseRouteName(outcome.route.name)),
          outcome.completion,
        )
        .catch((error: unknown) => this.#logger.warn({ err: error }, 'cache write failed'));
    }
  }

  /** A cached answer to the same normalised request, or the static message; null when neither. */
  async degradedAnswer(
    request: ChatRequest,
    route: RouteConfig,
  ): Promise<{
    kind: 'cache' | 'static';
    completion: ChatCompletion | null;
    message: string | null;
  } | null> {
    if (this.#cache) {
      const hit = await this.#cache
        .get(this.#cache.key(request, baseRouteName(route.name)))
        .catch(() => null);
      if (hit) {
        this.#metrics.degraded.inc({ kind: 'cache' });
        return { kind: 'cache', completion: hit.completion, message: null };
      }
    }
    const message = this.#policy.degradation.staticMessage;
    if (message) {
      this.#metrics.degraded.inc({ kind: 'static' });
      return { kind: 'static', completion: null, message };
    }
    return null;
  }

  /** The route's shadow mirror, when it has one and this request is sampled. */
  shadowFor(route: RouteConfig): { mirror: ShadowMirror; target: string } | null {
    if (this.#kill?.active) return null;
    const config = this.#policy.routes.get(baseRouteName(route.name))?.shadow;
    const mirror = this.#shadows.get(baseRouteName(route.name));
    if (!(config && mirror?.shouldMirror())) return null;
    return { mirror, target: config.target };
  }

  /** Count a shadow outcome. */
  countShadow(route: string, outcome: 'sent' | 'dropped' | 'failed'): void {
    this.#metrics.shadow.inc({ route, outcome });
  }

  // ── Canary control ──────────────────────────────────────────────────────────────────────

  /** Every route's canary controller. */
  canaryList(): CanaryController[] {
    return [...this.#canaries.values()];
  }

  /** The route's canary controller, if it has a canary. */
  canary(route: string): CanaryController | undefined {
    return this.#canaries.get(route);
  }

  /** Judge every canary now (also runs on a timer). */
  async evaluateCanaries(): Promise<void> {
    for (const controller of this.#canaries.values()) {
      try {
        await controller.evaluate();
      } catch (error) {
        this.#logger.error({ err: error, route: controller.route }, 'canary evaluation failed');
      }
    }
  }

  /** Set every canary's share (the seed's `{"canary_pct": 0}`), or one route's. */
  async setCanaryPercentage(percentage: number, actor: string, route?: string): Promise<string[]> {
    const changed: string[] = [];
    for (const controller of this.#canaries.values()) {
      if (route && controller.route !== route) continue;
      if (percentage === 0) await controller.abort(`set to 0% by ${actor}`);
      else await controller.setPercentage(percentage);
      changed.push(controller.route);
    }
    await this.audit(actor, 'canary-percentage', { percentage, routes: changed });
    return changed;
  }

  // ── Audit and state ─────────────────────────────────────────────────────────────────────

  /** Write an admin change to the audit log (shared state, the durable store and the server log). */
  async audit(actor: string, action: string, detail: Record<string, unknown>): Promise<void> {
    const entry: AuditEntry = { at: new Date().toISOString(), actor, action, detail };
    this.#logger.info({ audit: entry }, `admin: ${action}`);
    await this.state.pushEvent(AUDIT_KEY, JSON.stringify(entry), AUDIT_LIMIT);
    this.#kv?.save(
      `audit:${entry.at}:${Math.random().toString(36).slice(2, 8)}`,
      JSON.stringify(entry),
    );
  }

  /** The newest audit entries, oldest first. */
  async auditLog(limit = 100): Promise<AuditEntry[]> {
    const events = await this.state.readEvents(AUDIT_KEY, limit);
    if (events.length === 0 && this.#kv) {
      return [...this.#kv.load(['audit:']).values()]
        .slice(-limit)
        .map((value) => JSON.parse(value) as AuditEntry);
    }
    return events.map((value) => JSON.parse(value) as AuditEntry);
  }

  /** Everything an operator sees in GET /admin/state. */
  async snapshot() {
    return {
      state: this.state.kind,
      kill_switch: this.#kill,
      canaries: [...this.#canaries.values()].map((controller) => controller.snapshot()),
      budgets: (await this.#budgets?.snapshot()) ?? [],
      shedding: this.#admission?.stats() ?? null,
      cache: this.#cache?.stats() ?? null,
      shadow: Object.fromEntries(
        [...this.#shadows].map(([route, mirror]) => [route, mirror.stats()]),
      ),
      online_checks: this.checkTally.snapshot(),
      canary_judges: this.#judges.snapshot(),
    };
  }

  /** Stop timers, wait for webhooks and shadows, close shared state. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    await Promise.all([...this.#canaries.values()].map((controller) => controller.close()));
    await Promise.all([...this.#shadows.values()].map((mirror) => mirror.close()));
    await this.#judges.close();
    await this.state.close();
  }

  // ── Internals ───────────────────────────────────────────────────────────────────────────

  #safeRouteName(): string {
    return this.#policy.safeRoute ?? this.#policy.defaultRoute;
  }

  /** The canary arm's route: the candidate first, the baseline chain as its fallback. */
  #canaryRoute(route: RouteConfig, candidate: string): RouteConfig {
    const key = `${route.name}\u0000${candidate}`;
    let canaryRoute = this.#canaryRoutes.get(key);
    if (!canaryRoute) {
      const first = route.chain[0];
      const step: RouteStep = first
        ? { ...first, target: candidate }
        : {
            target: candidate,
            timeouts: { connectMs: 2000, ttftMs: 10_000, streamIdleMs: 15_000, totalMs: 60_000 },
            fallbackOn: [],
            latencyBudgetMs: null,
            maxAttempts: 1,
          };
      canaryRoute = {
        ...route,
        name: `${route.name}${CANARY_SUFFIX}`,
        chain: [step, ...route.chain],
      };
      this.#canaryRoutes.set(key, canaryRoute);
    }
    return canaryRoute;
  }

  async #configure(policy: Policy): Promise<void> {
    this.#canaryRoutes.clear();
    for (const [route, controller] of [...this.#canaries]) {
      const config = policy.routes.get(route)?.canary;
      if (!config || config.target !== controller.candidate) {
        await controller.close();
        this.#canaries.delete(route);
      }
    }
    for (const route of policy.routes.values()) {
      if (!route.canary || this.#canaries.has(route.name)) continue;
      const settings = resolveCanarySettings(route.canary);
      const controller = createCanaryController({
        route: route.name,
        candidate: settings.candidate,
        steps: settings.steps,
        intervalMs: settings.intervalMs,
        minSamples: settings.minSamples,
        windowMs: settings.windowMs,
        gates: settings.gates,
        webhookUrl: settings.webhookUrl,
        state: this.state,
        onEvent: (event) => this.#onCanaryEvent(event),
      });
      await controller.load();
      this.#canaries.set(route.name, controller);
    }
    await this.#judges.configure(policy);
    for (const [route, mirror] of [...this.#shadows]) {
      if (!policy.routes.get(route)?.shadow) {
        await mirror.close();
        this.#shadows.delete(route);
      }
    }
    for (const route of policy.routes.values()) {
      const shadow = route.shadow;
      if (!shadow || this.#shadows.has(route.name)) continue;
      this.#shadows.set(
        route.name,
        createShadowMirror({
          percentage: shadow.percentage,
          maxConcurrent: shadow.maxConcurrent,
          maxQueue: shadow.maxQueue,
          taskTimeoutMs: shadow.timeoutMs,
          onDrop: () => this.countShadow(route.name, 'dropped'),
        }),
      );
    }
    this.#checks.clear();
    for (const route of policy.routes.values()) {
      const config = route.onlineChecks;
      if (!config) continue;
      this.#checks.set(
        route.name,
        createOnlineChecks({
          sampleRate: config.sampleRate,
          schema: config.schema,
          denyPatterns: config.denyPatterns,
          minLength: config.minLength,
          maxLength: config.maxLength,
          refusalPatterns: config.refusalPatterns,
        }),
      );
    }
    this.#budgets =
      policy.budgets.length > 0
        ? createBudgetGuard({ budgets: policy.budgets, state: this.state })
        : null;
    this.#rate =
      policy.limits.rate.length > 0
        ? createRateLimiter({ limits: policy.limits.rate, state: this.state })
        : null;
    this.#concurrency =
      policy.limits.concurrency.length > 0
        ? createConcurrencyLimiter({
            limits: policy.limits.concurrency,
            state: this.state,
            holdTtlMs: policy.limits.holdTtlMs,
          })
        : null;
    if (policy.shedding) {
      if (this.#admission) this.#admission.reconfigure(policy.shedding);
      else this.#admission = createAdmissionQueue(policy.shedding);
    } else {
      this.#admission = null;
    }
    const cache = policy.degradation.cache;
    this.#cache = cache
      ? createResponseCache({ ttlMs: cache.ttlMs, maxEntries: cache.maxEntries, state: this.state })
      : null;
  }

  #onCanaryEvent(event: CanaryEvent): void {
    this.#metrics.canaryEvents.inc({ route: event.route, type: event.type });
    const level =
      event.type === 'canary-rollback' || event.type.endsWith('-fail') ? 'warn' : 'info';
    this.#logger[level](
      { canary: event },
      `${event.type} on route ${event.route}: ${event.reason ?? ''}`,
    );
  }

  /** Pick up the kill-switch and breaker openings other replicas wrote. */
  async #syncShared(): Promise<void> {
    try {
      const raw = await this.state.get(KILL_SWITCH_KEY);
      this.#kill = raw ? (JSON.parse(raw) as KillSwitch) : null;
      if (this.state.kind !== 'redis') return;
      for (const target of this.#policy.targets.keys()) {
        const openedAt = await this.state.get(`breaker:${target}`);
        if (openedAt) this.#runtime.breakers.get(target).adoptOpen(Number(openedAt));
      }
    } catch (error) {
      this.#logger.warn({ err: error }, 'shared state sync failed; keeping the last known state');
    }
  }

  #every(ms: number, task: () => Promise<void>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      void task().finally(() => {
        running = false;
      });
    }, ms);
    timer.unref();
    this.#timers.push(timer);
  }
}

/** Suffix of a canary arm's route name, so records and metrics tell the arms apart. */
export const CANARY_SUFFIX = '#canary';

/** The configured route a (possibly canary-arm) route belongs to. */
export function baseRouteName(name: string): string {
  return name.endsWith(CANARY_SUFFIX) ? name.slice(0, -CANARY_SUFFIX.length) : name;
}
