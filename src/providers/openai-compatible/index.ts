/** The OpenAI-compatible provider: OpenAI, xAI, Gemini's OpenAI endpoint, OpenRouter, vLLM, Ollama, llama.cpp. */
export {
  createOpenAICompatibleProvider,
  type OpenAICompatibleProviderOptions,
} from './openai-compatible-provider.js';
