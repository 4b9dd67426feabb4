/** Providers: one `ChatProvider` interface, one implementation per wire protocol. */
export { type AnthropicProviderOptions, createAnthropicProvider } from './anthropic/index.js';
export type {
  ChatProvider,
  ProviderCallOptions,
  ProviderCompletion,
  ProviderKind,
  ProviderStream,
} from './chat-provider.js';
export { type CreateProviderDependencies, createProvider } from './create-provider.js';
export {
  createOpenAICompatibleProvider,
  type OpenAICompatibleProviderOptions,
} from './openai-compatible/index.js';
export { parseRetryAfterMs } from './retry-after.js';
export { isLabelledSimulated, SIMULATED_HEADER } from './simulated-header.js';
