import { type ChatMessage, contentText } from '../../core/chat-types.js';
import { countPromptTokens } from '../../routing/classify/index.js';
import type { TraceEntry } from '../eval-types.js';
import { assessTextNoise } from './assess-text-noise.js';
import { detectPromptInjection } from './detect-prompt-injection.js';

/** The tags the built-in detectors can add, in the order detectSlices returns them. */
export const SLICE_TAGS = [
  'short',
  'long-context',
  'multi-turn',
  'noisy',
  'junk',
  'adversarial',
  'image',
] as const;

/** A built-in detector tag. */
export type SliceTag = (typeof SLICE_TAGS)[number];

/** `short` below this many prompt tokens (a one-line question with its overhead). */
export const SHORT_PROMPT_TOKENS = 20;
/** `long-context` above this many prompt tokens (the same edge as the `>4k` length bucket). */
export const LONG_CONTEXT_TOKENS = 4096;
/** `multi-turn` from this many user turns. */
export const MULTI_TURN_USER_TURNS = 2;

/** Length buckets, shortest first: `length:<256`, `length:256-1k`, `length:1k-4k`, `length:>4k`. */
export const LENGTH_BUCKETS = [
  'length:<256',
  'length:256-1k',
  'length:1k-4k',
  'length:>4k',
] as const;

/**
 * The length bucket of a prompt: < 256 tokens, 256–1023, 1024–4096, and > 4096. The last edge
 * is LONG_CONTEXT_TOKENS, so `length:>4k` is exactly the `long-context` slice.
 */
export function lengthBucket(tokens: number): string {
  if (tokens < 256) return 'length:<256';
  if (tokens < 1024) return 'length:256-1k';
  if (tokens <= LONG_CONTEXT_TOKENS) return 'length:1k-4k';
  return 'length:>4k';
}

/**
 * The built-in detector tags that apply to an entry (a subset of SLICE_TAGS, in that order). Only
 * detector tags are returned, never the entry's own tags; the caller merges them. Token counts use
 * the gateway's tokenizer; pass `promptTokens` when it is already known to skip counting again.
 *
 * - short / long-context: prompt tokens < SHORT_PROMPT_TOKENS / > LONG_CONTEXT_TOKENS.
 * - multi-turn: at least MULTI_TURN_USER_TURNS user messages.
 * - junk: the last user turn is empty (and has no image), mostly symbols, one repeated
 *   character, or mostly unpronounceable words.
 * - noisy: not junk, and the last user turn has misspellings, chat shorthand, stretched or
 *   run-together words, or looks cut off (see assess-text-noise.ts).
 * - adversarial: a user or tool message carries prompt-injection or jailbreak phrasing.
 * - image: a message has an image part.
 */
export function detectSlices(entry: TraceEntry, options?: { promptTokens?: number }): string[] {
  const messages = entry.request.messages;
  const tokens = options?.promptTokens ?? countPromptTokens(entry.request);

  let userTurns = 0;
  let lastUser: ChatMessage | null = null;
  let hasImage = false;
  let adversarial = false;
  for (const message of messages) {
    if (message.role === 'user') {
      userTurns += 1;
      lastUser = message;
    }
    if (Array.isArray(message.content)) {
      for (const part of message.content) if (part.type === 'image_url') hasImage = true;
    }
    if (!adversarial && (message.role === 'user' || message.role === 'tool')) {
      adversarial = detectPromptInjection(contentText(message.content));
    }
  }

  const lastUserText = lastUser === null ? null : contentText(lastUser.content);
  const lastUserHasImage =
    lastUser !== null &&
    Array.isArray(lastUser.content) &&
    lastUser.content.some((part) => part.type === 'image_url');
  const noise =
    lastUserText === null || (lastUserHasImage && lastUserText.trim() === '')
      ? null
      : assessTextNoise(lastUserText);

  const tags: string[] = [];
  if (tokens < SHORT_PROMPT_TOKENS) tags.push('short');
  if (tokens > LONG_CONTEXT_TOKENS) tags.push('long-context');
  if (userTurns >= MULTI_TURN_USER_TURNS) tags.push('multi-turn');
  if (noise?.noisy) tags.push('noisy');
  if (noise?.junk) tags.push('junk');
  if (adversarial) tags.push('adversarial');
  if (hasImage) tags.push('image');
  return tags;
}
