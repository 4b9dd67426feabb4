import type { Readable } from 'node:stream';
import { type CsvError, parse } from 'csv-parse';
import type { TraceItem } from './trace-item.js';

/** Columns a CSV suite may have; others are ignored. `prompt` or `messages` is required. */
export const CSV_COLUMNS = [
  'id',
  'prompt',
  'system',
  'messages',
  'expected',
  'context',
  'tags',
  'intent',
  'session_id',
  'user_id',
  'ts',
  'timestamp',
  'checks',
] as const;

const JSON_COLUMNS = new Set(['messages', 'checks']);
const KNOWN = new Set<string>(CSV_COLUMNS);

/**
 * Each data row of a CSV suite as a trace record object, or why the row is malformed. The header
 * row names the columns (case and spaces ignored); `messages` and `checks` cells hold JSON,
 * `tags` is `;`-separated, empty cells are absent. Line numbers are where the row starts, so a
 * quoted cell spanning lines still points at its row. Throws when the header has neither a
 * `prompt` nor a `messages` column.
 */
export async function* readCsvItems(input: Readable): AsyncGenerator<TraceItem> {
  const skipped: TraceItem[] = [];
  // Set by the header callback; an object so the narrowing of a local does not hide the update.
  const state: { headerProblem: string | null } = { headerProblem: null };
  const parser = parse({
    bom: true,
    columns: (header: string[]) => {
      const names = header.map((name) => name.trim().toLowerCase().replace(/\s+/g, '_'));
      if (!names.includes('prompt') && !names.includes('messages')) {
        state.headerProblem = `the CSV header needs a "prompt" or "messages" column; found ${names.map((name) => JSON.stringify(name)).join(', ')}`;
      }
      return names;
    },
    info: true,
    raw: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined) => {
      const line = typeof error?.lines === 'number' ? error.lines : 0;
      skipped.push({ line, reason: error?.message ?? 'malformed CSV row' });
      return undefined;
    },
  });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);

  for await (const item of parser as AsyncIterable<{
    record: Record<string, string>;
    raw: string;
    info: { lines: number };
  }>) {
    if (state.headerProblem !== null) throw new Error(state.headerProblem);
    yield* skipped.splice(0);
    // info.lines is where the row ends; count the row's own line breaks to find where it starts.
    const breaks = (item.raw.replace(/\r?\n$/, '').match(/\n/g) ?? []).length;
    yield rowToItem(item.record, item.info.lines - breaks);
  }
  if (state.headerProblem !== null) throw new Error(state.headerProblem);
  yield* skipped.splice(0);
}

function rowToItem(row: Record<string, string>, line: number): TraceItem {
  const record: Record<string, unknown> = {};
  for (const [column, cell] of Object.entries(row)) {
    if (!KNOWN.has(column) || cell.trim() === '') continue;
    if (JSON_COLUMNS.has(column)) {
      try {
        record[column] = JSON.parse(cell) as unknown;
      } catch (error) {
        return { line, reason: `${column}: invalid JSON: ${(error as Error).message}` };
      }
    } else {
      record[column] = cell;
    }
  }
  if (record.prompt === undefined && record.messages === undefined) {
    return { line, reason: 'the row has neither a prompt nor messages' };
  }
  return { line, value: record };
}
