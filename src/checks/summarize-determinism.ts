import type { DeterminismSummary } from '../eval/run-report.js';
import { lexicalDrift } from './text-similarity.js';

/**
 * Repeat stability over a run. Each element is one request: whether each repeat passed all its
 * checks, and the answer text of each successful repeat.
 *
 * - `repeats`: the most repeats any request had.
 * - `passRate`: mean per-request share of passing repeats, over requests with a verdict.
 * - `passAll`: share of those requests whose every repeat passed (pass^N).
 * - `spread`: mean pairwise lexical drift between repeats of the same request, over requests
 *   with two or more answers (0 = every repeat said the same words).
 *
 * Requests with no verdict (no check ran) or fewer than two answers do not count toward the
 * figure they cannot inform; a figure with no data at all is 0.
 */
export function summarizeDeterminism(
  perEntry: ReadonlyArray<{ passes: readonly boolean[]; texts: readonly string[] }>,
): DeterminismSummary {
  let repeats = 0;
  let judged = 0;
  let passRateSum = 0;
  let passedAll = 0;
  let spreadEntries = 0;
  let spreadSum = 0;
  for (const entry of perEntry) {
    repeats = Math.max(repeats, entry.passes.length, entry.texts.length);
    if (entry.passes.length > 0) {
      let passed = 0;
      for (const pass of entry.passes) if (pass) passed += 1;
      judged += 1;
      passRateSum += passed / entry.passes.length;
      if (passed === entry.passes.length) passedAll += 1;
    }
    if (entry.texts.length >= 2) {
      spreadEntries += 1;
      spreadSum += meanPairwiseDrift(entry.texts);
    }
  }
  return {
    repeats,
    passRate: judged === 0 ? 0 : passRateSum / judged,
    passAll: judged === 0 ? 0 : passedAll / judged,
    spread: spreadEntries === 0 ? 0 : spreadSum / spreadEntries,
  };
}

function meanPairwiseDrift(texts: readonly string[]): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      sum += lexicalDrift(texts[i] ?? '', texts[j] ?? '');
      pairs += 1;
    }
  }
  return pairs === 0 ? 0 : sum / pairs;
}
