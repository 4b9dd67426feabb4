import type { LoadModel, SweepModel } from './load-model.js';

/** A sentence for reports: what load was offered, and whether it was open or closed loop. */
export function describeLoadModel(model: LoadModel): string {
  switch (model.kind) {
    case 'replay':
      return `open loop: replay of the recorded arrival times at ${formatNumber(model.speed)}x speed`;
    case 'constant':
      return `open loop: constant ${formatNumber(model.rate)} req/s, evenly spaced`;
    case 'poisson':
      return model.burstiness === 1
        ? `open loop: Poisson arrivals at ${formatNumber(model.rate)} req/s`
        : `open loop: ${formatNumber(model.rate)} req/s with burstiness ${formatNumber(model.burstiness)} (gamma-distributed gaps, coefficient of variation ${formatNumber(model.burstiness)}; 1 would be Poisson)`;
    case 'concurrency':
      return `closed loop: ${model.concurrency} concurrent worker${model.concurrency === 1 ? '' : 's'}, each sending when its previous request completes (latency is service time; hides queueing)`;
    case 'sweep':
      return `sweep over ${model.over}: ${model.levels.map((level) => describeSweepLevel(model.over, level)).join(', ')}; stops at the first level with error rate over ${formatNumber(model.stop.errorRate * 100)}% or p99 over ${formatNumber(model.stop.p99Ms)} ms`;
  }
}

/** The canonical string form of a model; parseLoadModel reads it back to the same model. */
export function formatLoadModel(model: LoadModel): string {
  switch (model.kind) {
    case 'replay':
      return `replay:${model.speed}x`;
    case 'constant':
      return `constant:${model.rate}`;
    case 'poisson':
      return model.burstiness === 1
        ? `poisson:${model.rate}`
        : `poisson:${model.rate},burst=${model.burstiness}`;
    case 'concurrency':
      return `concurrency:${model.concurrency}`;
    case 'sweep': {
      const suffix = model.over === 'replay' ? 'x' : '';
      const levels = model.levels.map((level) => `${level}${suffix}`).join(',');
      return `sweep:${model.over}:${levels},error=${model.stop.errorRate},p99=${model.stop.p99Ms}`;
    }
  }
}

/** One sweep level as a label for a capacity chart: `500 req/s`, `8 concurrent`, `10x`. */
export function describeSweepLevel(over: SweepModel['over'], level: number): string {
  if (over === 'rate') return `${formatNumber(level)} req/s`;
  if (over === 'concurrency') return `${level} concurrent`;
  return `${formatNumber(level)}x`;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}
