import type { ReportTable } from '../../report/report-tables.js';
import { ScrollTable } from './scroll-table.js';

/**
 * A table built by src/report/report-tables.ts, drawn the way the HTML report draws it: the
 * first column is the row header, numbers right-aligned, tones as classes. Sharing the table
 * builders means a metric reads the same here, in the HTML report and in the terminal.
 */
export function ReportTableView({
  table,
  label,
  markFailedRows = false,
}: {
  table: ReportTable;
  label: string;
  markFailedRows?: boolean;
}) {
  return (
    <ScrollTable label={label}>
      <table>
        <thead>
          <tr>
            {table.head.map((heading, index) => (
              <th key={heading} scope="col" class={table.numeric[index] ? 'num' : undefined}>
                {heading}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, rowIndex) => (
            <tr
              key={rowIndex}
              class={markFailedRows && row[0]?.tone === 'bad' ? 'failed' : undefined}
            >
              {row.map((cell, index) => {
                const classes =
                  [table.numeric[index] ? 'num' : '', cell.tone ?? ''].filter(Boolean).join(' ') ||
                  undefined;
                return index === 0 ? (
                  <th key={index} scope="row" class={classes}>
                    {cell.text}
                  </th>
                ) : (
                  <td key={index} class={classes}>
                    {cell.text}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollTable>
  );
}
