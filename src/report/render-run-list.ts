import picocolors from 'picocolors';
import type { RunListing } from '../eval/run-store.js';
import { drawTerminalTable } from './draw-terminal-table.js';
import { formatCount } from './format-values.js';

/** Options for renderRunList. */
export interface RunListRenderOptions {
  /** Colour with ANSI escapes; default false. */
  color?: boolean;
}

/** Stored runs as a terminal table, in the order given (the store lists newest first). */
export function renderRunList(rows: RunListing[], options: RunListRenderOptions = {}): string {
  if (rows.length === 0) return 'No stored runs.\n';
  const colors = picocolors.createColors(options.color ?? false);
  const table = drawTerminalTable(
    {
      head: ['id', 'name', 'started', 'baseline', 'candidates', 'requests', 'result'],
      numeric: [false, false, false, false, false, true, false],
      rows: rows.map((row) => [
        { text: row.id, tone: null },
        { text: row.name, tone: null },
        { text: row.startedAt, tone: null },
        { text: row.baseline, tone: null },
        { text: row.candidates.join(', '), tone: null },
        { text: formatCount(row.requests), tone: null },
        {
          text: `${row.passed ? 'PASS' : 'FAIL'}${row.simulated ? ' (simulated)' : ''}`,
          tone: row.passed ? 'good' : 'bad',
        },
      ]),
    },
    colors,
  );
  return `${table}\n`;
}
