import path from 'node:path';
import { type AttemptErrorClass, RETRYABLE_ATTEMPT_CLASSES } from '../../core/error-codes.js';
import { normalizeSimProfile, type SimProfile } from '../../providers/sim/sim-profile.js';
import { SIM_PRESETS } from '../../providers/sim/sim-profiles.js';
import type { PolicyFieldIssue } from './describe-zod-issues.js';
import type { ConditionInput, PolicyFile } from './policy-schema.js';
import type {
  BreakerConfig,
  CanaryConfig,
  ClassificationConfig,
  Condition,
  ContextFitConfig,
  Policy,
  RouteConfig,
  RouteStep,
  RuleConfig,
  ServerConfig,
  TargetConfig,
  TimeoutConfig,
} from './policy-types.js';

/** Timeouts of an attempt when neither the step nor its route sets them. */
export const DEFAULT_TIMEOUTS: Readonly<TimeoutConfig> = {
  connectMs: 2000,
  ttftMs: 10_000,
  streamIdleMs: 15_000,
  totalMs: 60_000,
};

/**
 * Error classes that move on to the next target when a route does not say: every transient
 * failure, a prompt too long for this target, a blown latency budget, and the two "skipped
 * without calling" classes (an open breaker, a window known to be too small).
 */
export const DEFAULT_FALLBACK_ON: readonly AttemptErrorClass[] = [
  ...RETRYABLE_ATTEMPT_CLASSES,
  'context_length_exceeded',
  'latency_budget',
  'circuit_open',
  'context_window_skip',
  'target_limited',
];

/** Attempts per target, first try included, when not set. */
export const DEFAULT_MAX_ATTEMPTS = 2;

/** The model name a client sends to let the policy choose. */
export const AUTO_MODEL = 'auto';

/** Header names that carry credentials; their values must come from api_key_env. */
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'x-api-key',
  'api-key',
  'proxy-authorization',
]);

/** What normalizing needs besides the file. */
export interface NormalizeContext {
  /** As the user named it; '<inline>' when there is no file. */
  sourcePath: string;
  env: NodeJS.ProcessEnv;
}

/** Either a policy or every problem found. */
export type NormalizeResult =
  | { policy: Policy; issues: [] }
  | { policy: null; issues: PolicyFieldIssue[] };

/**
 * Turn the schema-checked file into the camelCase Policy the gateway consumes, and check
 * everything the schema cannot: references between sections, regular expressions, and
 * provider-specific requirements. All problems are collected, not just the first.
 */
export function normalizePolicy(file: PolicyFile, context: NormalizeContext): NormalizeResult {
  const issues: PolicyFieldIssue[] = [];
  const breaker = toBreaker(file.breaker);

  const targetNames = Object.keys(file.targets);
  if (targetNames.length === 0)
    issues.push({ path: ['targets'], message: 'define at least one target' });
  const targets = new Map<string, TargetConfig>();
  for (const [name, raw] of Object.entries(file.targets)) {
    const at = ['targets', name];
    checkName(name, at, 'target', issues);
    if (raw.provider === 'sim' && !raw.sim) {
      issues.push({
        path: at,
        message:
          'provider sim needs a sim profile (a preset such as `sim: small-fast`, or `sim: {}` for the defaults)',
      });
    }
    if (raw.provider !== 'sim' && raw.sim) {
      issues.push({
        path: [...at, 'sim'],
        atKey: true,
        message: `sim applies only to provider sim, not ${raw.provider}`,
      });
    }
    if (raw.provider !== 'sim' && !raw.base_url) {
      issues.push({
        path: at,
        message: `provider ${raw.provider} needs base_url (e.g. ${raw.provider === 'anthropic' ? 'https://api.anthropic.com/v1' : 'https://api.openai.com/v1'})`,
      });
    }
    for (const header of Object.keys(raw.headers)) {
      if (CREDENTIAL_HEADERS.has(header.toLowerCase())) {
        issues.push({
          path: [...at, 'headers', header],
          atKey: true,
          message:
            'credentials are not allowed in the policy file; name the environment variable with api_key_env',
        });
      }
    }
    const [inputPrice, outputPrice] = toPrices(raw.price);
    targets.set(name, {
      name,
      provider: raw.provider,
      baseUrl: raw.base_url ? raw.base_url.replace(/\/+$/, '') : null,
      model: raw.model ?? name,
      apiKeyEnv: raw.api_key_env ?? null,
      headers: raw.headers,
      inputPricePerToken: inputPrice,
      outputPricePerToken: outputPrice,
      contextWindow: raw.context_window,
      sim: toSimProfile(raw.sim),
      breaker: raw.breaker ? { ...breaker, ...toBreakerOverride(raw.breaker) } : null,
    });
  }
  const targetExists = (name: string, at: PropertyKey[], what: string): void => {
    if (!targets.has(name)) {
      issues.push({
        path: at,
        message: `${what} "${name}" is not a defined target (targets: ${listNames(targetNames)})`,
      });
    }
  };

  const classification = toClassification(file.classification, issues);
  if (classification.classifier) {
    targetExists(
      classification.classifier.target,
      ['classification', 'classifier', 'target'],
      'classifier target',
    );
  }

  const routes = new Map<string, RouteConfig>();
  if (file.routes === undefined) {
    // Shorthand: a file with only targets routes to each target by its own name.
    for (const name of targetNames) {
      routes.set(name, {
        name,
        chain: [toStep(name, {}, {})],
        deadlineMs: 30_000,
        retry: { baseDelayMs: 100, maxDelayMs: 2000, retryAfterCapMs: 5000 },
        contextFit: null,
        canary: null,
        shadow: null,
        onlineChecks: null,
        verifier: null,
      });
    }
  } else {
    if (Object.keys(file.routes).length === 0) {
      issues.push({
        path: ['routes'],
        message: 'define at least one route, or leave routes out to get one per target',
      });
    }
    for (const [name, raw] of Object.entries(file.routes)) {
      const at = ['routes', name];
      checkName(name, at, 'route', issues);
      const chain = raw.targets.map((entry, index) => {
        const step = typeof entry === 'string' ? { target: entry } : entry;
        targetExists(
          step.target,
          typeof entry === 'string'
            ? [...at, 'targets', index]
            : [...at, 'targets', index, 'target'],
          'route target',
        );
        return toStep(step.target, raw, step);
      });
      let contextFit: ContextFitConfig | null = null;
      if (raw.context_fit) {
        const fit = raw.context_fit;
        if (fit.strategy === 'summarize' && !fit.summarizer_target) {
          issues.push({
            path: [...at, 'context_fit'],
            message: 'strategy summarize needs summarizer_target',
          });
        }
        if (fit.summarizer_target)
          targetExists(
            fit.summarizer_target,
            [...at, 'context_fit', 'summarizer_target'],
            'summarizer_target',
          );
        contextFit = {
          strategy: fit.strategy,
          keepLastTurns: fit.keep_last_turns,
          reserveOutputTokens: fit.reserve_output_tokens,
          summarizerTarget: fit.summarizer_target ?? null,
        };
      }
      if (raw.canary) targetExists(raw.canary.target, [...at, 'canary', 'target'], 'canary target');
      if (raw.canary?.judge)
        targetExists(
          raw.canary.judge.target,
          [...at, 'canary', 'judge', 'target'],
          'canary judge target',
        );
      if (raw.shadow) targetExists(raw.shadow.target, [...at, 'shadow', 'target'], 'shadow target');
      if (raw.verifier?.kind === 'schema' && !raw.verifier.schema)
        issues.push({
          path: [...at, 'verifier', 'schema'],
          message: 'a schema verifier needs schema',
        });
      if (raw.verifier?.kind === 'grounding') {
        if (raw.verifier.target)
          targetExists(raw.verifier.target, [...at, 'verifier', 'target'], 'verifier target');
        else
          issues.push({
            path: [...at, 'verifier', 'target'],
            message: 'a grounding verifier needs target',
          });
      }
      for (const [index, pattern] of (raw.online_checks?.deny_patterns ?? []).entries()) {
        checkRegex(pattern, [...at, 'online_checks', 'deny_patterns', index], issues);
      }
      routes.set(name, {
        name,
        chain,
        deadlineMs: raw.deadline_ms,
        retry: {
          baseDelayMs: raw.retry.base_delay_ms,
          maxDelayMs: raw.retry.max_delay_ms,
          retryAfterCapMs: raw.retry.retry_after_cap_ms,
        },
        contextFit,
        canary: raw.canary ? toCanary(raw.canary) : null,
        shadow: raw.shadow
          ? {
              target: raw.shadow.target,
              percentage: raw.shadow.percentage,
              maxConcurrent: raw.shadow.max_concurrent,
              maxQueue: raw.shadow.max_queue,
              timeoutMs: raw.shadow.timeout_s * 1000,
            }
          : null,
        onlineChecks: raw.online_checks
          ? {
              sampleRate: raw.online_checks.sample_rate,
              schema: raw.online_checks.schema ?? null,
              denyPatterns: raw.online_checks.deny_patterns,
              minLength: raw.online_checks.min_length ?? null,
              maxLength: raw.online_checks.max_length ?? null,
              refusalPatterns: raw.online_checks.refusal_patterns,
            }
          : null,
        verifier: raw.verifier
          ? {
              kind: raw.verifier.kind,
              schema: raw.verifier.schema ?? null,
              target: raw.verifier.target ?? null,
              onFail: raw.verifier.on_fail,
              maxTries: raw.verifier.max_tries,
            }
          : null,
      });
      if (raw.retry.base_delay_ms > raw.retry.max_delay_ms) {
        issues.push({
          path: [...at, 'retry'],
          message: 'base_delay_ms must not exceed max_delay_ms',
        });
      }
    }
  }
  const routeNames = [...routes.keys()];
  const routeExists = (name: string, at: PropertyKey[], what: string): void => {
    if (!routes.has(name)) {
      issues.push({
        path: at,
        message: `${what} "${name}" is not a defined route (routes: ${listNames(routeNames)})`,
      });
    }
  };

  const rules: RuleConfig[] = [];
  const ruleNames = new Set<string>();
  file.rules.forEach((raw, index) => {
    const name = raw.name ?? `rule-${index + 1}`;
    if (ruleNames.has(name))
      issues.push({ path: ['rules', index, 'name'], message: `duplicate rule name "${name}"` });
    ruleNames.add(name);
    routeExists(raw.route, ['rules', index, 'route'], 'rule route');
    rules.push({
      name,
      when: toCondition(raw.when, ['rules', index, 'when'], issues),
      route: raw.route,
    });
  });

  const defaultRoute = file.default_route ?? routeNames[0] ?? '';
  if (file.default_route !== undefined)
    routeExists(file.default_route, ['default_route'], 'default_route');

  if (file.traffic.safe_route !== undefined)
    routeExists(file.traffic.safe_route, ['traffic', 'safe_route'], 'traffic.safe_route');
  file.budgets.forEach((budget, index) => {
    const at = ['budgets', index];
    if (budget.scope === 'target' && budget.name !== '*')
      targetExists(budget.name, [...at, 'name'], 'budget target');
    if (budget.scope === 'route') routeExists(budget.name, [...at, 'name'], 'budget route');
    if (budget.on_exceeded === 'downgrade') {
      if (budget.downgrade_route === undefined)
        issues.push({
          path: [...at, 'downgrade_route'],
          message: 'on_exceeded: downgrade needs downgrade_route',
        });
      else routeExists(budget.downgrade_route, [...at, 'downgrade_route'], 'downgrade_route');
    }
  });
  for (const [kind, entries] of [
    ['rate', file.limits.rate],
    ['concurrency', file.limits.concurrency],
  ] as const) {
    entries.forEach((limit, index) => {
      if (limit.scope === 'target' && limit.name !== '*')
        targetExists(limit.name, ['limits', kind, index, 'name'], 'limit target');
    });
  }

  for (const [index, pattern] of file.log.redact_patterns.entries()) {
    checkRegex(pattern, ['log', 'redact_patterns', index], issues);
  }

  if (issues.length > 0) return { policy: null, issues };
  const absoluteSource =
    context.sourcePath === '<inline>' ? null : path.resolve(context.sourcePath);
  const policy: Policy = {
    sourcePath: absoluteSource ?? '<inline>',
    server: toServer(file.server, context.env),
    log: {
      enabled: file.log.enabled,
      path:
        file.log.path === ':memory:'
          ? file.log.path
          : path.resolve(
              absoluteSource ? path.dirname(absoluteSource) : process.cwd(),
              file.log.path,
            ),
      retentionDays: file.log.retention_days,
      captureBodies: file.log.capture_bodies,
      redactPatterns: file.log.redact_patterns,
      batchSize: file.log.batch_size,
      flushIntervalMs: file.log.flush_interval_ms,
    },
    targets,
    classification,
    rules,
    routes,
    defaultRoute,
    breaker,
    safeRoute: file.traffic.safe_route ?? null,
    state: { kind: file.state.kind, urlEnv: file.state.url_env, keyPrefix: file.state.key_prefix },
    budgets: file.budgets.map((budget) => ({
      scope: budget.scope,
      name: budget.name,
      limitUsd: budget.limit_usd,
      windowMs: budget.window_s * 1000,
      onExceeded: budget.on_exceeded,
      downgradeRoute: budget.downgrade_route ?? null,
    })),
    limits: {
      rate: file.limits.rate.map((limit) => ({
        scope: limit.scope,
        name: limit.name,
        requests: limit.requests,
        windowMs: limit.window_s * 1000,
      })),
      concurrency: file.limits.concurrency.map((limit) => ({
        scope: limit.scope,
        name: limit.name,
        maxConcurrent: limit.max_concurrent,
      })),
      holdTtlMs: file.limits.hold_ttl_s * 1000,
    },
    shedding: file.shedding
      ? {
          maxConcurrent: file.shedding.max_concurrent,
          maxQueue: file.shedding.max_queue,
          maxWaitMs: file.shedding.max_wait_ms,
        }
      : null,
    degradation: {
      cache: file.degradation.cache
        ? {
            ttlMs: file.degradation.cache.ttl_s * 1000,
            maxEntries: file.degradation.cache.max_entries,
          }
        : null,
      staticMessage: file.degradation.static_message ?? null,
    },
  };
  return { policy, issues: [] };
}

/** Route canary settings in the rollout controller's terms (unset timings keep its defaults). */
function toCanary(raw: NonNullable<RawRoute['canary']>): CanaryConfig {
  const canary: CanaryConfig = { target: raw.target, gates: raw.gates, criteria: raw.criteria };
  if (raw.percentage !== undefined) canary.percentage = raw.percentage;
  if (raw.steps !== undefined) canary.steps = raw.steps;
  if (raw.interval_s !== undefined) canary.intervalMs = raw.interval_s * 1000;
  if (raw.min_samples !== undefined) canary.minSamples = raw.min_samples;
  if (raw.window_s !== undefined) canary.windowMs = raw.window_s * 1000;
  if (raw.webhook_url !== undefined) canary.webhookUrl = raw.webhook_url;
  if (raw.judge !== undefined) {
    canary.judge = {
      target: raw.judge.target,
      sampleRate: raw.judge.sample_rate,
      rubric: raw.judge.rubric ?? null,
      timeoutMs: raw.judge.timeout_s * 1000,
      maxConcurrent: raw.judge.max_concurrent,
    };
  }
  return canary;
}

type RawRoute = NonNullable<PolicyFile['routes']>[string];
type StepSettings = Pick<
  RawRoute,
  'timeouts' | 'fallback_on' | 'latency_budget_ms' | 'max_attempts'
>;

function toStep(target: string, route: StepSettings, step: StepSettings): RouteStep {
  return {
    target,
    timeouts: {
      connectMs:
        step.timeouts?.connect_ms ?? route.timeouts?.connect_ms ?? DEFAULT_TIMEOUTS.connectMs,
      ttftMs: step.timeouts?.ttft_ms ?? route.timeouts?.ttft_ms ?? DEFAULT_TIMEOUTS.ttftMs,
      streamIdleMs:
        step.timeouts?.stream_idle_ms ??
        route.timeouts?.stream_idle_ms ??
        DEFAULT_TIMEOUTS.streamIdleMs,
      totalMs: step.timeouts?.total_ms ?? route.timeouts?.total_ms ?? DEFAULT_TIMEOUTS.totalMs,
    },
    fallbackOn: toFallbackClasses(step.fallback_on ?? route.fallback_on),
    latencyBudgetMs: step.latency_budget_ms ?? route.latency_budget_ms ?? null,
    maxAttempts: step.max_attempts ?? route.max_attempts ?? DEFAULT_MAX_ATTEMPTS,
  };
}

function toSimProfile(raw: PolicyFile['targets'][string]['sim']): SimProfile | null {
  if (raw === undefined) return null;
  // A copy, so that no policy can change a preset shared by every other policy.
  if (typeof raw === 'string') return structuredClone(SIM_PRESETS[raw]) as SimProfile;
  return normalizeSimProfile(raw);
}

function toFallbackClasses(raw: StepSettings['fallback_on']): AttemptErrorClass[] {
  if (raw === undefined) return [...DEFAULT_FALLBACK_ON];
  const classes = new Set<AttemptErrorClass>();
  for (const entry of raw) {
    if (entry === 429 || entry === '429') classes.add('rate_limited');
    else if (entry === '5xx') classes.add('server_error');
    else classes.add(entry);
  }
  return [...classes];
}

function toClassification(
  raw: PolicyFile['classification'],
  issues: PolicyFieldIssue[],
): ClassificationConfig {
  const intentRules = raw.intents.map((rule, index) => {
    for (const [patternIndex, pattern] of rule.patterns.entries()) {
      checkRegex(pattern, ['classification', 'intents', index, 'patterns', patternIndex], issues);
    }
    return { intent: rule.intent, keywords: rule.keywords, patterns: rule.patterns };
  });
  const tagRules = raw.tags.map((rule, index) => ({
    tag: rule.tag,
    when: toCondition(rule.when, ['classification', 'tags', index, 'when'], issues),
    elseTag: rule.else ?? null,
  }));
  let classifier: ClassificationConfig['classifier'] = null;
  if (raw.classifier) {
    const labels = raw.classifier.labels ?? [...new Set(raw.intents.map((rule) => rule.intent))];
    if (labels.length === 0) {
      issues.push({
        path: ['classification', 'classifier'],
        message: 'the classifier has no labels: list labels, or define classification.intents',
      });
    }
    classifier = {
      target: raw.classifier.target,
      labels,
      timeoutMs: raw.classifier.timeout_ms,
      cacheSize: raw.classifier.cache_size,
    };
  }
  return {
    defaultIntent: raw.default_intent,
    intentHeader: raw.intent_header.toLowerCase(),
    intentRules,
    tagRules,
    classifier,
  };
}

/** Convert a raw condition: lists everywhere, metadata values as strings, bounds checked. */
function toCondition(
  raw: ConditionInput,
  at: PropertyKey[],
  issues: PolicyFieldIssue[],
): Condition {
  const condition: Condition = {};
  const list = (value: string | string[]): string[] =>
    typeof value === 'string' ? [value] : value;
  if (raw.intent !== undefined) condition.intent = list(raw.intent);
  if (raw.tags !== undefined) condition.tags = list(raw.tags);
  if (raw.tenant !== undefined) condition.tenant = list(raw.tenant);
  if (raw.min_prompt_tokens !== undefined) condition.minPromptTokens = raw.min_prompt_tokens;
  if (raw.max_prompt_tokens !== undefined) condition.maxPromptTokens = raw.max_prompt_tokens;
  if (raw.metadata !== undefined) {
    condition.metadata = Object.fromEntries(
      Object.entries(raw.metadata).map(([key, value]) => [key, String(value)]),
    );
  }
  if (raw.has_images !== undefined) condition.hasImages = raw.has_images;
  if (raw.has_tools !== undefined) condition.hasTools = raw.has_tools;
  if (raw.has_response_format !== undefined) condition.hasResponseFormat = raw.has_response_format;
  if (raw.min_turns !== undefined) condition.minTurns = raw.min_turns;
  if (raw.max_turns !== undefined) condition.maxTurns = raw.max_turns;
  if (raw.any !== undefined)
    condition.any = raw.any.map((inner, index) =>
      toCondition(inner, [...at, 'any', index], issues),
    );
  if (raw.all !== undefined)
    condition.all = raw.all.map((inner, index) =>
      toCondition(inner, [...at, 'all', index], issues),
    );
  if (
    condition.minPromptTokens !== undefined &&
    condition.maxPromptTokens !== undefined &&
    condition.minPromptTokens > condition.maxPromptTokens
  ) {
    issues.push({
      path: at,
      message: 'min_prompt_tokens is larger than max_prompt_tokens; this never matches',
    });
  }
  if (
    condition.minTurns !== undefined &&
    condition.maxTurns !== undefined &&
    condition.minTurns > condition.maxTurns
  ) {
    issues.push({ path: at, message: 'min_turns is larger than max_turns; this never matches' });
  }
  return condition;
}

function toServer(raw: PolicyFile['server'], env: NodeJS.ProcessEnv): ServerConfig {
  const fromEnv = (env[raw.api_keys_env] ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  const adminToken = env[raw.admin_token_env]?.trim();
  return {
    host: raw.host,
    port: raw.port,
    bodyLimitBytes: raw.body_limit_bytes,
    apiKeys: [...new Set([...raw.api_keys, ...fromEnv])],
    adminToken: adminToken ? adminToken : null,
    exposeTargets: raw.expose_targets,
  };
}

function toBreaker(raw: PolicyFile['breaker']): BreakerConfig {
  return {
    consecutiveFailures: raw.consecutive_failures,
    errorRate: raw.error_rate,
    windowMs: raw.window_ms,
    minRequests: raw.min_requests,
    openMs: raw.open_ms,
    halfOpenProbes: raw.half_open_probes,
  };
}

function toBreakerOverride(raw: Partial<PolicyFile['breaker']>): Partial<BreakerConfig> {
  const override: Partial<BreakerConfig> = {};
  if (raw.consecutive_failures !== undefined)
    override.consecutiveFailures = raw.consecutive_failures;
  if (raw.error_rate !== undefined) override.errorRate = raw.error_rate;
  if (raw.window_ms !== undefined) override.windowMs = raw.window_ms;
  if (raw.min_requests !== undefined) override.minRequests = raw.min_requests;
  if (raw.open_ms !== undefined) override.openMs = raw.open_ms;
  if (raw.half_open_probes !== undefined) override.halfOpenProbes = raw.half_open_probes;
  return override;
}

/** USD per token for input and output. Missing price means free (sim targets, local models). */
function toPrices(raw: PolicyFile['targets'][string]['price']): [number, number] {
  if (!raw) return [0, 0];
  if (raw.per_1k !== undefined) return [raw.per_1k / 1e3, raw.per_1k / 1e3];
  const input =
    raw.input_per_mtok !== undefined ? raw.input_per_mtok / 1e6 : (raw.input_per_1k ?? 0) / 1e3;
  const output =
    raw.output_per_mtok !== undefined ? raw.output_per_mtok / 1e6 : (raw.output_per_1k ?? 0) / 1e3;
  return [input, output];
}

function checkName(
  name: string,
  at: PropertyKey[],
  what: string,
  issues: PolicyFieldIssue[],
): void {
  if (name === AUTO_MODEL) {
    issues.push({
      path: at,
      atKey: true,
      message: `"${AUTO_MODEL}" is reserved (clients send it to let the policy choose); rename this ${what}`,
    });
  } else if (name.trim() !== name || name === '') {
    issues.push({
      path: at,
      atKey: true,
      message: `${what} names must not be empty or start/end with spaces`,
    });
  }
}

function checkRegex(pattern: string, at: PropertyKey[], issues: PolicyFieldIssue[]): void {
  try {
    new RegExp(pattern, 'i');
  } catch (error) {
    issues.push({ path: at, message: `invalid regular expression: ${(error as Error).message}` });
  }
}

function listNames(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.join(', ');
}
