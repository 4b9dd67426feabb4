import { validateTraceRequest } from '../../eval/trace/validate-trace-request.js';
import { type ChatMessage, messageText } from './replay-chat.js';

/*
 * A JSONL trace read in the browser for the playground's prompt picker. It accepts the three line
 * shapes `switchyard eval` accepts (src/eval/trace/normalize-trace-record.ts): a plain OpenAI
 * request with `messages`, an exported record with `request`, or `{ prompt, system? }`. Only the
 * chat is needed here, so expected answers and checks are not read; the eval side's checks module
 * pulls in ajv, which must stay out of the bundle. The message checks are eval's own
 * (validate-trace-request.ts has no runtime imports), so a line the picker offers is a line eval
 * would replay. Malformed lines are skipped and counted, never fatal.
 */

/** One chat from a trace file, ready to fill the playground. */
export interface TraceFileEntry {
  /** The line's `id`, or `line-N` as eval names an entry without one. */
  id: string;
  /** 1-based line number in the file. */
  line: number;
  tags: string[];
  messages: ChatMessage[];
  /** The first words of the last user message, for the list. */
  preview: string;
}

/** A line that is not a chat eval could replay, and why. */
export interface SkippedTraceLine {
  line: number;
  reason: string;
}

/** Everything a trace file held: its chats and its skipped lines. */
export interface TraceFile {
  entries: TraceFileEntry[];
  skipped: SkippedTraceLine[];
}

/** Words kept in an entry's preview, and its length cap for one very long word. */
const PREVIEW_WORDS = 12;
const PREVIEW_CHARS = 90;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readId(value: unknown, line: number): string {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (value === undefined || value === null || value === '') return `line-${line}`;
  throw new Error('id: expected a string');
}

/** Tags as eval reads them: a list of strings or one `a;b` string, trimmed, unique. */
function readTags(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  let items: unknown[];
  if (typeof value === 'string') items = value.split(';');
  else if (Array.isArray(value)) items = value;
  else throw new Error('tags: expected a list of strings or "a;b"');
  const tags = new Set<string>();
  for (const item of items) {
    if (typeof item !== 'string') throw new Error('tags: expected strings');
    if (item.trim() !== '') tags.add(item.trim());
  }
  return [...tags];
}

function requestOf(value: Record<string, unknown>): unknown {
  if ('messages' in value) return value;
  if ('request' in value) {
    if (value.request === null) {
      throw new Error('request is null: the log was recorded without request bodies');
    }
    return value.request;
  }
  if ('prompt' in value) {
    if (typeof value.prompt !== 'string') throw new Error('prompt: expected a string');
    const system = value.system;
    if (system !== undefined && system !== null && typeof system !== 'string') {
      throw new Error('system: expected a string');
    }
    return {
      messages: [
        ...(typeof system === 'string' && system !== ''
          ? [{ role: 'system', content: system }]
          : []),
        { role: 'user', content: value.prompt },
      ],
    };
  }
  throw new Error(
    'expected "messages" (an OpenAI request), "request" (an exported record) or "prompt"',
  );
}

/** The first words of the last user message (or of the last message when no user spoke). */
export function previewOf(messages: ChatMessage[]): string {
  const lastUser = [...messages].reverse().find((message) => message.role === 'user');
  const text = messageText((lastUser ?? messages.at(-1))?.content).trim();
  const words = text.split(/\s+/).filter((word) => word !== '');
  let preview = words.slice(0, PREVIEW_WORDS).join(' ');
  if (preview.length > PREVIEW_CHARS) preview = preview.slice(0, PREVIEW_CHARS - 1);
  return preview.length < text.length ? `${preview}…` : preview;
}

function entryOf(value: unknown, line: number): TraceFileEntry {
  if (!isRecord(value)) throw new Error('expected a JSON object');
  const request = validateTraceRequest(requestOf(value), 'request');
  const messages = request.messages as unknown as ChatMessage[];
  return {
    id: readId(value.id, line),
    line,
    tags: readTags(value.tags),
    messages,
    preview: previewOf(messages),
  };
}

/**
 * Parses a JSONL trace's text. Blank lines are passed over silently (as eval does); every other
 * line is an entry or a skipped line with its reason.
 */
export function parseTraceFile(text: string): TraceFile {
  const entries: TraceFileEntry[] = [];
  const skipped: SkippedTraceLine[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      skipped.push({ line, reason: 'invalid JSON' });
      continue;
    }
    try {
      entries.push(entryOf(value, line));
    } catch (error) {
      skipped.push({ line, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { entries, skipped };
}

/** Entries whose id, tags or preview contain `query` (case-insensitive); all for an empty one. */
export function filterTraceEntries(entries: TraceFileEntry[], query: string): TraceFileEntry[] {
  const needle = query.trim().toLowerCase();
  if (needle === '') return entries;
  return entries.filter((entry) =>
    [entry.id, entry.preview, ...entry.tags].some((field) => field.toLowerCase().includes(needle)),
  );
}
