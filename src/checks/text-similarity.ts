/*
 * Lexical measures shared by the reference check, per-request drift, determinism spread and the
 * run-wide token shift. They work on word tokens (runs of Unicode letters and digits, lower-cased)
 * so punctuation, spacing and case never count as a change. Every function here is linear in the
 * text length: a 100,000-request replay runs them once per response.
 */

const WORD = /[\p{L}\p{N}]+/gu;

/** Lower-cased runs of letters and digits, in order. */
export function wordTokens(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** Occurrences of each token. */
export function countTokens(tokens: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
  return counts;
}

/**
 * Token-level F1 (the SQuAD answer metric): the harmonic mean of precision and recall over the
 * multiset of word tokens. 1 for the same words in any order, 0 for no word in common; two empty
 * texts count as identical.
 */
export function tokenF1(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  const counts = countTokens(a);
  let common = 0;
  for (const token of b) {
    const left = counts.get(token) ?? 0;
    if (left > 0) {
      common += 1;
      counts.set(token, left - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / b.length;
  const recall = common / a.length;
  return (2 * precision * recall) / (precision + recall);
}

/**
 * How far apart two answers are: 1 − token F1 over word tokens. 0 when both have the same words
 * (case, punctuation and order aside), 1 when they share none. Symmetric.
 */
export function lexicalDrift(a: string, b: string): number {
  if (a === b) return 0;
  return 1 - tokenF1(wordTokens(a), wordTokens(b));
}

/**
 * Jensen–Shannon divergence (base 2, so 0..1) between the word-token frequency distributions of
 * two sets of texts: how differently two candidates use words across a whole run. 0 for the same
 * distribution, 1 for no word in common. Both empty is 0; one empty is 1.
 */
export function tokenDistributionShift(a: readonly string[], b: readonly string[]): number {
  const countsA = new Map<string, number>();
  const countsB = new Map<string, number>();
  const totalA = addTexts(countsA, a);
  const totalB = addTexts(countsB, b);
  if (totalA === 0 && totalB === 0) return 0;
  if (totalA === 0 || totalB === 0) return 1;
  let divergence = 0;
  for (const [token, countA] of countsA) {
    const p = countA / totalA;
    const q = (countsB.get(token) ?? 0) / totalB;
    const m = (p + q) / 2;
    divergence += 0.5 * p * Math.log2(p / m);
    if (q > 0) divergence += 0.5 * q * Math.log2(q / m);
  }
  for (const [token, countB] of countsB) {
    if (countsA.has(token)) continue;
    // p = 0 here, so m = q / 2 and the term is q/2 · log2(2).
    divergence += 0.5 * (countB / totalB);
  }
  return Math.min(1, Math.max(0, divergence));
}

function addTexts(counts: Map<string, number>, texts: readonly string[]): number {
  let total = 0;
  for (const text of texts) {
    for (const token of wordTokens(text)) {
      counts.set(token, (counts.get(token) ?? 0) + 1);
      total += 1;
    }
  }
  return total;
}
