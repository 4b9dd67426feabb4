import Table from 'cli-table3';
import type picocolors from 'picocolors';
import type { CellTone, ReportTable } from './report-tables.js';

/** A picocolors palette, enabled or not (`createColors(false)` makes every colour a no-op). */
export type TerminalColors = ReturnType<typeof picocolors.createColors>;

/**
 * Replaces control characters (ANSI escapes, carriage returns, newlines) in text that came from
 * a trace or a model, so it cannot move the cursor, recolour the terminal or break a table row.
 */
export function sanitizeTerminalText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

function tint(text: string, tone: CellTone | null, colors: TerminalColors): string {
  if (tone === 'good') return colors.green(text);
  if (tone === 'bad') return colors.bold(colors.red(text));
  if (tone === 'muted') return colors.dim(text);
  return text;
}

/**
 * Draws a ReportTable with cli-table3. Its own styles are cleared, so colour comes only from
 * picocolors and a colourless palette gives plain text (cli-table3 would otherwise colour
 * headers whenever its own detection says so).
 */
export function drawTerminalTable(table: ReportTable, colors: TerminalColors): string {
  const drawn = new Table({
    head: table.head.map((heading) => colors.bold(sanitizeTerminalText(heading))),
    colAligns: table.numeric.map((numeric) => (numeric ? 'right' : 'left')),
    style: { head: [], border: [], compact: true },
  });
  for (const row of table.rows) {
    drawn.push(row.map((value) => tint(sanitizeTerminalText(value.text), value.tone, colors)));
  }
  return drawn.toString();
}
