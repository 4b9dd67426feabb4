import type { Condition } from '../policy/policy-types.js';
import type { Classification } from './classify-request.js';

/** The parts of a classification a condition can look at. */
export type ConditionSubject = Pick<
  Classification,
  'intent' | 'promptTokens' | 'tags' | 'tenant' | 'metadata' | 'features'
>;

/**
 * Whether a classified request satisfies a condition. Every field present must hold; a list
 * holds when the request has any one of its values; an empty condition holds for every request.
 */
export function evaluateCondition(
  condition: Condition,
  subject: ConditionSubject,
  depth = 0,
): boolean {
  // Policies nest a few levels at most; the bound only guards against a pathological file.
  if (depth > 32) return false;
  if (condition.intent && !condition.intent.includes(subject.intent)) return false;
  if (condition.tags && !condition.tags.some((tag) => subject.tags.includes(tag))) return false;
  if (condition.tenant && (subject.tenant === null || !condition.tenant.includes(subject.tenant)))
    return false;
  if (condition.minPromptTokens !== undefined && subject.promptTokens < condition.minPromptTokens)
    return false;
  if (condition.maxPromptTokens !== undefined && subject.promptTokens > condition.maxPromptTokens)
    return false;
  if (condition.metadata) {
    for (const [key, value] of Object.entries(condition.metadata)) {
      if (subject.metadata[key] !== value) return false;
    }
  }
  if (condition.hasImages !== undefined && subject.features.hasImages !== condition.hasImages)
    return false;
  if (condition.hasTools !== undefined && subject.features.hasTools !== condition.hasTools)
    return false;
  if (
    condition.hasResponseFormat !== undefined &&
    subject.features.hasResponseFormat !== condition.hasResponseFormat
  ) {
    return false;
  }
  if (condition.minTurns !== undefined && subject.features.turns < condition.minTurns) return false;
  if (condition.maxTurns !== undefined && subject.features.turns > condition.maxTurns) return false;
  if (condition.any && !condition.any.some((inner) => evaluateCondition(inner, subject, depth + 1)))
    return false;
  if (
    condition.all &&
    !condition.all.every((inner) => evaluateCondition(inner, subject, depth + 1))
  )
    return false;
  return true;
}
