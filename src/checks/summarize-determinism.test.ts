import { describe, expect, it } from 'vitest';
import { summarizeDeterminism } from './summarize-determinism.js';

describe('summarizeDeterminism', () => {
  it('reports pass rate, pass^N and spread over repeats', () => {
    const summary = summarizeDeterminism([
      { passes: [true, true, true], texts: ['same answer', 'same answer', 'same answer'] },
      { passes: [true, false, true], texts: ['alpha', 'beta', 'alpha'] },
    ]);
    expect(summary.repeats).toBe(3);
    expect(summary.passRate).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(summary.passAll).toBeCloseTo(0.5, 12);
    // entry 1: all pairs identical → 0; entry 2: pairs (α,β)=1, (α,α)=0, (β,α)=1 → 2/3
    expect(summary.spread).toBeCloseTo((0 + 2 / 3) / 2, 12);
  });

  it('is 0 spread when every repeat said the same thing', () => {
    expect(summarizeDeterminism([{ passes: [true, true], texts: ['x y', 'y x'] }]).spread).toBe(0);
  });

  it('leaves requests without a verdict or a second answer out of the figures they cannot inform', () => {
    const summary = summarizeDeterminism([
      { passes: [], texts: ['a', 'b'] },
      { passes: [false, false], texts: ['only one'] },
    ]);
    expect(summary.passRate).toBe(0);
    expect(summary.passAll).toBe(0);
    expect(summary.spread).toBe(1);
  });

  it('is all zeros for no data', () => {
    expect(summarizeDeterminism([])).toEqual({ repeats: 0, passRate: 0, passAll: 0, spread: 0 });
  });
});
