import { type FileHandle, open } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import type { SkippedLine, TraceEntry } from '../eval-types.js';
import { normalizeTraceRecord } from './normalize-trace-record.js';
import { readCsvItems } from './read-csv-items.js';
import { readJsonlItems } from './read-jsonl-items.js';
import { readYamlItems } from './read-yaml-items.js';
import type { TraceItem } from './trace-item.js';
import { TraceReadError } from './trace-read-error.js';

/** The file formats readTrace understands. */
export type TraceFormat = 'jsonl' | 'csv' | 'yaml';

/** What a trace file held: the entries to replay and the lines that were skipped, with why. */
export interface TraceReadResult {
  entries: TraceEntry[];
  skipped: SkippedLine[];
}

/*
 * YAML is parsed whole (curated suites are small, and line numbers need the document); JSONL and
 * CSV are streamed. A suite with more than this is not a curated suite and should be JSONL.
 */
const MAX_YAML_BYTES = 64 * 1024 * 1024;

/**
 * Read a trace or curated suite. The format follows the extension unless `options.format` says:
 * `.csv` is a CSV suite, `.yaml`/`.yml` a YAML suite, `.json` a JSON suite when it starts with
 * `[` or `{"cases"` (read by the YAML reader) and JSONL otherwise, and anything else is JSONL.
 *
 * A malformed line or row is skipped and reported in `skipped` with its 1-based line number and
 * the reason. Ids are unique: a repeated id becomes `<id>@line-<n>`. Throws TraceReadError when
 * the file cannot be read or parsed as a whole, or when it holds no valid entry.
 */
export async function readTrace(
  path: string,
  options?: { format?: TraceFormat },
): Promise<TraceReadResult> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new TraceReadError(path, `cannot read the file (${describeIoError(error)})`, {
      cause: error,
    });
  }
  let stream: Readable | null = null;
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new TraceReadError(path, 'cannot read the file (not a file)');
    const format = options?.format ?? (await detectFormat(path, handle));
    if (format !== 'yaml') {
      // autoClose off: the handle is closed once, below, whatever happens to the stream.
      stream = handle.createReadStream({ encoding: 'utf8', autoClose: false, start: 0 });
    }
    const items = await openItems(path, handle, format, stats.size, stream);
    const result = await collect(items, path);
    if (result.entries.length === 0) {
      throw new TraceReadError(path, describeEmpty(result.skipped));
    }
    return result;
  } finally {
    stream?.destroy();
    await handle.close().catch(() => undefined);
  }
}

async function openItems(
  path: string,
  handle: FileHandle,
  format: TraceFormat,
  size: number,
  stream: Readable | null,
): Promise<AsyncIterable<TraceItem> | Iterable<TraceItem>> {
  if (format === 'yaml') {
    if (size > MAX_YAML_BYTES) {
      throw new TraceReadError(path, 'a YAML suite this large should be JSONL (one case per line)');
    }
    const text = await handle.readFile({ encoding: 'utf8' });
    try {
      return readYamlItems(text);
    } catch (error) {
      throw new TraceReadError(path, (error as Error).message, { cause: error });
    }
  }
  if (stream === null) throw new Error('a stream is needed for JSONL and CSV');
  return format === 'csv' ? readCsvItems(stream) : readJsonlItems(stream);
}

async function collect(
  items: AsyncIterable<TraceItem> | Iterable<TraceItem>,
  path: string,
): Promise<TraceReadResult> {
  const entries: TraceEntry[] = [];
  const skipped: SkippedLine[] = [];
  const ids = new Set<string>();
  try {
    for await (const item of items) {
      if ('reason' in item) {
        skipped.push({ line: item.line, reason: item.reason });
        continue;
      }
      let entry: TraceEntry;
      try {
        entry = normalizeTraceRecord(item.value, item.line);
      } catch (error) {
        skipped.push({ line: item.line, reason: (error as Error).message });
        continue;
      }
      if (ids.has(entry.id)) entry.id = `${entry.id}@line-${entry.line}`;
      ids.add(entry.id);
      entries.push(entry);
    }
  } catch (error) {
    if (error instanceof TraceReadError) throw error;
    const reason = (error as NodeJS.ErrnoException).code
      ? `cannot read the file (${describeIoError(error)})`
      : (error as Error).message;
    throw new TraceReadError(path, reason, { cause: error });
  }
  skipped.sort((a, b) => a.line - b.line);
  return { entries, skipped };
}

async function detectFormat(path: string, handle: FileHandle): Promise<TraceFormat> {
  const extension = extname(path).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.yaml' || extension === '.yml') return 'yaml';
  if (extension !== '.json') return 'jsonl';
  // A .json file may be JSONL under another name, or a JSON array / `{ "cases": [...] }` suite.
  const buffer = Buffer.alloc(64);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
  const start = buffer
    .toString('utf8', 0, bytesRead)
    .replace(/^\uFEFF/, '')
    .trimStart();
  return start.startsWith('[') || /^\{\s*"cases"/.test(start) ? 'yaml' : 'jsonl';
}

function describeEmpty(skipped: SkippedLine[]): string {
  if (skipped.length === 0) return 'no entries (the file is empty)';
  const shown = skipped
    .slice(0, 3)
    .map((line) => `line ${line.line}: ${line.reason}`)
    .join('; ');
  const more = skipped.length > 3 ? `; and ${skipped.length - 3} more` : '';
  return `no valid entries; ${skipped.length} skipped (${shown}${more})`;
}

function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
