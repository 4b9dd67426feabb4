/**
 * The load generator: load models (parse, describe), open-loop schedules, the dispatcher (runLoad),
 * sweeps that stop at saturation, and HDR latency histograms.
 */
export { buildSchedule, type LoadSchedule, REPLAY_FALLBACK_GAP_MS } from './build-schedule.js';
export { describeLoadModel, describeSweepLevel, formatLoadModel } from './describe-load-model.js';
export { createLatencyHistogram, type LatencyHistogram } from './latency-histogram.js';
export {
  DEFAULT_SWEEP_STOP,
  LOAD_MODEL_LIMITS,
  type LoadModel,
  type OpenLoopModel,
  type SweepModel,
  type SweepStop,
} from './load-model.js';
export { LoadModelError } from './load-model-error.js';
export { parseLoadModel } from './parse-load-model.js';
export {
  DEFAULT_MAX_IN_FLIGHT,
  type LoadProgress,
  type LoadRunStats,
  type RunLoadOptions,
  runLoad,
  type SendTiming,
} from './run-load.js';
export {
  type RunSweepOptions,
  runSweep,
  type SweepLevelResult,
  sweepLevelModel,
} from './run-sweep.js';
export { createSeededRandom, type SeededRandom } from './seeded-random.js';
