/**
 * Evaluation: replay a trace through candidate targets or policies under production-like load,
 * check every answer, gate the result, propose the routing policy the evidence supports, and
 * audit a deployment against the safety checklist.
 */
export { failedAttemptCostUsd } from './attempt-cost.js';
export {
  type AuditInput,
  type AuditItem,
  auditPolicy,
  MIN_RETENTION_DAYS,
} from './audit-policy.js';
export {
  type CandidateRunner,
  type CandidateRunnerOptions,
  createCandidateRunner,
  type MeasuredResponse,
} from './candidate-runner.js';
export { capacityByLoad, capacityBySize } from './capacity-cliff.js';
export {
  type EvalConfig,
  type EvalSlos,
  type LoadEvalConfigOptions,
  loadEvalConfig,
  parseEvalConfigText,
  type ReportFormat,
  reachableTargets,
} from './eval-config.js';
export { EvalConfigError, type EvalConfigIssue } from './eval-config-error.js';
export type * from './eval-types.js';
export { evaluateGates, type GateSubjects, judgeGate } from './evaluate-gates.js';
export {
  compareGate,
  GATE_METRICS,
  type GateOperator,
  type GateSpec,
  GateSyntaxError,
  parseGate,
  readGateMetric,
} from './gate.js';
export { type ProposePolicyInput, proposePolicy } from './propose-policy.js';
export { type EvalProgress, type RunEvalOptions, runEval } from './run-eval.js';
export * from './run-report.js';
export { type RunListing, type RunListOptions, type RunStore, toRunListing } from './run-store.js';
export { detectSlices, lengthBucket } from './slices/index.js';
export { type SummaryContext, summarizeRows } from './summarize-rows.js';
export { readTrace, TraceReadError, type TraceReadResult } from './trace/index.js';
