/** Request classification: token counts, intent, tags, identity and features. */
export {
  type Classification,
  classifyRequest,
  findExplicitIntent,
  lastUserText,
  META_HEADER_PREFIX,
  type RequestHeaders,
  SESSION_HEADER,
  TENANT_HEADER,
  USER_HEADER,
} from './classify-request.js';
export { type ConditionSubject, evaluateCondition } from './evaluate-condition.js';
export {
  type ClassifierComplete,
  createIntentClassifier,
  type IntentClassifier,
} from './intent-classifier.js';
export {
  countMessageTokens,
  countPromptTokens,
  countPromptTokensYielding,
  countTextTokens,
  IMAGE_TOKENS,
  LOW_DETAIL_IMAGE_TOKENS,
  loadTokenizer,
  MESSAGE_OVERHEAD_TOKENS,
  promptTokenUpperBound,
  REPLY_PRIMING_TOKENS,
} from './token-counter.js';
export { smallestTokenThreshold } from './token-threshold.js';
