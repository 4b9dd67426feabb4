import { randomUUID } from 'node:crypto';
import type { ChatCompletion, ChatCompletionChunk } from '../core/chat-types.js';
import { completionChunks } from './completion-chunks.js';

/** The `model` of every static fallback answer, so clients and logs can tell it apart. */
export const STATIC_FALLBACK_MODEL = 'switchyard-fallback';

/** The `system_fingerprint` of every static fallback answer. */
export const STATIC_FALLBACK_FINGERPRINT = 'switchyard-static-fallback';

/** Options for the static fallback builders; tests pin the id and clock. */
export interface StaticFallbackOptions {
  id?: string;
  /** Clock in ms since the epoch; `created` is its value in whole seconds. Defaults to Date.now. */
  now?: () => number;
  /** For chunks: as with `stream_options.include_usage`. */
  includeUsage?: boolean;
}

/**
 * A well-formed completion carrying the configured static message, marked by its model and
 * fingerprint. Usage is zero: no upstream was called and nothing is billed.
 */
export function staticFallbackCompletion(
  message: string,
  options: StaticFallbackOptions = {},
): ChatCompletion {
  const now = options.now ?? Date.now;
  return {
    id: options.id ?? `chatcmpl-fallback-${randomUUID().replaceAll('-', '')}`,
    object: 'chat.completion',
    created: Math.floor(now() / 1000),
    model: STATIC_FALLBACK_MODEL,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: message, refusal: null },
        finish_reason: 'stop',
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    system_fingerprint: STATIC_FALLBACK_FINGERPRINT,
  };
}

/** The same answer as a chunk sequence for a streaming request (without the `[DONE]` marker). */
export function staticFallbackChunks(
  message: string,
  options: StaticFallbackOptions = {},
): ChatCompletionChunk[] {
  return completionChunks(staticFallbackCompletion(message, options), {
    includeUsage: options.includeUsage === true,
  });
}

/** Whether an answer is a static fallback (by its fingerprint). */
export function isStaticFallback(completion: { system_fingerprint?: string | null }): boolean {
  return completion.system_fingerprint === STATIC_FALLBACK_FINGERPRINT;
}
