/** A target's prices, in USD per token. */
export interface TokenPrices {
  inputPricePerToken: number;
  outputPricePerToken: number;
}

/**
 * The USD cost of one completion. Negative or non-finite counts and prices count as 0, so a bad
 * usage report can never make cost negative. Rounded to 1e-12 USD to drop float noise
 * (0.1 + 0.2) from logs and reports.
 */
export function computeCostUsd(tokensIn: number, tokensOut: number, target: TokenPrices): number {
  const cost =
    nonNegative(tokensIn) * nonNegative(target.inputPricePerToken) +
    nonNegative(tokensOut) * nonNegative(target.outputPricePerToken);
  return Math.round(cost * 1e12) / 1e12;
}

function nonNegative(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}
