import { z } from 'zod';
import { ATTEMPT_ERROR_CLASSES } from '../../core/error-codes.js';
import { simProfileSchema } from '../../providers/sim/sim-profile.js';
import { SIM_PRESETS, type SimPresetName } from '../../providers/sim/sim-profiles.js';
import {
  budgetSchema,
  canarySchema,
  degradationSchema,
  limitsSchema,
  onlineChecksSchema,
  shadowSchema,
  sheddingSchema,
  stateSchema,
  trafficSchema,
  verifierSchema,
} from './rollout-schema.js';

/**
 * The policy file as written on disk (snake_case). Every object is strict so that a misspelt
 * field is an error, not a silently ignored setting. Defaults live here so that the emitted JSON
 * Schema shows them to editors; cross-references (does this route exist?) are checked later, in
 * normalize-policy.ts, because they need the whole file.
 */

const nonNegativeInt = z.number().int().nonnegative();
const positiveInt = z.number().int().positive();
const durationMs = positiveInt;
const envName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    'expected an environment variable name such as OPENAI_API_KEY',
  );

/** A single value or a list of values; both mean "any one of these". */
const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** Route `fallback_on` entries: attempt error classes, plus `429` and `5xx` as aliases. */
export const fallbackClassSchema = z.union([
  z.enum(ATTEMPT_ERROR_CLASSES),
  z.enum(['429', '5xx']),
  // YAML reads an unquoted 429 as a number.
  z.literal(429),
]);

const breakerFields = {
  consecutive_failures: positiveInt.describe('Open after this many consecutive failures.'),
  error_rate: z
    .number()
    .gt(0)
    .max(1)
    .describe('Or open when the failure rate over the window exceeds this (0..1].'),
  window_ms: durationMs.describe('Rolling window for error_rate.'),
  min_requests: positiveInt.describe('Calls the window must hold before error_rate applies.'),
  open_ms: durationMs.describe('How long to stay open before half-open probes.'),
  half_open_probes: positiveInt.describe('Probes let through at once while half-open.'),
};

/** Circuit breaker thresholds with their defaults. */
export const breakerSchema = z
  .object({
    consecutive_failures: breakerFields.consecutive_failures.default(5),
    error_rate: breakerFields.error_rate.default(0.5),
    window_ms: breakerFields.window_ms.default(30_000),
    min_requests: breakerFields.min_requests.default(20),
    open_ms: breakerFields.open_ms.default(10_000),
    half_open_probes: breakerFields.half_open_probes.default(1),
  })
  .strict();

/** A per-target breaker override: any subset of the breaker fields. */
export const breakerOverrideSchema = z.object(breakerFields).partial().strict();

/** Server (listener and client auth) settings. */
export const serverSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(8080),
    body_limit_bytes: positiveInt.default(10 * 1024 * 1024),
    api_keys: z
      .array(z.string().min(1))
      .default([])
      .describe('Gateway keys clients must present. Prefer api_keys_env.'),
    api_keys_env: envName
      .default('SWITCHYARD_API_KEYS')
      .describe('Environment variable with comma-separated gateway keys (added to api_keys).'),
    admin_token_env: envName
      .default('SWITCHYARD_ADMIN_TOKEN')
      .describe('Environment variable with the /admin token; admin endpoints are off when unset.'),
    expose_targets: z
      .boolean()
      .default(true)
      .describe('Whether bare target names may be used as `model` and are listed in /v1/models.'),
  })
  .strict();

/** Request-log settings. */
export const logSchema = z
  .object({
    enabled: z.boolean().default(true),
    path: z
      .string()
      .min(1)
      .default('switchyard.db')
      .describe('SQLite file, relative to the policy file.'),
    retention_days: z.number().positive().default(7),
    capture_bodies: z.boolean().default(true),
    redact_patterns: z
      .array(z.string())
      .default([])
      .describe('Extra regular expressions to mask, on top of the built-in PII patterns.'),
    batch_size: positiveInt.default(128),
    flush_interval_ms: durationMs.default(50),
  })
  .strict();

/** Price per token, written per million tokens, per thousand, or one per-thousand for both. */
export const priceSchema = z
  .object({
    input_per_mtok: z.number().nonnegative().optional(),
    output_per_mtok: z.number().nonnegative().optional(),
    input_per_1k: z.number().nonnegative().optional(),
    output_per_1k: z.number().nonnegative().optional(),
    per_1k: z
      .number()
      .nonnegative()
      .optional()
      .describe('One USD price per 1k tokens for both input and output.'),
  })
  .strict()
  .superRefine((price, context) => {
    const input = [price.input_per_mtok, price.input_per_1k].filter((v) => v !== undefined);
    const output = [price.output_per_mtok, price.output_per_1k].filter((v) => v !== undefined);
    if (price.per_1k !== undefined) {
      if (input.length > 0 || output.length > 0) {
        context.addIssue({
          code: 'custom',
          message: 'per_1k sets both prices; do not combine it with input_*/output_* prices',
        });
      }
      return;
    }
    if (input.length !== 1 || output.length !== 1) {
      context.addIssue({
        code: 'custom',
        message:
          'expected one input price and one output price (input_per_mtok/output_per_mtok, input_per_1k/output_per_1k), or per_1k',
      });
    }
  });

/** One concrete model endpoint. */
export const targetSchema = z
  .object({
    provider: z.enum(['sim', 'openai-compatible', 'anthropic']),
    base_url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Up to and including the version segment, e.g. https://api.openai.com/v1.'),
    model: z
      .string()
      .min(1)
      .optional()
      .describe("Upstream model name; defaults to the target's name."),
    api_key_env: envName.optional().describe('Environment variable holding the upstream key.'),
    headers: z.record(z.string(), z.string()).default({}),
    price: priceSchema.optional(),
    context_window: positiveInt.default(128_000),
    sim: z
      .union([
        z.enum(Object.keys(SIM_PRESETS) as [SimPresetName, ...SimPresetName[]]),
        simProfileSchema,
      ])
      .optional()
      .describe(
        'Simulated behaviour: a preset name (small-fast, big-slow) or a profile. Required for provider sim.',
      ),
    breaker: breakerOverrideSchema.optional(),
  })
  .strict();

/** The raw condition, before lists are normalized. */
export interface ConditionInput {
  intent?: string | string[];
  tags?: string | string[];
  tenant?: string | string[];
  min_prompt_tokens?: number;
  max_prompt_tokens?: number;
  metadata?: Record<string, string | number | boolean>;
  has_images?: boolean;
  has_tools?: boolean;
  has_response_format?: boolean;
  min_turns?: number;
  max_turns?: number;
  any?: ConditionInput[];
  all?: ConditionInput[];
}

/**
 * A predicate over a classified request; every field present must hold. Lists mean "any one
 * of". `any`/`all` nest conditions.
 */
export const conditionSchema: z.ZodType<ConditionInput> = z
  .object({
    intent: stringOrList.optional(),
    tags: stringOrList.optional(),
    tenant: stringOrList.optional(),
    min_prompt_tokens: nonNegativeInt.optional().describe('Inclusive.'),
    max_prompt_tokens: nonNegativeInt.optional().describe('Inclusive.'),
    metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    has_images: z.boolean().optional(),
    has_tools: z.boolean().optional(),
    has_response_format: z.boolean().optional(),
    min_turns: nonNegativeInt.optional().describe('Inclusive; counts user messages.'),
    max_turns: nonNegativeInt.optional().describe('Inclusive; counts user messages.'),
    get any() {
      return z.array(conditionSchema).min(1).optional();
    },
    get all() {
      return z.array(conditionSchema).min(1).optional();
    },
  })
  .strict()
  .meta({ id: 'Condition' });

/** Intent from keywords or regular expressions on the last user turn. */
export const intentRuleSchema = z
  .object({
    intent: z.string().min(1),
    keywords: z.array(z.string().min(1)).default([]).describe('Case-insensitive substrings.'),
    patterns: z
      .array(z.string().min(1))
      .default([])
      .describe('Case-insensitive regular expressions (JavaScript syntax).'),
  })
  .strict();

/** A tag added when its condition holds (or its `else` tag when it does not). */
export const tagRuleSchema = z
  .object({
    tag: z.string().min(1),
    when: conditionSchema,
    else: z.string().min(1).optional(),
  })
  .strict();

/** A cheap model asked for the intent. */
export const classifierSchema = z
  .object({
    target: z.string().min(1),
    labels: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Defaults to the intents listed under classification.intents.'),
    timeout_ms: durationMs.default(300),
    cache_size: nonNegativeInt.default(10_000),
  })
  .strict();

/** How requests are labelled before rules run. */
export const classificationSchema = z
  .object({
    default_intent: z.string().min(1).default('general'),
    intent_header: z.string().min(1).default('x-switchyard-intent'),
    intents: z.array(intentRuleSchema).default([]),
    tags: z.array(tagRuleSchema).default([]),
    classifier: classifierSchema.optional(),
  })
  .strict();

/** Conditions → route; the first matching rule wins. */
export const ruleSchema = z
  .object({
    name: z.string().min(1).optional().describe('Defaults to rule-<position>.'),
    when: conditionSchema.default({}).describe('An empty condition matches every request.'),
    route: z.string().min(1),
  })
  .strict();

/** Timeouts of one attempt; any subset, the rest inherited. */
export const timeoutsSchema = z
  .object({
    connect_ms: durationMs.optional(),
    ttft_ms: durationMs
      .optional()
      .describe('Until the first content byte (streaming) or the response (non-streaming).'),
    stream_idle_ms: durationMs.optional().describe('Longest silence between stream chunks.'),
    total_ms: durationMs.optional().describe('Whole attempt.'),
  })
  .strict();

const stepSettings = {
  timeouts: timeoutsSchema.optional(),
  fallback_on: z
    .array(fallbackClassSchema)
    .optional()
    .describe('Error classes that move on to the next target; 429 and 5xx are aliases.'),
  latency_budget_ms: durationMs.optional().describe('Move on when an attempt takes longer.'),
  max_attempts: positiveInt.optional().describe('Attempts on this target, first try included.'),
};

/** One step of a route: a target name, or a target with its own settings. */
export const routeStepSchema = z.union([
  z.string().min(1),
  z.object({ target: z.string().min(1), ...stepSettings }).strict(),
]);

/** Backoff between attempts on the same target. */
export const retrySchema = z
  .object({
    base_delay_ms: nonNegativeInt.default(100),
    max_delay_ms: nonNegativeInt.default(2000),
    retry_after_cap_ms: nonNegativeInt
      .default(5000)
      .describe('Longest Retry-After waited for; longer ones move on instead.'),
  })
  .strict();

/** What to do when a conversation exceeds the chosen target's window. */
export const contextFitSchema = z
  .object({
    strategy: z.enum(['drop_oldest', 'summarize']).default('drop_oldest'),
    keep_last_turns: nonNegativeInt.default(4),
    reserve_output_tokens: nonNegativeInt.default(1024),
    summarizer_target: z.string().min(1).optional(),
  })
  .strict();

/** An ordered chain of targets; route-level settings are defaults for every step. */
export const routeSchema = z
  .object({
    targets: z.array(routeStepSchema).min(1),
    ...stepSettings,
    deadline_ms: durationMs.default(30_000).describe('Whole request, all attempts included.'),
    retry: retrySchema.prefault({}),
    context_fit: contextFitSchema.optional(),
    canary: canarySchema.optional(),
    shadow: shadowSchema.optional(),
    online_checks: onlineChecksSchema.optional(),
    verifier: verifierSchema.optional(),
  })
  .strict();

/** The whole policy file. */
export const policyFileSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1).default(1),
    server: serverSchema.prefault({}),
    log: logSchema.prefault({}),
    breaker: breakerSchema.prefault({}),
    targets: z.record(z.string(), targetSchema),
    classification: classificationSchema.prefault({}),
    rules: z.array(ruleSchema).default([]),
    routes: z
      .record(z.string(), routeSchema)
      .optional()
      .describe('When omitted, every target gets a one-step route of the same name.'),
    default_route: z
      .string()
      .min(1)
      .optional()
      .describe('Route for `model: auto` when no rule matches; defaults to the first route.'),
    traffic: trafficSchema.prefault({}),
    state: stateSchema.prefault({}),
    budgets: z.array(budgetSchema).default([]),
    limits: limitsSchema.prefault({}),
    shedding: sheddingSchema.optional(),
    degradation: degradationSchema.prefault({}),
  })
  .strict();

/** The policy file after schema defaults are applied. */
export type PolicyFile = z.output<typeof policyFileSchema>;
/** The policy file as an author may write it. */
export type PolicyFileInput = z.input<typeof policyFileSchema>;

let fieldNames: string[] | null = null;

/** Every field name the schema knows, for "did you mean" hints on unknown fields. */
export function policyFieldNames(): readonly string[] {
  if (fieldNames) return fieldNames;
  const names = new Set<string>();
  const seen = new Set<unknown>();
  const visit = (schema: z.core.$ZodType | undefined, depth: number): void => {
    if (!schema || seen.has(schema) || depth > 20) return;
    seen.add(schema);
    const def = schema._zod.def as unknown as Record<string, unknown>;
    switch (def.type) {
      case 'object':
        for (const [key, value] of Object.entries(def.shape as Record<string, z.core.$ZodType>)) {
          names.add(key);
          visit(value, depth + 1);
        }
        return;
      case 'optional':
      case 'default':
      case 'prefault':
      case 'nullable':
        visit(def.innerType as z.core.$ZodType, depth + 1);
        return;
      case 'array':
        visit(def.element as z.core.$ZodType, depth + 1);
        return;
      case 'record':
        visit(def.valueType as z.core.$ZodType, depth + 1);
        return;
      case 'union':
        for (const option of def.options as z.core.$ZodType[]) visit(option, depth + 1);
        return;
      case 'pipe':
        visit(def.in as z.core.$ZodType, depth + 1);
        return;
    }
  };
  visit(policyFileSchema, 0);
  fieldNames = [...names];
  return fieldNames;
}
