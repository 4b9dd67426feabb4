import { describe, expect, it } from 'vitest';
import { lexicalDrift, tokenDistributionShift, tokenF1, wordTokens } from './text-similarity.js';

describe('wordTokens', () => {
  it('lower-cases runs of letters and digits and drops punctuation', () => {
    expect(wordTokens('Hello, World! It costs $3.50 — café.')).toEqual([
      'hello',
      'world',
      'it',
      'costs',
      '3',
      '50',
      'café',
    ]);
  });
});

describe('lexicalDrift', () => {
  it.each([
    ['identical texts', 'The refund was sent.', 'The refund was sent.', 0],
    ['case and punctuation only', 'The refund was sent.', 'the REFUND was sent', 0],
    ['the same words reordered', 'sent was the refund', 'the refund was sent', 0],
    ['no word in common', 'alpha beta', 'gamma delta', 1],
    ['both empty', '', '', 0],
    ['one empty', 'something', '', 1],
  ])('is %s → %d', (_label, a, b, expected) => {
    expect(lexicalDrift(a, b)).toBeCloseTo(expected, 10);
  });

  it('is symmetric and between 0 and 1 for partial overlap', () => {
    const a = 'Your refund of 20 dollars was sent today';
    const b = 'We sent the refund yesterday';
    const drift = lexicalDrift(a, b);
    expect(drift).toBeGreaterThan(0);
    expect(drift).toBeLessThan(1);
    expect(lexicalDrift(b, a)).toBeCloseTo(drift, 12);
  });

  it('grows as answers share fewer words', () => {
    const base = 'one two three four five six';
    expect(lexicalDrift(base, 'one two three four five seven')).toBeLessThan(
      lexicalDrift(base, 'one two three eight nine ten'),
    );
  });
});

describe('tokenF1', () => {
  it('counts repeated tokens only as often as they occur on both sides', () => {
    // common = 1 ("a"), precision 1/3, recall 1/1
    expect(tokenF1(['a'], ['a', 'a', 'a'])).toBeCloseTo(0.5, 10);
  });
});

describe('tokenDistributionShift', () => {
  it('is 0 for the same distribution, even across different texts', () => {
    expect(tokenDistributionShift(['a b', 'c'], ['c b a'])).toBeCloseTo(0, 12);
  });

  it('is 1 for disjoint vocabularies', () => {
    expect(tokenDistributionShift(['alpha beta'], ['gamma delta'])).toBeCloseTo(1, 12);
  });

  it('is symmetric', () => {
    const a = ['the refund was sent', 'please wait two days'];
    const b = ['we sent your refund', 'wait a day please', 'thanks'];
    expect(tokenDistributionShift(a, b)).toBeCloseTo(tokenDistributionShift(b, a), 12);
  });

  it('matches a hand-computed Jensen–Shannon divergence', () => {
    // P = {a: 1/2, b: 1/2}, Q = {a: 1}; M = {a: 3/4, b: 1/4}
    const expected =
      0.5 * (0.5 * Math.log2(0.5 / 0.75) + 0.5 * Math.log2(0.5 / 0.25)) +
      0.5 * (1 * Math.log2(1 / 0.75));
    expect(tokenDistributionShift(['a b'], ['a'])).toBeCloseTo(expected, 12);
  });

  it('handles empty sides: both empty is 0, one empty is 1', () => {
    expect(tokenDistributionShift([], [''])).toBe(0);
    expect(tokenDistributionShift(['words'], [])).toBe(1);
  });
});
