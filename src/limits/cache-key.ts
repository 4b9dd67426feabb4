import { createHash } from 'node:crypto';
import type { ChatMessage, ChatRequest, ContentPart } from '../core/chat-types.js';

/**
 * Fields that never change the answer: who asked (`user`, `metadata`), how it is delivered
 * (`stream`, `stream_options`), and `model`, which the route replaces.
 */
const IGNORED_FIELDS = new Set(['model', 'user', 'metadata', 'stream', 'stream_options']);

/**
 * The sha256 (hex) of a normalised request, for exact-match caching. Two requests share a key
 * when the route and everything that shapes the answer are equal: message roles, names, text
 * (trimmed; a plain string equals a single text part), images, tool calls and tool results,
 * tools, tool_choice, response_format, sampling (temperature, top_p, seed, n), max_tokens
 * (max_completion_tokens is the same setting), stop (a string equals a one-item list), and any
 * other field the client sent. Object keys are sorted and null equals absent, so key order and
 * explicit nulls do not matter.
 */
export function cacheKey(request: ChatRequest, route: string): string {
  const normalised: Record<string, unknown> = {
    route,
    messages: request.messages.map(normaliseMessage),
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? null,
    stop: typeof request.stop === 'string' ? [request.stop] : (request.stop ?? null),
  };
  for (const [field, value] of Object.entries(request)) {
    if (IGNORED_FIELDS.has(field) || field in normalised || field === 'max_completion_tokens') {
      continue;
    }
    normalised[field] = value;
  }
  return createHash('sha256').update(canonicalJson(normalised)).digest('hex');
}

function normaliseMessage(message: ChatMessage): Record<string, unknown> {
  const normalised: Record<string, unknown> = {
    role: message.role,
    content: normaliseContent(message.content),
  };
  if ('name' in message) normalised.name = message.name;
  if (message.role === 'assistant') {
    normalised.tool_calls = message.tool_calls?.map((call) => ({
      id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    }));
  }
  if (message.role === 'tool') normalised.tool_call_id = message.tool_call_id;
  return normalised;
}

function normaliseContent(content: string | ContentPart[] | null): unknown {
  if (content === null) return null;
  if (typeof content === 'string') return [{ type: 'text', text: content.trim() }];
  return content.map((part) =>
    part.type === 'text'
      ? { type: 'text', text: part.text.trim() }
      : { type: 'image_url', url: part.image_url.url, detail: part.image_url.detail ?? 'auto' },
  );
}

/** JSON with object keys sorted at every depth and null or undefined object fields dropped. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined && field !== null)
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
      .map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`);
    return `{${fields.join(',')}}`;
  }
  // Top-level and array-element undefined become null, as JSON.stringify would write them.
  return JSON.stringify(value ?? null);
}
