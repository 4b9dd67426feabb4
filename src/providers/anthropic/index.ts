/** The Anthropic Messages provider and its OpenAI ⇄ Anthropic translations. */
export {
  ANTHROPIC_VERSION,
  type AnthropicProviderOptions,
  createAnthropicProvider,
  DEFAULT_ANTHROPIC_MAX_TOKENS,
} from './anthropic-provider.js';
export type { AnthropicMessage, AnthropicRequest } from './anthropic-wire-types.js';
export { type TranslateRequestOptions, translateRequest } from './translate-request.js';
export { translateResponse, translateStopReason, translateUsage } from './translate-response.js';
export { translateAnthropicStream } from './translate-stream.js';
