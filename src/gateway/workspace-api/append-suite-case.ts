import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SwitchyardError } from '../../core/switchyard-error.js';
import type { SuiteCaseSaved } from './workspace-api-types.js';

/** Request fields a saved case drops: the model is the eval's choice, streaming is its setting. */
const DROPPED_FIELDS = new Set(['model', 'stream', 'stream_options', 'user']);
const MAX_TAGS = 20;
const MAX_TAG_LENGTH = 64;
const MAX_NOTE_LENGTH = 2_000;

/** Writes playground comparisons to a suite file as trace lines that `switchyard eval` reads. */
export interface SuiteWriter {
  readonly path: string;
  /** Validate and append one case; resolves once the line is on disk. */
  append(body: unknown): Promise<SuiteCaseSaved>;
}

/**
 * A suite file is JSONL in the trace format (docs/formats.md): the OpenAI request's own fields at
 * the top level plus `id`, `tags`, `expected` and `note`. No `ts` is written, because eval would
 * replay saved cases with the hours between the saves. Appends are chained so two saves at once
 * never interleave their bytes.
 */
export function createSuiteWriter(path: string): SuiteWriter {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    path,
    async append(body) {
      const line = buildSuiteLine(body);
      const write = tail.then(async () => {
        await mkdir(dirname(path), { recursive: true });
        await appendFile(path, `${JSON.stringify(line)}\n`, 'utf8');
      });
      tail = write.catch(() => {});
      await write;
      return { id: line.id, path };
    },
  };
}

/** Validate a `POST /api/suite-cases` body and shape it as one trace line. */
export function buildSuiteLine(body: unknown): { id: string } & Record<string, unknown> {
  if (!isObject(body)) throw invalid('body', 'expected a JSON object with "request"');
  const request = body.request;
  if (!isObject(request)) throw invalid('request', 'expected the chat request object');
  const messages = request.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalid('request.messages', 'expected a non-empty array of chat messages');
  }
  messages.forEach((message, index) => {
    if (!isObject(message) || typeof message.role !== 'string') {
      throw invalid(`request.messages[${index}]`, 'expected an object with a "role"');
    }
  });
  const tags = body.tags ?? [];
  if (
    !Array.isArray(tags) ||
    tags.length > MAX_TAGS ||
    !tags.every((tag) => typeof tag === 'string' && tag.length > 0 && tag.length <= MAX_TAG_LENGTH)
  ) {
    throw invalid(
      'tags',
      `expected up to ${MAX_TAGS} non-empty strings of at most ${MAX_TAG_LENGTH} characters`,
    );
  }
  if (body.expected !== undefined && typeof body.expected !== 'string') {
    throw invalid('expected', 'expected the expected answer as a string');
  }
  if (
    body.note !== undefined &&
    (typeof body.note !== 'string' || body.note.length > MAX_NOTE_LENGTH)
  ) {
    throw invalid('note', `expected a string of at most ${MAX_NOTE_LENGTH} characters`);
  }

  const line: { id: string } & Record<string, unknown> = {
    id: `ws-${randomUUID()}`,
    tags: [...new Set(['workspace', ...(tags as string[])])],
  };
  if (typeof body.expected === 'string' && body.expected.length > 0) line.expected = body.expected;
  if (typeof body.note === 'string' && body.note.length > 0) line.note = body.note;
  for (const [field, value] of Object.entries(request)) {
    if (!DROPPED_FIELDS.has(field) && !(field in line)) line[field] = value;
  }
  return line;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(param: string, expectation: string): SwitchyardError {
  return new SwitchyardError('invalid_request', `${param}: ${expectation}`, { param });
}
