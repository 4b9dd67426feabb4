import { z } from 'zod';

/**
 * Policy sections for safe rollout and protection: canary, shadow and online checks per route;
 * kill-switch, shared state, budgets, limits, load shedding and degradation for the gateway.
 * Durations a person sets by hand are in seconds (`_s`); queue waits are in ms.
 */

const positiveInt = z.number().int().positive();
const seconds = z.number().positive();
const percentage = z.number().min(0).max(100);
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');

/** A judge target grading a sample of both canary arms' answers; its grades feed quality gates. */
export const canaryJudgeSchema = z
  .object({
    target: z.string().min(1).describe('The target that grades answers (called at temperature 0).'),
    sample_rate: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe('Share of served answers graded, on both arms.'),
    rubric: z
      .string()
      .min(1)
      .optional()
      .describe('What a good answer is; defaults to a general correctness rubric.'),
    timeout_s: seconds.default(5).describe('Per grading call; a timeout records no grade.'),
    max_concurrent: positiveInt
      .default(4)
      .describe('Grading calls in flight per route; beyond, sampled answers are dropped.'),
  })
  .strict();

/** A share of a route's traffic sent to a candidate, promoted or rolled back by gates. */
export const canarySchema = z
  .object({
    target: z.string().min(1),
    percentage: percentage
      .optional()
      .describe("The seed's single share; alone it means steps: [percentage]."),
    steps: z
      .array(z.number().gt(0).max(100))
      .min(1)
      .optional()
      .describe('Strictly increasing, e.g. [5, 25, 50, 100].'),
    interval_s: seconds
      .optional()
      .describe('Time at a step, with every evaluation passing, before the next.'),
    min_samples: positiveInt.optional().describe('Samples each arm needs before any verdict.'),
    window_s: seconds.optional().describe('Rolling window the gates judge.'),
    gates: z
      .array(z.string().min(1))
      .default([])
      .describe('e.g. "p95_latency_ms <= baseline * 1.2".'),
    criteria: z
      .array(z.string().min(1))
      .default([])
      .describe('The seed\'s name for gates, e.g. "latency<300", "accuracy_delta>0.02".'),
    webhook_url: z.url().optional().describe('Promotions and rollbacks are POSTed here.'),
    judge: canaryJudgeSchema
      .optional()
      .describe('Grade a sample of both arms with a judge target for the quality gates.'),
  })
  .strict()
  .refine((canary) => canary.percentage !== undefined || canary.steps !== undefined, {
    message: 'a canary needs percentage or steps',
  });

/** Mirror a share of a route's requests to a candidate; its answers are recorded, never returned. */
export const shadowSchema = z
  .object({
    target: z.string().min(1),
    percentage: percentage,
    max_concurrent: positiveInt.default(8).describe('Mirrored calls in flight at once.'),
    max_queue: z
      .number()
      .int()
      .nonnegative()
      .default(64)
      .describe('Mirrors waiting; beyond, they are dropped.'),
    timeout_s: seconds.default(60),
  })
  .strict();

/** Cheap checks on a sample of live answers; their pass rates feed metrics and canary gates. */
export const onlineChecksSchema = z
  .object({
    sample_rate: z.number().min(0).max(1).default(1),
    schema: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('JSON Schema the answer must satisfy.'),
    deny_patterns: z.array(z.string().min(1)).default([]).describe('Regexes that must not match.'),
    min_length: z.number().int().nonnegative().optional(),
    max_length: positiveInt.optional(),
    refusal_patterns: z
      .array(z.string().min(1))
      .optional()
      .describe('Defaults to a built-in list.'),
  })
  .strict();

/** Where the kill-switch sends traffic. */
export const trafficSchema = z
  .object({
    safe_route: z
      .string()
      .min(1)
      .optional()
      .describe('Route every request takes while the kill-switch is on.'),
  })
  .strict();

/** Where shared state lives: memory (one process) or Redis (a fleet). */
export const stateSchema = z
  .object({
    kind: z.enum(['memory', 'redis']).default('memory'),
    url_env: envName
      .default('SWITCHYARD_REDIS_URL')
      .describe('Variable holding redis://host:port.'),
    key_prefix: z.string().default('switchyard:'),
  })
  .strict();

/** A spend limit. */
export const budgetSchema = z
  .object({
    scope: z.enum(['target', 'route', 'tenant']),
    name: z
      .string()
      .min(1)
      .describe("A target, route or tenant name; '*' = each tenant separately."),
    limit_usd: z.number().positive(),
    window_s: seconds,
    on_exceeded: z.enum(['downgrade', 'reject']).default('reject'),
    downgrade_route: z.string().min(1).optional(),
  })
  .strict();

/** Request-rate and concurrency limits. */
export const limitsSchema = z
  .object({
    rate: z
      .array(
        z
          .object({
            scope: z.enum(['target', 'tenant']),
            name: z.string().min(1),
            requests: positiveInt,
            window_s: seconds,
          })
          .strict(),
      )
      .default([]),
    concurrency: z
      .array(
        z
          .object({
            scope: z.enum(['target', 'tenant']),
            name: z.string().min(1),
            max_concurrent: positiveInt,
          })
          .strict(),
      )
      .default([]),
    hold_ttl_s: seconds.default(300).describe('A concurrency slot not released by then is freed.'),
  })
  .strict();

/** Load shedding for this process. */
export const sheddingSchema = z
  .object({
    max_concurrent: positiveInt,
    max_queue: z.number().int().nonnegative(),
    max_wait_ms: positiveInt.default(1000),
  })
  .strict();

/** What to answer when every target failed or a request was shed. */
export const degradationSchema = z
  .object({
    cache: z
      .object({ ttl_s: seconds.default(300), max_entries: positiveInt.default(10_000) })
      .strict()
      .optional(),
    static_message: z.string().min(1).optional(),
  })
  .strict();

/** A cheap check of an answer before it is returned; a failed check retries or falls back. */
export const verifierSchema = z
  .object({
    kind: z.enum(['schema', 'grounding']),
    schema: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('For kind schema: the JSON Schema the answer must satisfy.'),
    target: z
      .string()
      .min(1)
      .optional()
      .describe('For kind grounding: the target that judges support.'),
    on_fail: z
      .enum(['retry', 'fallback'])
      .default('fallback')
      .describe('Ask the same chain again, or move past the target.'),
    max_tries: positiveInt.default(1).describe('Extra answers sought after a failed check.'),
  })
  .strict();
