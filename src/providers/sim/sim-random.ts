/** A uniform random source in [0, 1). */
export type Random = () => number;

/** A fast seeded generator (mulberry32): same seed, same sequence, on every platform. */
export function createRandom(seed: number): Random {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over a string's UTF-16 code units, continuing from `seed`. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Mix two 32-bit values into one well-spread 32-bit value (murmur3 finalizer). */
export function mixHash(a: number, b: number): number {
  let hash = (a ^ Math.imul(b, 0x9e3779b1)) >>> 0;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** z-score of the 95th percentile of a standard normal. */
const Z95 = 1.6448536269514722;
/** Samples are capped at this z-score (the 99.98th percentile) so no wait is unbounded. */
const Z_CAP = 3.5;

/**
 * A sampler whose median and 95th percentile match `p50` and `p95`.
 *
 * The fit: latency-like quantities are right-skewed and positive, so we model X = exp(μ + σZ)
 * with Z standard normal (a log-normal). Its median is exp(μ), so μ = ln(p50); its 95th
 * percentile is exp(μ + 1.6449σ), so σ = ln(p95 / p50) / 1.6449. Two quantiles pin both
 * parameters exactly. It is "log-normal-ish" because Z is clamped to ±3.5 (a p95 of 5× the
 * median caps at ~30× the median) and because degenerate inputs are handled: p95 = p50 gives a
 * constant, and p50 = 0 (which no log-normal has) is lifted to p95/1000.
 */
export function createLogNormalSampler(quantiles: {
  p50: number;
  p95: number;
}): (random: Random) => number {
  const { p95 } = quantiles;
  if (p95 <= 0) return () => 0;
  const p50 = Math.max(quantiles.p50, p95 / 1000);
  const mu = Math.log(p50);
  const sigma = Math.log(p95 / p50) / Z95;
  if (sigma === 0) return () => p50;
  return (random) => {
    // Box-Muller; 1 - u keeps the logarithm's argument in (0, 1].
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.exp(mu + sigma * Math.min(Z_CAP, Math.max(-Z_CAP, z)));
  };
}
