import { describe, expect, it } from 'vitest';
import { paretoFront } from './pareto-front.js';

describe('paretoFront', () => {
  it('keeps only candidates that no other is both cheaper and better than, cheapest first', () => {
    const front = paretoFront([
      { name: 'big', cost: 0.0012, quality: 0.91 },
      { name: 'small', cost: 0.0004, quality: 0.89 },
      { name: 'mid', cost: 0.0009, quality: 0.93 },
      { name: 'worse-mid', cost: 0.001, quality: 0.9 },
    ]);
    expect(front.map((point) => point.name)).toEqual(['small', 'mid']);
  });

  it('drops a candidate as costly as another but worse, and keeps exact ties', () => {
    const front = paretoFront([
      { name: 'a', cost: 1, quality: 0.9 },
      { name: 'b', cost: 1, quality: 0.8 },
      { name: 'c', cost: 1, quality: 0.9 },
    ]);
    expect(front.map((point) => point.name).sort()).toEqual(['a', 'c']);
  });

  it('returns the single candidate and nothing for none', () => {
    expect(paretoFront([{ name: 'only', cost: 2, quality: 0.5 }]).map((p) => p.name)).toEqual([
      'only',
    ]);
    expect(paretoFront([])).toEqual([]);
  });
});
