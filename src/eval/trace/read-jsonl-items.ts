import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { TraceItem } from './trace-item.js';

/*
 * Line by line through readline, so a 100,000-line trace is never one string in memory: only the
 * current line is. Blank lines are not entries and are passed over without a report.
 */

/** The JSON value of each non-blank line, or why the line is not JSON. */
export async function* readJsonlItems(input: Readable): AsyncGenerator<TraceItem> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const raw of lines) {
    line += 1;
    const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (text.trim() === '') continue;
    try {
      yield { line, value: JSON.parse(text) as unknown };
    } catch (error) {
      yield { line, reason: `invalid JSON: ${(error as Error).message}` };
    }
  }
}
