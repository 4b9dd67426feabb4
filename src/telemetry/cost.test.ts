import { describe, expect, it } from 'vitest';
import { computeCostUsd } from './cost.js';

describe('computeCostUsd', () => {
  const prices = { inputPricePerToken: 0.15 / 1e6, outputPricePerToken: 0.6 / 1e6 };

  it.each([
    ['prices input and output tokens separately', 1_000, 500, 0.00045],
    ['is zero for no tokens', 0, 0, 0],
    ['prices a million input tokens at the per-million rate', 1_000_000, 0, 0.15],
    ['treats negative counts as zero', -50, 1_000, 0.0006],
    ['treats non-finite counts as zero', Number.NaN, Number.POSITIVE_INFINITY, 0],
  ])('%s', (_name, tokensIn, tokensOut, expected) => {
    expect(computeCostUsd(tokensIn, tokensOut, prices)).toBe(expected);
  });

  it('drops float noise', () => {
    expect(computeCostUsd(1, 2, { inputPricePerToken: 0.1, outputPricePerToken: 0.1 })).toBe(0.3);
  });

  it('treats a negative price as zero', () => {
    expect(computeCostUsd(10, 10, { inputPricePerToken: -1, outputPricePerToken: 0.5 })).toBe(5);
  });
});
