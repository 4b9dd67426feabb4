import { stringify } from 'yaml';
import { z } from 'zod';
import type { SimPresetName } from '../../providers/sim/sim-profiles.js';
import { describeZodIssues } from './describe-zod-issues.js';
import { formatFieldPath } from './locate-yaml-path.js';
import { PolicyError } from './policy-error.js';
import type { PolicyFileInput } from './policy-schema.js';

/**
 * The seeds' own policy formats: `routing:` (default model, fallbacks by label, a latency
 * threshold, a retry policy) and `route:` (default model plus a canary). Both share one shape.
 */
const seedRouteSchema = z
  .object({
    default_model: z.string().min(1),
    fallbacks: z
      .array(
        z
          .object({
            model: z.string().min(1),
            when: z.array(z.string().min(1)).default([]),
          })
          .strict(),
      )
      .default([]),
    thresholds: z.record(z.string(), z.unknown()).default({}),
    cost_threshold_ms: z.number().positive().optional(),
    retry_policy: z.string().min(1).optional(),
    canary: z
      .object({
        model: z.string().min(1),
        percentage: z.number().min(0).max(100),
        criteria: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A seed-format policy file: exactly one of `routing:` or `route:`. */
export const seedPolicySchema = z
  .object({ routing: seedRouteSchema.optional(), route: seedRouteSchema.optional() })
  .strict()
  .superRefine((file, context) => {
    if ((file.routing === undefined) === (file.route === undefined)) {
      context.addIssue({ code: 'custom', message: 'expected exactly one of routing or route' });
    }
  });

/** Whether a parsed file is in a seed format rather than the native one. */
export function isSeedPolicy(input: unknown): boolean {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return false;
  return !('targets' in input) && ('routing' in input || 'route' in input);
}

/** Labels that describe prompt length rather than what the request is about. */
const LENGTH_LABEL = /long|context|tokens|length/i;

/** The seed tagger's threshold: a prompt over 1024 tokens is heavy. */
const LONG_PROMPT_MIN_TOKENS = 1025;

/*
 * Sim stand-ins come from the built-in presets, so a converted file stays short and follows the
 * seeds' story: names that say big/xl/large play the slow model (SIM_PRESETS['big-slow']),
 * others the fast one (SIM_PRESETS['small-fast']).
 */
const FAST_SIM = 'small-fast' satisfies SimPresetName;
const SLOW_SIM = 'big-slow' satisfies SimPresetName;
const SLOW_NAME = /big|xl|large/i;

/** Prices for the sim stand-ins, after seed 001: $0.30 vs $1.20 per 1k tokens. */
const FAST_PRICE = { per_1k: 0.3 };
const SLOW_PRICE = { per_1k: 1.2 };

/**
 * Convert a seed-format policy (already parsed from YAML or JSON) into a native policy file.
 * Every model named becomes a sim target. Throws PolicyError (without line numbers; the loader
 * re-validates with positions) when the input is not a seed policy.
 */
export function convertSeedPolicy(input: unknown): { yaml: string; notes: string[] } {
  const parsed = seedPolicySchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    throw new PolicyError(
      describeZodIssues(parsed.error.issues).map((issue) => ({
        file: '<seed>',
        line: 0,
        column: 0,
        field: formatFieldPath(issue.path),
        message: issue.message,
      })),
    );
  }
  const key = parsed.data.routing ? 'routing' : 'route';
  const seed = parsed.data.routing ?? parsed.data.route;
  if (!seed) throw new Error('unreachable: seedPolicySchema guarantees routing or route');
  const notes: string[] = [];

  const models = [seed.default_model, ...seed.fallbacks.map((fallback) => fallback.model)];
  if (seed.canary) models.push(seed.canary.model);
  const targets: NonNullable<PolicyFileInput['targets']> = {};
  for (const model of new Set(models)) {
    const slow = SLOW_NAME.test(model);
    targets[model] = {
      provider: 'sim',
      price: slow ? SLOW_PRICE : FAST_PRICE,
      sim: slow ? SLOW_SIM : FAST_SIM,
    };
  }
  notes.push(
    `targets ${[...new Set(models)].join(', ')} are simulated (provider: sim); point them at real endpoints to serve traffic`,
  );

  const intents: string[] = [];
  const tags: NonNullable<NonNullable<PolicyFileInput['classification']>['tags']> = [];
  const rules: NonNullable<PolicyFileInput['rules']> = [];
  const routes: NonNullable<PolicyFileInput['routes']> = {};
  for (const [index, fallback] of seed.fallbacks.entries()) {
    if (fallback.when.length === 0) {
      notes.push(
        `${key}.fallbacks[${index}] has no when labels; ${fallback.model} is only a failover target`,
      );
      continue;
    }
    const intentLabels = fallback.when.filter((label) => !LENGTH_LABEL.test(label));
    const tagLabels = fallback.when.filter((label) => LENGTH_LABEL.test(label));
    for (const label of intentLabels) if (!intents.includes(label)) intents.push(label);
    for (const label of tagLabels) {
      if (tags.some((rule) => rule.tag === label)) continue;
      tags.push({ tag: label, when: { min_prompt_tokens: LONG_PROMPT_MIN_TOKENS } });
      notes.push(
        `tag ${label} is set when the prompt is over ${LONG_PROMPT_MIN_TOKENS - 1} tokens`,
      );
    }
    const conditions = [
      ...(intentLabels.length > 0 ? [{ intent: intentLabels }] : []),
      ...(tagLabels.length > 0 ? [{ tags: tagLabels }] : []),
    ];
    rules.push({
      name: `${fallback.when.join('-or-')}-to-${fallback.model}`.replace(/[^A-Za-z0-9._-]+/g, '-'),
      when: conditions.length === 1 ? conditions[0] : { any: conditions },
      route: fallback.model,
    });
    if (!routes[fallback.model]) routes[fallback.model] = { targets: [fallback.model] };
  }
  if (intents.length > 0) {
    notes.push(
      `intents ${intents.join(', ')} come from metadata.intent, the x-switchyard-intent header, or a classifier; add keywords or patterns to detect them from text`,
    );
  }

  const fallbackModels = [...new Set(seed.fallbacks.map((fallback) => fallback.model))].filter(
    (model) => model !== seed.default_model,
  );
  const firstStep: Exclude<
    NonNullable<PolicyFileInput['routes']>[string]['targets'][number],
    string
  > = {
    target: seed.default_model,
  };
  if (seed.cost_threshold_ms !== undefined) {
    if (fallbackModels.length > 0) {
      firstStep.latency_budget_ms = seed.cost_threshold_ms;
      notes.push(
        `cost_threshold_ms ${seed.cost_threshold_ms} became a latency budget: a ${seed.default_model} attempt slower than that moves on to ${fallbackModels[0]}`,
      );
    } else {
      notes.push('cost_threshold_ms was dropped: there is no fallback model to move on to');
    }
  }
  const defaultRoute: NonNullable<PolicyFileInput['routes']>[string] = {
    targets: [
      firstStep.latency_budget_ms === undefined ? seed.default_model : firstStep,
      ...fallbackModels,
    ],
  };
  if (seed.retry_policy !== undefined) applyRetryPolicy(seed.retry_policy, defaultRoute, notes);
  if (seed.canary) {
    defaultRoute.canary = {
      target: seed.canary.model,
      percentage: seed.canary.percentage,
      criteria: seed.canary.criteria,
    };
  }
  for (const name of Object.keys(seed.thresholds)) {
    notes.push(
      `${key}.thresholds.${name} has no native equivalent and was dropped; see docs/policy.md`,
    );
  }

  const routeName = routes.default ? 'default-route' : 'default';
  const file: PolicyFileInput = {
    version: 1,
    targets,
    ...(intents.length > 0 || tags.length > 0
      ? { classification: { intents: intents.map((intent) => ({ intent })), tags } }
      : {}),
    ...(rules.length > 0 ? { rules } : {}),
    routes: { [routeName]: defaultRoute, ...routes },
    default_route: routeName,
  };
  const header = [
    'Converted from a seed-format policy by `switchyard policy convert`.',
    ...notes.map((note) => `- ${note}`),
  ]
    .map((line) => `# ${line}`)
    .join('\n');
  return { yaml: `${header}\n${stringify(file, { lineWidth: 100 })}`, notes };
}

function applyRetryPolicy(
  policy: string,
  route: NonNullable<PolicyFileInput['routes']>[string],
  notes: string[],
): void {
  switch (policy) {
    case 'exponential_backoff':
      route.max_attempts = 2;
      route.retry = { base_delay_ms: 100, max_delay_ms: 2000, retry_after_cap_ms: 5000 };
      notes.push(
        'retry_policy exponential_backoff became 2 attempts per target, backoff 100 ms doubling to 2 s',
      );
      return;
    case 'none':
    case 'no_retry':
      route.max_attempts = 1;
      notes.push(`retry_policy ${policy} became 1 attempt per target`);
      return;
    default:
      notes.push(
        `retry_policy ${policy} is not known; the default retry (2 attempts, exponential backoff) applies`,
      );
  }
}
