import type { SharedState } from './shared-state.js';
import { SharedStateError } from './shared-state-error.js';

/** What a numeric argument must be. */
export type ArgumentRule = 'finite' | 'positive' | 'count' | 'non-negative-count';

const RULES: Record<ArgumentRule, { test: (value: number) => boolean; wording: string }> = {
  finite: { test: Number.isFinite, wording: 'a finite number' },
  positive: { test: (value) => Number.isFinite(value) && value > 0, wording: 'a positive number' },
  count: { test: (value) => Number.isSafeInteger(value) && value >= 1, wording: 'an integer ≥ 1' },
  'non-negative-count': {
    test: (value) => Number.isSafeInteger(value) && value >= 0,
    wording: 'an integer ≥ 0',
  },
};

/**
 * Check a numeric argument the same way in every store, so a bad window or limit fails alike in
 * memory and in Redis (where it would otherwise surface as an obscure server error, or not at all).
 */
export function checkArgument(
  kind: SharedState['kind'],
  operation: string,
  name: string,
  value: number,
  rule: ArgumentRule,
): void {
  const { test, wording } = RULES[rule];
  if (!test(value)) {
    throw new SharedStateError(
      kind,
      operation,
      `${operation}: ${name} must be ${wording}, got ${value}`,
    );
  }
}
