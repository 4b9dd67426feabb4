/** A deterministic source of random numbers; the same seed gives the same sequence. */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Exponentially distributed with the given mean. */
  exponential(mean: number): number;
  /** Standard normal (mean 0, deviation 1). */
  normal(): number;
  /** Gamma distributed with the given shape (k > 0) and scale (θ > 0); mean kθ. */
  gamma(shape: number, scale: number): number;
}

/**
 * A seeded PRNG (mulberry32, its state first mixed by splitmix32 so that nearby seeds give
 * unrelated streams). 32 bits of state is plenty for schedules of a few million arrivals and keeps
 * the generator a few lines long; it is not for cryptography.
 */
export function createSeededRandom(seed: number): SeededRandom {
  let state = splitmix32(Math.trunc(seed) >>> 0);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
  // 1 - next() is in (0, 1], so the logarithm is always finite.
  const exponential = (mean: number): number => -Math.log(1 - next()) * mean;
  const normal = (): number => {
    const radius = Math.sqrt(-2 * Math.log(1 - next()));
    return radius * Math.cos(2 * Math.PI * next());
  };
  const gamma = (shape: number, scale: number): number => {
    if (shape === 1) return exponential(scale);
    if (shape < 1) {
      // Boosting (Marsaglia & Tsang): Gamma(k) = Gamma(k + 1) · U^(1/k) for k < 1.
      return gamma(shape + 1, scale) * (1 - next()) ** (1 / shape);
    }
    // Marsaglia & Tsang (2000) squeeze method; accepts ~98% of candidates for k ≥ 1, and the
    // bound keeps a pathological stream from looping forever.
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (let attempt = 0; attempt < 1_000; attempt++) {
      const x = normal();
      const base = 1 + c * x;
      if (base <= 0) continue;
      const v = base * base * base;
      const u = 1 - next();
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
        return d * v * scale;
      }
    }
    return shape * scale;
  };
  return { next, exponential, normal, gamma };
}

function splitmix32(seed: number): number {
  let value = (seed + 0x9e3779b9) >>> 0;
  value = Math.imul(value ^ (value >>> 16), 0x85ebca6b) >>> 0;
  value = Math.imul(value ^ (value >>> 13), 0xc2b2ae35) >>> 0;
  return (value ^ (value >>> 16)) >>> 0;
}
