/** The policy: load, validate, normalize, convert seed formats, emit JSON Schema, hot reload. */
export { convertSeedPolicy, isSeedPolicy } from './convert-seed-policy.js';
export { defaultPolicyPath } from './default-policy-path.js';
export { loadPolicyFile, parsePolicyText } from './load-policy.js';
export {
  AUTO_MODEL,
  DEFAULT_FALLBACK_ON,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_TIMEOUTS,
} from './normalize-policy.js';
export { formatPolicyIssue, PolicyError, type PolicyIssue } from './policy-error.js';
export { policyJsonSchema } from './policy-json-schema.js';
export type { PolicyFile, PolicyFileInput } from './policy-schema.js';
export type * from './policy-types.js';
export { type PolicyWatcher, type WatchPolicyOptions, watchPolicy } from './policy-watcher.js';
