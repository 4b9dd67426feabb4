import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { ChatMessage, ChatRequest, ContentPart } from '../../core/chat-types.js';

/*
 * o200k_base is the encoding of every current OpenAI chat model (GPT-4o, GPT-4.1, GPT-5, the
 * o-series). Other vendors' tokenizers differ by a few percent either way; one shared count is
 * what routing needs (thresholds, windows, cost estimates before the upstream reports usage),
 * and the upstream's own usage figure replaces it in the log once the answer arrives.
 */

/** Tokens each message costs besides its content (role and separators), per OpenAI's accounting. */
export const MESSAGE_OVERHEAD_TOKENS = 3;
/** Tokens that prime the assistant's reply, counted once per request. */
export const REPLY_PRIMING_TOKENS = 3;
/** A low-detail image, whatever its size. */
export const LOW_DETAIL_IMAGE_TOKENS = 85;
/**
 * Any other image, estimated as a 1024×1024 high-detail image (85 + 4 tiles × 170). The real
 * cost depends on dimensions the gateway does not decode.
 */
export const IMAGE_TOKENS = 765;

/** Special-token text in a prompt is plain text to us; refusing it would reject the request. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/** Tokens in a piece of text. */
export function countTextTokens(text: string): number {
  return text === '' ? 0 : countTokens(text, AS_TEXT);
}

/**
 * System prompts repeat: an application sends the same one (often thousands of tokens) with
 * every request, so their counts are remembered. Only system and developer text is kept, never
 * user turns, which rarely repeat and would churn the cache (and hold chat text in memory). The
 * bounds keep it small: a few dozen distinct prompts, none over 64 K characters; the oldest entry
 * goes first.
 */
const SYSTEM_PROMPT_CACHE_ENTRIES = 64;
const SYSTEM_PROMPT_CACHE_MAX_CHARS = 65_536;
const systemPromptTokens = new Map<string, number>();

/** countTextTokens for a system prompt, from the cache when the same text was counted before. */
export function countSystemPromptTokens(text: string): number {
  if (text.length > SYSTEM_PROMPT_CACHE_MAX_CHARS) return countTextTokens(text);
  const cached = systemPromptTokens.get(text);
  if (cached !== undefined) return cached;
  const counted = countTextTokens(text);
  if (systemPromptTokens.size >= SYSTEM_PROMPT_CACHE_ENTRIES) {
    const oldest = systemPromptTokens.keys().next().value;
    if (oldest !== undefined) systemPromptTokens.delete(oldest);
  }
  systemPromptTokens.set(text, counted);
  return counted;
}

/** Tokens one message costs in a prompt: content, images, tool calls and overhead. */
export function countMessageTokens(message: ChatMessage): number {
  const content = message.content;
  let total =
    MESSAGE_OVERHEAD_TOKENS +
    ((message.role === 'system' || message.role === 'developer') && typeof content === 'string'
      ? countSystemPromptTokens(content)
      : countContentTokens(content));
  if ('name' in message && message.name) total += 1 + countTextTokens(message.name);
  if (message.role === 'assistant' && message.tool_calls) {
    for (const call of message.tool_calls) {
      total +=
        countTextTokens(call.function.name) +
        countTextTokens(call.function.arguments) +
        MESSAGE_OVERHEAD_TOKENS;
    }
  }
  if (message.role === 'tool') total += countTextTokens(message.tool_call_id);
  return total;
}

/**
 * Prompt tokens of a request: every message, the tool definitions and a structured-output
 * schema (both are sent to the model as text), and the reply priming.
 */
export function countPromptTokens(request: ChatRequest): number {
  let total = REPLY_PRIMING_TOKENS;
  for (const message of request.messages) total += countMessageTokens(message);
  if (request.tools && request.tools.length > 0)
    total += countTextTokens(JSON.stringify(request.tools));
  if (request.response_format?.json_schema !== undefined) {
    total += countTextTokens(JSON.stringify(request.response_format.json_schema));
  }
  return total;
}

function countContentTokens(content: string | ContentPart[] | null | undefined): number {
  if (content == null) return 0;
  if (typeof content === 'string') return countTextTokens(content);
  let total = 0;
  for (const part of content) {
    if (part.type === 'text') total += countTextTokens(part.text);
    else if (part.type === 'image_url') {
      total += part.image_url.detail === 'low' ? LOW_DETAIL_IMAGE_TOKENS : IMAGE_TOKENS;
    }
  }
  return total;
}
