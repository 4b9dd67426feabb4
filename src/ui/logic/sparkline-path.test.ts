import { describe, expect, it } from 'vitest';
import { sparklinePath } from './sparkline-path.js';

describe('sparkline path', () => {
  it('scales to the series peak, oldest point on the left', () => {
    const { path, peak } = sparklinePath([0, 5, 10], 100, 22);
    expect(peak).toBe(10);
    expect(path).toBe('M0,21L50,11L100,1');
  });

  it('draws an idle series on the baseline and nothing for an empty one', () => {
    expect(sparklinePath([0, 0], 10, 10).path).toBe('M0,9L10,9');
    expect(sparklinePath([], 10, 10)).toEqual({ path: '', peak: 0 });
    expect(sparklinePath([Number.NaN, 2], 10, 10).path).toBe('M0,9L10,1');
  });
});
