import type { WorkspaceTarget } from '../../gateway/workspace-api/workspace-api-types.js';
import type { AnswerState } from './answer-stream.js';

/**
 * The cost of one answer in USD: its usage priced at the answering target's per-million-token
 * prices. Null until usage arrives, or when the answering target is unknown (a route name
 * cannot be priced; only the target that actually answered can).
 */
export function answerCost(
  answer: Pick<AnswerState, 'usage' | 'target'>,
  targets: readonly WorkspaceTarget[],
): number | null {
  if (answer.usage === null || answer.target === null) return null;
  const target = targets.find((candidate) => candidate.name === answer.target);
  if (target === undefined) return null;
  return (
    (answer.usage.promptTokens * target.inputPricePerMillion +
      answer.usage.completionTokens * target.outputPricePerMillion) /
    1_000_000
  );
}

/** Whether an answer must carry the "simulated" label: by header or by its target's flag. */
export function isSimulatedAnswer(
  answer: Pick<AnswerState, 'simulated' | 'target'>,
  targets: readonly WorkspaceTarget[],
): boolean {
  if (answer.simulated) return true;
  return targets.some((target) => target.name === answer.target && target.simulated);
}
