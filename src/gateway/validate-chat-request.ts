import { z } from 'zod';
import type { ChatRequest } from '../core/chat-types.js';
import { SwitchyardError } from '../core/switchyard-error.js';

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({
    url: z.string().min(1),
    detail: z.enum(['auto', 'low', 'high']).optional(),
  }),
});
const contentParts = z.array(z.discriminatedUnion('type', [textPart, imagePart])).min(1);
const content = z.union([z.string(), contentParts]);

const toolCall = z.object({
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const message = z.discriminatedUnion('role', [
  z.looseObject({ role: z.enum(['system', 'developer']), content, name: z.string().optional() }),
  z.looseObject({ role: z.literal('user'), content, name: z.string().optional() }),
  z.looseObject({
    role: z.literal('assistant'),
    content: content.nullable().optional(),
    name: z.string().optional(),
    tool_calls: z.array(toolCall).optional(),
  }),
  z.looseObject({ role: z.literal('tool'), content, tool_call_id: z.string() }),
]);

const tool = z.object({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
]);

const optionalNumber = z.number().nullable().optional();

/**
 * The fields the gateway reads or routes on are checked; everything else passes through to the
 * upstream untouched, so new OpenAI parameters work without a gateway release.
 */
const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  temperature: optionalNumber,
  top_p: optionalNumber,
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  n: z
    .number()
    .int()
    .min(1)
    .max(1, 'the gateway serves one choice per request')
    .nullable()
    .optional(),
  stop: z
    .union([z.string(), z.array(z.string())])
    .nullable()
    .optional(),
  user: z.string().optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  response_format: z
    .looseObject({ type: z.enum(['text', 'json_object', 'json_schema']) })
    .optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});

/** Check a parsed body against the Chat Completions schema, naming the first bad field. */
export function validateChatRequest(body: unknown): ChatRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SwitchyardError('invalid_request', 'The request body must be a JSON object.');
  }
  const result = chatRequestSchema.safeParse(body);
  if (result.success) return result.data as ChatRequest;
  const issue = result.error.issues[0];
  const param = issue ? formatPath(issue.path) : '';
  const message = issue ? describeIssue(issue, body) : 'invalid request';
  throw new SwitchyardError('invalid_request', param ? `${param}: ${message}` : message, {
    param: param || undefined,
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue, body: unknown): string {
  if (issue.code === 'invalid_type') {
    const actual = valueAt(body, issue.path);
    const got = actual === undefined ? 'nothing (the field is required)' : describeValue(actual);
    return `expected ${issue.expected}, got ${got}`;
  }
  if (issue.code === 'invalid_union' && issue.path.at(-1) === 'role') {
    return 'expected one of system, developer, user, assistant, tool';
  }
  return issue.message;
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = body;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return `a ${typeof value}`;
}
