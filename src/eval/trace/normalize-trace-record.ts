import { CheckSpecError, parseCheckSpecs } from '../../checks/index.js';
import type { CheckSpec, TraceEntry } from '../eval-types.js';
import { parseTimestamp } from './parse-timestamp.js';
import { describe, isRecord, validateTraceRequest } from './validate-trace-request.js';

/*
 * Fields a trace line may carry besides the OpenAI request. They are taken off a plain request
 * before it is replayed; `user` and `metadata` are OpenAI fields and stay on it.
 */
const ENTRY_FIELDS = [
  'id',
  'ts',
  'timestamp',
  'session_id',
  'user_id',
  'tags',
  'intent',
  'expected',
  'context',
  'checks',
  'note',
] as const;

/**
 * One parsed line or row → a TraceEntry. Three shapes are accepted:
 * - an exported request record (`switchyard logs export`): it has `request` (and no `messages`);
 * - a plain OpenAI chat request with optional entry fields (ENTRY_FIELDS);
 * - the shorthand `{ "prompt": "...", "system"?: "..." }` plus optional entry fields.
 * Throws with the reason the line is skipped; the id is not made unique here.
 */
export function normalizeTraceRecord(value: unknown, line: number): TraceEntry {
  if (!isRecord(value)) throw new Error(`expected a JSON object, got ${describe(value)}`);
  if ('messages' in value) return fromPlainRequest(value, line);
  if ('request' in value) return fromExportedRecord(value, line);
  if ('prompt' in value) return fromPrompt(value, line);
  throw new Error(
    'expected "messages" (an OpenAI request), "request" (an exported record) or "prompt"',
  );
}

function fromExportedRecord(value: Record<string, unknown>, line: number): TraceEntry {
  if (value.request === null) {
    throw new Error(
      'request is null: the log was recorded without request bodies (set log.capture_bodies to replay it)',
    );
  }
  const request = validateTraceRequest(value.request, 'request');
  return buildEntry(value, line, request, optionalString(value, 'user_id'));
}

function fromPlainRequest(value: Record<string, unknown>, line: number): TraceEntry {
  const body: Record<string, unknown> = { ...value };
  for (const field of ENTRY_FIELDS) delete body[field];
  const request = validateTraceRequest(body, 'request');
  const userId = optionalString(value, 'user_id') ?? optionalString(value, 'user');
  return buildEntry(value, line, request, userId);
}

function fromPrompt(value: Record<string, unknown>, line: number): TraceEntry {
  const prompt = value.prompt;
  if (typeof prompt !== 'string')
    throw new Error(`prompt: expected a string, got ${describe(prompt)}`);
  const system = optionalString(value, 'system');
  const body: Record<string, unknown> = { ...value };
  for (const field of ENTRY_FIELDS) delete body[field];
  delete body.prompt;
  delete body.system;
  body.messages = [
    ...(system === null ? [] : [{ role: 'system', content: system }]),
    { role: 'user', content: prompt },
  ];
  const request = validateTraceRequest(body, 'request');
  const userId = optionalString(value, 'user_id') ?? optionalString(value, 'user');
  return buildEntry(value, line, request, userId);
}

function buildEntry(
  value: Record<string, unknown>,
  line: number,
  request: TraceEntry['request'],
  userId: string | null,
): TraceEntry {
  const expected = readExpected(value.expected);
  let intent = optionalString(value, 'intent');
  if (
    intent === null &&
    isRecord(request.metadata) &&
    typeof request.metadata.intent === 'string'
  ) {
    intent = request.metadata.intent;
  }
  return {
    id: readId(value.id, line),
    line,
    ts: readTs(value),
    sessionId: optionalString(value, 'session_id'),
    userId,
    tags: readTags(value.tags),
    intent,
    request,
    expected: expected.text,
    context: readContext(value.context),
    checks: readChecks(expected.checks, value.checks),
  };
}

function readId(value: unknown, line: number): string {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (value === undefined || value === null || value === '') return `line-${line}`;
  throw new Error(`id: expected a string, got ${describe(value)}`);
}

function readTs(value: Record<string, unknown>): number | null {
  const field = value.ts !== undefined && value.ts !== null ? 'ts' : 'timestamp';
  const raw = value[field];
  if (raw === undefined || raw === null || raw === '') return null;
  try {
    return parseTimestamp(raw);
  } catch (error) {
    throw new Error(`${field}: ${(error as Error).message}`);
  }
}

function optionalString(value: Record<string, unknown>, field: string): string | null {
  const raw = value[field];
  if (raw === undefined || raw === null || raw === '') return null;
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  throw new Error(`${field}: expected a string, got ${describe(raw)}`);
}

/** A list of strings, or one string of `;`-separated tags; trimmed, empty ones dropped, unique. */
export function readTags(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  let items: unknown[];
  if (typeof value === 'string') items = value.split(';');
  else if (Array.isArray(value)) items = value;
  else throw new Error(`tags: expected a list of strings or "a;b", got ${describe(value)}`);
  const tags = new Set<string>();
  for (const item of items) {
    if (typeof item !== 'string') throw new Error(`tags: expected strings, got ${describe(item)}`);
    const tag = item.trim();
    if (tag !== '') tags.add(tag);
  }
  return [...tags];
}

/*
 * `expected` is the reference answer. An exported record may carry "expected answer or checks"
 * (docs/formats.md): an object with `answer` (or `text`) and/or `checks` is read as such; any
 * other structured value is the answer as JSON text.
 */
function readExpected(value: unknown): { text: string | null; checks: unknown[] } {
  if (value === undefined || value === null) return { text: null, checks: [] };
  if (typeof value === 'string') return { text: value, checks: [] };
  if (typeof value === 'number' || typeof value === 'boolean') {
    return { text: String(value), checks: [] };
  }
  if (isRecord(value) && ('answer' in value || 'text' in value || 'checks' in value)) {
    const answer = value.answer ?? value.text;
    if (answer !== undefined && answer !== null && typeof answer !== 'string') {
      throw new Error(`expected.answer: expected a string, got ${describe(answer)}`);
    }
    const checks = value.checks ?? [];
    if (!Array.isArray(checks)) {
      throw new Error(`expected.checks: expected a list of checks, got ${describe(checks)}`);
    }
    return { text: answer ?? null, checks };
  }
  return { text: JSON.stringify(value), checks: [] };
}

/** Context as text: a string, a list of passages (strings or `{ text | content }`), or JSON. */
function readContext(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    return value.map((item) => passageText(item)).join('\n\n');
  }
  return passageText(value);
}

function passageText(item: unknown): string {
  if (typeof item === 'string') return item;
  if (isRecord(item)) {
    for (const key of ['text', 'content', 'page_content']) {
      const text = item[key];
      if (typeof text === 'string') return text;
    }
  }
  return JSON.stringify(item);
}

function readChecks(fromExpected: unknown[], value: unknown): CheckSpec[] {
  if (value !== undefined && value !== null && !Array.isArray(value)) {
    throw new Error(`checks: expected a list of checks, got ${describe(value)}`);
  }
  const all = [...fromExpected, ...((value as unknown[] | undefined | null) ?? [])];
  if (all.length === 0) return [];
  try {
    return parseCheckSpecs(all);
  } catch (error) {
    if (error instanceof CheckSpecError) throw new Error(error.message);
    throw error;
  }
}
