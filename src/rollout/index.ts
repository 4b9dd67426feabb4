/**
 * Safe rollout logic, free of HTTP and timers: sticky canary assignment, gates on rolling
 * windows, the canary controller (promote, roll back, pause, persisted in SharedState), online
 * checks and judge grading on live answers, and a bounded shadow mirror. See docs/rollout.md.
 */
export {
  assignsToCanary,
  canaryBucket,
  hashString32,
  pickStickyKey,
  type StickyIdentity,
  type StickyKey,
} from './canary-assignment.js';
export {
  CANARY_HISTORY_LIMIT,
  type CanaryAction,
  type CanaryArm,
  CanaryControlError,
  type CanaryController,
  type CanaryControllerOptions,
  type CanaryEvent,
  type CanaryEventType,
  type CanaryPromoteOptions,
  type CanarySnapshot,
  type CanaryStatus,
  type CanaryVerdict,
  type CanaryVerdictReason,
  canaryStateKey,
  createCanaryController,
} from './canary-controller.js';
export {
  CANARY_GATE_METRICS,
  type CanaryGate,
  CanaryGateError,
  type CanaryGateMetric,
  type CanaryGateOperator,
  type CanaryGateReference,
  type CanaryGateResult,
  type CanaryGateStatus,
  evaluateCanaryGate,
  parseCanaryGate,
  parseCanaryGates,
  readCanaryMetric,
} from './canary-gates.js';
export {
  CANARY_JUDGE_OUTCOMES,
  type CanaryJudge,
  type CanaryJudgeAsk,
  type CanaryJudgeOptions,
  type CanaryJudgeOutcome,
  type CanaryJudgeSettled,
  type CanaryJudgeStats,
  createCanaryJudge,
} from './canary-judge.js';
export {
  CANARY_DEFAULTS,
  CANARY_JUDGE_DEFAULTS,
  type CanaryJudgeSettings,
  type CanaryJudgeSettingsInput,
  type CanarySettings,
  type CanarySettingsInput,
  resolveCanarySettings,
} from './canary-settings.js';
export {
  type CheckTally,
  type CheckTallyEntry,
  compileCheckPattern,
  createCheckTally,
  createOnlineChecks,
  DEFAULT_REFUSAL_PATTERNS,
  OnlineCheckConfigError,
  type OnlineCheckResult,
  type OnlineChecks,
  type OnlineChecksConfig,
} from './online-checks.js';
export {
  createRollingWindow,
  type RollingWindow,
  type RollingWindowOptions,
  type WindowSample,
  type WindowStats,
} from './rolling-window.js';
export {
  createShadowMirror,
  type ShadowDropReason,
  type ShadowMirror,
  type ShadowMirrorOptions,
  type ShadowMirrorStats,
  type ShadowTask,
} from './shadow-mirror.js';
