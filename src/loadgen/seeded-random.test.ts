import { describe, expect, it } from 'vitest';
import { createSeededRandom } from './seeded-random.js';

function draw(seed: number, count: number): number[] {
  const random = createSeededRandom(seed);
  return Array.from({ length: count }, () => random.next());
}

function meanAndCv(values: number[]): { mean: number; cv: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
  return { mean, cv: Math.sqrt(variance) / mean };
}

describe('createSeededRandom', () => {
  it('gives the same sequence for the same seed', () => {
    expect(draw(42, 100)).toEqual(draw(42, 100));
  });

  it('gives unrelated sequences for neighbouring seeds', () => {
    const first = draw(1, 100);
    const second = draw(2, 100);
    expect(first.filter((value, index) => value === second[index])).toHaveLength(0);
  });

  it('draws uniformly from [0, 1)', () => {
    const values = draw(7, 100_000);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const deciles = new Array<number>(10).fill(0);
    for (const value of values)
      deciles[Math.floor(value * 10)] = (deciles[Math.floor(value * 10)] ?? 0) + 1;
    for (const count of deciles) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it.each([
    { shape: 0.25, expectedCv: 2 },
    { shape: 1, expectedCv: 1 },
    { shape: 4, expectedCv: 0.5 },
  ])('draws gamma(shape $shape) with mean kθ and CV 1/√k', ({ shape, expectedCv }) => {
    const random = createSeededRandom(11);
    const values = Array.from({ length: 200_000 }, () => random.gamma(shape, 3 / shape));
    const { mean, cv } = meanAndCv(values);
    expect(mean).toBeGreaterThan(3 * 0.97);
    expect(mean).toBeLessThan(3 * 1.03);
    expect(cv).toBeGreaterThan(expectedCv * 0.95);
    expect(cv).toBeLessThan(expectedCv * 1.05);
  });
});
