import type { AttemptErrorClass } from '../../core/error-codes.js';
import type { ProviderKind } from '../../providers/chat-provider.js';
import type { SimProfile } from '../../providers/sim/sim-profile.js';

/**
 * The normalized, validated policy that the rest of Switchyard consumes. The YAML on disk is
 * snake_case and forgiving (aliases, defaults, seed formats); this is camelCase and complete.
 */
export interface Policy {
  /** Absolute path of the file it was loaded from, or '<inline>'. */
  sourcePath: string;
  server: ServerConfig;
  log: LogConfig;
  /** Targets by name, in file order. */
  targets: Map<string, TargetConfig>;
  classification: ClassificationConfig;
  /** Tried in order; first match wins. */
  rules: RuleConfig[];
  /** Routes by name, in file order. */
  routes: Map<string, RouteConfig>;
  /** Route used when no rule matches and the client sent `model: auto`. */
  defaultRoute: string;
  /** Breaker settings for targets that do not override them. */
  breaker: BreakerConfig;
  /** Route every request takes while the kill-switch is on; null = the default route. */
  safeRoute: string | null;
  state: StateConfig;
  budgets: BudgetConfig[];
  limits: LimitsConfig;
  shedding: SheddingConfig | null;
  degradation: DegradationConfig;
  /** What loading did on the author's behalf (e.g. converting a seed-format file); for the log. */
  notes?: string[];
}

/** HTTP listener and client-facing settings. */
export interface ServerConfig {
  host: string;
  port: number;
  /** Largest accepted request body; default 10 MB. */
  bodyLimitBytes: number;
  /** Gateway keys clients must present; empty means no auth. Values, already read from env. */
  apiKeys: string[];
  /** Token for /admin/*; admin endpoints are not served when unset. */
  adminToken: string | null;
  /** Whether bare target names may be used as `model` and appear in /v1/models. */
  exposeTargets: boolean;
}

/** Request-log settings. */
export interface LogConfig {
  enabled: boolean;
  /** SQLite file path, resolved relative to the policy file. */
  path: string;
  retentionDays: number;
  /** Store request and response bodies (redacted). */
  captureBodies: boolean;
  /** Extra regex sources to mask, on top of the built-in PII patterns. */
  redactPatterns: string[];
  batchSize: number;
  flushIntervalMs: number;
}

/** One concrete model endpoint. */
export interface TargetConfig {
  name: string;
  provider: ProviderKind;
  /** Base URL up to and including the version segment, e.g. https://api.openai.com/v1. */
  baseUrl: string | null;
  /** Upstream model name. */
  model: string;
  /** Name of the environment variable holding the upstream key (the key itself is never stored here). */
  apiKeyEnv: string | null;
  /** Extra upstream headers (values may not contain keys; use apiKeyEnv). */
  headers: Record<string, string>;
  /** USD per input token. */
  inputPricePerToken: number;
  /** USD per output token. */
  outputPricePerToken: number;
  contextWindow: number;
  /** Simulated behaviour; required when provider is 'sim'. */
  sim: SimProfile | null;
  /** Breaker override for this target. */
  breaker: BreakerConfig | null;
}

/** Circuit breaker thresholds. */
export interface BreakerConfig {
  /** Open after this many consecutive failures. */
  consecutiveFailures: number;
  /** Or open when the failure rate over the window exceeds this (0..1)... */
  errorRate: number;
  /** ...measured over this rolling window... */
  windowMs: number;
  /** ...once the window holds at least this many calls. */
  minRequests: number;
  /** How long to stay open before letting half-open probes through. */
  openMs: number;
  /** Probes allowed at once while half-open; this many successes close the breaker. */
  halfOpenProbes: number;
}

/** How requests are labelled before rules run. */
export interface ClassificationConfig {
  /** Intent used when nothing else decides. */
  defaultIntent: string;
  /** Request header that may carry an explicit intent. */
  intentHeader: string;
  /** Keyword/regex intent rules on the last user turn, tried in order. */
  intentRules: IntentRule[];
  /** Tag rules; every matching rule adds its tag (or its `else` tag when it does not match). */
  tagRules: TagRule[];
  /** Optional model-based intent classifier. */
  classifier: ClassifierConfig | null;
}

/** Intent from text. */
export interface IntentRule {
  intent: string;
  /** Case-insensitive substrings; any one matches. */
  keywords: string[];
  /** Regex sources (case-insensitive); any one matches. */
  patterns: string[];
}

/** Tag from a condition. */
export interface TagRule {
  tag: string;
  when: Condition;
  elseTag: string | null;
}

/** Ask a cheap model for the intent. */
export interface ClassifierConfig {
  target: string;
  labels: string[];
  timeoutMs: number;
  cacheSize: number;
}

/**
 * A predicate over a classified request. All fields present must hold; `any` holds when one of
 * its members holds, `all` when every one does.
 */
export interface Condition {
  intent?: string[];
  tags?: string[];
  tenant?: string[];
  /** Inclusive bounds on counted prompt tokens. */
  minPromptTokens?: number;
  maxPromptTokens?: number;
  /** Exact matches on request metadata (body `metadata` or `x-switchyard-meta-*` headers). */
  metadata?: Record<string, string>;
  hasImages?: boolean;
  hasTools?: boolean;
  hasResponseFormat?: boolean;
  minTurns?: number;
  maxTurns?: number;
  any?: Condition[];
  all?: Condition[];
}

/** Conditions → route. */
export interface RuleConfig {
  name: string;
  when: Condition;
  route: string;
}

/** An ordered chain of targets with retry and fallback behaviour. */
export interface RouteConfig {
  name: string;
  chain: RouteStep[];
  /** Overall deadline for the whole request, all attempts included. */
  deadlineMs: number;
  retry: RetryConfig;
  contextFit: ContextFitConfig | null;
  /** A share of this route's traffic sent to a candidate target, when set. */
  canary: CanaryConfig | null;
  shadow: ShadowConfig | null;
  onlineChecks: OnlineChecksConfig | null;
  verifier: VerifierConfig | null;
}

/** Check an answer before returning it (streaming answers are buffered until it passes). */
export interface VerifierConfig {
  kind: 'schema' | 'grounding';
  schema: Record<string, unknown> | null;
  target: string | null;
  onFail: 'retry' | 'fallback';
  maxTries: number;
}

/**
 * A candidate target taking a share of a route's traffic, promoted or rolled back by gates
 * (src/rollout). Unset timings take the rollout defaults.
 */
export interface CanaryConfig {
  target: string;
  /** The seed's single share, 0..100; alone it means steps: [percentage]. */
  percentage?: number;
  /** Strictly increasing percentages, e.g. [5, 25, 50, 100]. */
  steps?: number[];
  intervalMs?: number;
  minSamples?: number;
  windowMs?: number;
  /** Gates as written, e.g. "p95_latency_ms <= baseline * 1.2". */
  gates: string[];
  /** The seed's name for gates, e.g. "latency<300", "accuracy_delta>0.02". */
  criteria: string[];
  webhookUrl?: string;
  /** A judge grading a sample of both arms' answers; its grades feed the quality gates. */
  judge?: CanaryJudgeConfig | null;
}

/** A canary's judge: a target asked to grade sampled answers, off the request path. */
export interface CanaryJudgeConfig {
  target: string;
  /** Share of served answers graded, 0..1. */
  sampleRate: number;
  /** Null means the built-in rubric. */
  rubric: string | null;
  timeoutMs: number;
  maxConcurrent: number;
}

/** Mirror a share of a route's requests to a candidate; answers recorded, never returned. */
export interface ShadowConfig {
  target: string;
  percentage: number;
  maxConcurrent: number;
  maxQueue: number;
  timeoutMs: number;
}

/** Cheap checks on a sample of live answers. */
export interface OnlineChecksConfig {
  sampleRate: number;
  schema: Record<string, unknown> | null;
  denyPatterns: string[];
  minLength: number | null;
  maxLength: number | null;
  /** Null means the built-in refusal patterns. */
  refusalPatterns: string[] | undefined;
}

/** A spend limit per target, route or tenant. */
export interface BudgetConfig {
  scope: 'target' | 'route' | 'tenant';
  name: string;
  limitUsd: number;
  windowMs: number;
  onExceeded: 'downgrade' | 'reject';
  downgradeRoute: string | null;
}

/** Request-rate and concurrency limits. */
export interface LimitsConfig {
  rate: Array<{ scope: 'target' | 'tenant'; name: string; requests: number; windowMs: number }>;
  concurrency: Array<{ scope: 'target' | 'tenant'; name: string; maxConcurrent: number }>;
  holdTtlMs: number;
}

/** Load shedding for one gateway process. */
export interface SheddingConfig {
  maxConcurrent: number;
  maxQueue: number;
  maxWaitMs: number;
}

/** Degraded answers when every target failed or a request was shed. */
export interface DegradationConfig {
  cache: { ttlMs: number; maxEntries: number } | null;
  staticMessage: string | null;
}

/** Where shared state lives. */
export interface StateConfig {
  kind: 'memory' | 'redis';
  /** Environment variable holding the Redis URL. */
  urlEnv: string;
  keyPrefix: string;
}

/** One target in a route chain and when to move on from it. */
export interface RouteStep {
  target: string;
  timeouts: TimeoutConfig;
  /** Error classes that move on to the next step (after retries on this one are spent). */
  fallbackOn: AttemptErrorClass[];
  /** Move on if an attempt's latency exceeds this, when set. */
  latencyBudgetMs: number | null;
  /** Attempts on this target, first try included. */
  maxAttempts: number;
}

/** Timeouts of one attempt. */
export interface TimeoutConfig {
  connectMs: number;
  /** Until the first content byte (streaming) or the response headers (non-streaming). */
  ttftMs: number;
  /** Longest silence between stream chunks. */
  streamIdleMs: number;
  /** Whole attempt. */
  totalMs: number;
}

/** Backoff between attempts on the same target. */
export interface RetryConfig {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After the gateway will wait for; longer ones move on instead. */
  retryAfterCapMs: number;
}

/** What to do when a conversation exceeds the chosen target's window. */
export interface ContextFitConfig {
  strategy: 'drop_oldest' | 'summarize';
  /** Most recent turns always kept. */
  keepLastTurns: number;
  /** Tokens left free for the answer. */
  reserveOutputTokens: number;
  /** Target that summarizes dropped turns, for `summarize`. */
  summarizerTarget: string | null;
}
