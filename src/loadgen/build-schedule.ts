import type { OpenLoopModel } from './load-model.js';
import { createSeededRandom } from './seeded-random.js';

/** The open-loop models: those with arrival times fixed in advance. */
export type ScheduledModel = Exclude<OpenLoopModel, { kind: 'concurrency' }>;

/** Arrival times of an open-loop run. */
export interface LoadSchedule {
  /** Intended send time of item i, in ms from the run start; the earliest is 0. */
  intendedAt: Float64Array;
  /** Item indices by intended send time (ties in array order): the dispatch order. */
  order: Uint32Array;
  /** Arrivals per second the schedule offers: (n − 1) / span; null for fewer than two or no span. */
  intendedRps: number | null;
}

/** The gap used between replayed entries when the trace has fewer than two timestamps: 1 req/s. */
export const REPLAY_FALLBACK_GAP_MS = 1_000;

/**
 * Compute every intended send time before the run starts, so nothing the server does can move
 * them.
 *
 * - `replay`: each entry at (ts − earliest ts) / speed. An entry without a ts comes one mean gap
 *   of the trace (span of its timestamps / (timestamped entries − 1)) after the entry before it in
 *   the array (the first at 0); with fewer than two timestamps the gap is 1 s, i.e. 1 req/s.
 * - `constant`: item i at i / rate, in array order.
 * - `poisson`: in array order, gaps drawn from a gamma distribution with mean 1 / rate and
 *   coefficient of variation `burstiness` (shape 1 / burstiness², so burstiness 1 is exactly the
 *   exponential gap of a Poisson process; 2 gives clumps of near-simultaneous arrivals separated by
 *   long quiet spells; 0.5 is smoother than Poisson). The first arrival is at 0. Seeded.
 */
export function buildSchedule<T>(
  items: readonly T[],
  model: ScheduledModel,
  options: { tsOf(item: T): number | null; seed?: number },
): LoadSchedule {
  const count = items.length;
  const intendedAt = new Float64Array(count);
  if (model.kind === 'constant') {
    const gapMs = 1_000 / model.rate;
    for (let index = 0; index < count; index++) intendedAt[index] = index * gapMs;
  } else if (model.kind === 'poisson') {
    const random = createSeededRandom(options.seed ?? 1);
    const meanGapMs = 1_000 / model.rate;
    const shape = 1 / (model.burstiness * model.burstiness);
    const scale = meanGapMs / shape;
    let at = 0;
    for (let index = 0; index < count; index++) {
      if (index > 0) at += random.gamma(shape, scale);
      intendedAt[index] = at;
    }
  } else {
    fillReplay(items, options.tsOf, model.speed, intendedAt);
  }
  return { intendedAt, order: dispatchOrder(intendedAt), intendedRps: scheduleRate(intendedAt) };
}

function fillReplay<T>(
  items: readonly T[],
  tsOf: (item: T) => number | null,
  speed: number,
  intendedAt: Float64Array,
): void {
  const stamps = items.map((item) => {
    const ts = tsOf(item);
    return typeof ts === 'number' && Number.isFinite(ts) ? ts : null;
  });
  let earliest = Number.POSITIVE_INFINITY;
  let latest = Number.NEGATIVE_INFINITY;
  let stamped = 0;
  for (const ts of stamps) {
    if (ts === null) continue;
    stamped += 1;
    if (ts < earliest) earliest = ts;
    if (ts > latest) latest = ts;
  }
  const meanGapMs =
    stamped >= 2 && latest > earliest
      ? (latest - earliest) / (stamped - 1)
      : REPLAY_FALLBACK_GAP_MS;
  let previous: number | null = null;
  for (let index = 0; index < stamps.length; index++) {
    const ts = stamps[index] ?? null;
    const recorded: number =
      ts !== null ? ts - earliest : previous === null ? 0 : previous + meanGapMs;
    previous = recorded;
    intendedAt[index] = recorded / speed;
  }
}

function dispatchOrder(intendedAt: Float64Array): Uint32Array {
  const order = new Uint32Array(intendedAt.length);
  for (let index = 0; index < order.length; index++) order[index] = index;
  let sorted = true;
  for (let index = 1; index < intendedAt.length; index++) {
    if ((intendedAt[index] as number) < (intendedAt[index - 1] as number)) {
      sorted = false;
      break;
    }
  }
  if (!sorted) {
    // Stable by construction: ties fall back to the index.
    order.sort((a, b) => (intendedAt[a] as number) - (intendedAt[b] as number) || a - b);
  }
  return order;
}

function scheduleRate(intendedAt: Float64Array): number | null {
  if (intendedAt.length < 2) return null;
  let earliest = Number.POSITIVE_INFINITY;
  let latest = Number.NEGATIVE_INFINITY;
  for (const at of intendedAt) {
    if (at < earliest) earliest = at;
    if (at > latest) latest = at;
  }
  return latest > earliest ? ((intendedAt.length - 1) * 1_000) / (latest - earliest) : null;
}
