import type { Condition, Policy } from '../policy/policy-types.js';

/*
 * The gateway counts a prompt's tokens exactly only when a decision depends on the number. Every
 * decision compares the count with a number from the policy: a rule's or tag's
 * min_prompt_tokens/max_prompt_tokens, or a target's context window. Below the smallest of them,
 * a prompt's upper bound (token-counter.ts) decides each comparison exactly as its count would:
 * both are under every min, within every max and within every window. Counting can then wait
 * until accounting needs the number, and is skipped when the upstream reports usage.
 */

const thresholds = new WeakMap<Policy, number>();

/**
 * The smallest token count any routing decision of `policy` compares against; Infinity when
 * nothing does. Computed once per policy object (a reload builds a new one).
 */
export function smallestTokenThreshold(policy: Policy): number {
  let smallest = thresholds.get(policy);
  if (smallest === undefined) {
    smallest = Number.POSITIVE_INFINITY;
    for (const rule of policy.classification.tagRules) {
      smallest = Math.min(smallest, conditionThreshold(rule.when, 0));
    }
    for (const rule of policy.rules)
      smallest = Math.min(smallest, conditionThreshold(rule.when, 0));
    for (const target of policy.targets.values())
      smallest = Math.min(smallest, target.contextWindow);
    thresholds.set(policy, smallest);
  }
  return smallest;
}

/** The smallest prompt-token bound in a condition and the conditions nested in it. */
function conditionThreshold(condition: Condition, depth: number): number {
  // evaluateCondition stops at the same depth.
  if (depth > 32) return Number.POSITIVE_INFINITY;
  let smallest = Math.min(
    condition.minPromptTokens ?? Number.POSITIVE_INFINITY,
    condition.maxPromptTokens ?? Number.POSITIVE_INFINITY,
  );
  for (const inner of condition.any ?? []) {
    smallest = Math.min(smallest, conditionThreshold(inner, depth + 1));
  }
  for (const inner of condition.all ?? []) {
    smallest = Math.min(smallest, conditionThreshold(inner, depth + 1));
  }
  return smallest;
}
