import type { Dispatcher } from 'undici';
import type { TargetConfig } from '../routing/policy/policy-types.js';
import { createAnthropicProvider } from './anthropic/index.js';
import type { ChatProvider } from './chat-provider.js';
import { createOpenAICompatibleProvider } from './openai-compatible/index.js';

/** What createProvider needs besides the target. */
export interface CreateProviderDependencies {
  /** Shared pooled client for every wire provider. */
  dispatcher: Dispatcher;
  /** Where API keys are read from (`target.apiKeyEnv` names the variable). */
  env: NodeJS.ProcessEnv;
  /** Builds the simulated provider; required only for targets with provider 'sim'. */
  createSim?: (target: TargetConfig) => ChatProvider;
}

/**
 * Build the provider for one target. The key is read from the environment here, at build time,
 * and lives only inside the provider; a missing key is not an error (local servers need none,
 * and a hosted upstream will answer 401, which is classified `auth_error`).
 */
export function createProvider(
  target: TargetConfig,
  deps: CreateProviderDependencies,
): ChatProvider {
  switch (target.provider) {
    case 'sim':
      if (deps.createSim === undefined) {
        throw new Error(
          `target "${target.name}": provider 'sim' needs createSim, which was not given`,
        );
      }
      return deps.createSim(target);
    case 'openai-compatible':
      return createOpenAICompatibleProvider({
        baseUrl: requireBaseUrl(target),
        model: target.model,
        apiKey: readApiKey(target, deps.env),
        headers: target.headers,
        dispatcher: deps.dispatcher,
      });
    case 'anthropic':
      return createAnthropicProvider({
        baseUrl: requireBaseUrl(target),
        model: target.model,
        apiKey: readApiKey(target, deps.env),
        headers: target.headers,
        dispatcher: deps.dispatcher,
      });
    default:
      throw new Error(
        `target "${target.name}": unknown provider ${JSON.stringify((target as { provider: unknown }).provider)}`,
      );
  }
}

function requireBaseUrl(target: TargetConfig): string {
  if (target.baseUrl === null || target.baseUrl.trim() === '') {
    throw new Error(
      `target "${target.name}": provider '${target.provider}' needs base_url (e.g. https://api.openai.com/v1 or https://api.anthropic.com)`,
    );
  }
  return target.baseUrl;
}

function readApiKey(target: TargetConfig, env: NodeJS.ProcessEnv): string | null {
  if (target.apiKeyEnv === null) return null;
  const value = env[target.apiKeyEnv]?.trim();
  return value === undefined || value === '' ? null : value;
}
