/** Per-response quality checks, drift measures and the determinism summary. */

export { type CheckRunner, createCheckRunner } from './check-runner.js';
export { CheckSpecError } from './check-spec-error.js';
export {
  CHECK_KINDS,
  checkSpecInputSchema,
  checkSpecListSchema,
  DEFAULT_THRESHOLDS,
  parseCheckSpecs,
} from './check-spec-schema.js';
export type { CheckDeps, CheckInput, CompiledCheck, JudgeFunction } from './check-types.js';
export { compileCheck, DEFAULT_JUDGE_TIMEOUT_MS } from './compile-check.js';
export { DEFAULT_FUNCTION_TIMEOUT_MS } from './compile-function-check.js';
export {
  compileJsonSchema,
  describeSchemaErrors,
  extractJsonText,
} from './json-schema-validator.js';
export { parseGroundingVerdict, parseJudgeScore } from './parse-judge-reply.js';
export { summarizeDeterminism } from './summarize-determinism.js';
export {
  lexicalDrift,
  tokenDistributionShift,
  tokenF1,
  wordTokens,
} from './text-similarity.js';
