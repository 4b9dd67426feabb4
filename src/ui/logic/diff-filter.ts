import type { DiffRow } from '../../eval/run-report.js';
import { sortDiffRows } from '../../report/report-tables.js';

/*
 * The run page's diff view filters: the same choices the HTML report's diff offers (slice,
 * failed check, candidate), applied to rows sorted by drift, largest first.
 */

/** Which diff rows to show; empty strings mean "all". */
export interface DiffFilter {
  slice: string;
  /** `''` any outcome, `any` some check failed, `none` no check failed, or a check's name. */
  check: string;
  candidate: string;
}

/** Show every row. */
export const NO_DIFF_FILTER: DiffFilter = { slice: '', check: '', candidate: '' };

/** The values each filter control offers, sorted; candidates in first-seen order. */
export function diffFilterOptions(rows: readonly DiffRow[]): {
  slices: string[];
  checks: string[];
  candidates: string[];
} {
  return {
    slices: [...new Set(rows.flatMap((row) => row.slices))].sort(),
    checks: [...new Set(rows.flatMap((row) => row.failedChecks))].sort(),
    candidates: [...new Set(rows.map((row) => row.candidate))],
  };
}

function matchesCheck(row: DiffRow, check: string): boolean {
  if (check === '') return true;
  if (check === 'any') return row.failedChecks.length > 0;
  if (check === 'none') return row.failedChecks.length === 0;
  return row.failedChecks.includes(check);
}

/** The rows that match every set filter, largest drift first. */
export function filterDiffRows(rows: readonly DiffRow[], filter: DiffFilter): DiffRow[] {
  return sortDiffRows(
    rows.filter(
      (row) =>
        (filter.slice === '' || row.slices.includes(filter.slice)) &&
        (filter.candidate === '' || row.candidate === filter.candidate) &&
        matchesCheck(row, filter.check),
    ),
  );
}
