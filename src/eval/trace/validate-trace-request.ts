import type { ChatMessage, ChatRequest } from '../../core/chat-types.js';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);

/*
 * A hand-written check of the fields replay depends on (messages and their content) rather than
 * the gateway's zod schema: it runs once per line of traces with 100,000 lines, and it names the
 * first bad field the way a person would look for it in the file (`messages[2].content[0].type`).
 * Other request fields pass through untouched, as they do at the gateway.
 */

/** The request with `model` defaulted to `auto`; throws naming the first bad field. */
export function validateTraceRequest(value: unknown, field: string): ChatRequest {
  if (!isRecord(value)) throw new Error(`${field}: expected an object, got ${describe(value)}`);
  const messages = value.messages;
  if (!Array.isArray(messages)) {
    throw new Error(`${field}.messages: expected a list of messages, got ${describe(messages)}`);
  }
  if (messages.length === 0) throw new Error(`${field}.messages: expected at least one message`);
  for (const [index, message] of messages.entries()) {
    validateMessage(message, `${field}.messages[${index}]`);
  }
  if (value.model !== undefined && typeof value.model !== 'string') {
    throw new Error(`${field}.model: expected a string, got ${describe(value.model)}`);
  }
  const model = typeof value.model === 'string' && value.model !== '' ? value.model : 'auto';
  return { ...value, model, messages: messages as ChatMessage[] };
}

function validateMessage(message: unknown, field: string): void {
  if (!isRecord(message)) throw new Error(`${field}: expected an object, got ${describe(message)}`);
  const role = message.role;
  if (typeof role !== 'string' || !ROLES.has(role)) {
    throw new Error(
      `${field}.role: expected one of system, developer, user, assistant, tool, got ${describe(role)}`,
    );
  }
  const content = message.content;
  if (role === 'assistant' && (content === null || content === undefined)) {
    if (!Array.isArray(message.tool_calls)) {
      throw new Error(`${field}: an assistant message needs content or tool_calls`);
    }
    return;
  }
  if (typeof content === 'string') {
    // fall through to the role-specific checks
  } else if (Array.isArray(content)) {
    for (const [index, part] of content.entries()) validatePart(part, `${field}.content[${index}]`);
  } else {
    throw new Error(
      `${field}.content: expected a string or a list of parts, got ${describe(content)}`,
    );
  }
  if (role === 'tool' && typeof message.tool_call_id !== 'string') {
    throw new Error(
      `${field}.tool_call_id: expected a string, got ${describe(message.tool_call_id)}`,
    );
  }
}

function validatePart(part: unknown, field: string): void {
  if (!isRecord(part)) throw new Error(`${field}: expected an object, got ${describe(part)}`);
  if (part.type === 'text') {
    if (typeof part.text !== 'string') {
      throw new Error(`${field}.text: expected a string, got ${describe(part.text)}`);
    }
    return;
  }
  if (part.type === 'image_url') {
    const image = part.image_url;
    if (!isRecord(image) || typeof image.url !== 'string' || image.url === '') {
      throw new Error(`${field}.image_url.url: expected a non-empty string`);
    }
    return;
  }
  throw new Error(`${field}.type: expected text or image_url, got ${describe(part.type)}`);
}

/** A plain object (not null, not a list). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as the author would recognise it in their file. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  }
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
