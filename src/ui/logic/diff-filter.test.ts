import { describe, expect, it } from 'vitest';
import type { DiffRow } from '../../eval/run-report.js';
import { diffFilterOptions, filterDiffRows, NO_DIFF_FILTER } from './diff-filter.js';

const row = (
  entryId: string,
  drift: number,
  slices: string[],
  failedChecks: string[],
  candidate = 'cand',
): DiffRow => ({
  entryId,
  candidate,
  slices,
  prompt: `prompt ${entryId}`,
  baselineText: 'a',
  candidateText: 'b',
  drift,
  failedChecks,
});

const ROWS = [
  row('r1', 0.1, ['intent:chat'], []),
  row('r2', 0.9, ['intent:code', 'tag:noisy'], ['json-contract']),
  row('r3', 0.5, ['intent:code'], ['reference', 'json-contract'], 'other'),
  row('r4', 0.7, ['intent:chat', 'tag:noisy'], []),
];

const ids = (rows: DiffRow[]) => rows.map((entry) => entry.entryId);

describe('diff filtering', () => {
  it('shows every row, largest drift first, without filters', () => {
    expect(ids(filterDiffRows(ROWS, NO_DIFF_FILTER))).toEqual(['r2', 'r4', 'r3', 'r1']);
  });

  it('filters by slice, by a named failed check, by any or no failed check, and by candidate', () => {
    expect(ids(filterDiffRows(ROWS, { ...NO_DIFF_FILTER, slice: 'tag:noisy' }))).toEqual([
      'r2',
      'r4',
    ]);
    expect(ids(filterDiffRows(ROWS, { ...NO_DIFF_FILTER, check: 'reference' }))).toEqual(['r3']);
    expect(ids(filterDiffRows(ROWS, { ...NO_DIFF_FILTER, check: 'any' }))).toEqual(['r2', 'r3']);
    expect(ids(filterDiffRows(ROWS, { ...NO_DIFF_FILTER, check: 'none' }))).toEqual(['r4', 'r1']);
    expect(
      ids(
        filterDiffRows(ROWS, { slice: 'intent:code', check: 'json-contract', candidate: 'other' }),
      ),
    ).toEqual(['r3']);
  });

  it('offers each slice and failed check once, sorted', () => {
    expect(diffFilterOptions(ROWS)).toEqual({
      slices: ['intent:chat', 'intent:code', 'tag:noisy'],
      checks: ['json-contract', 'reference'],
      candidates: ['cand', 'other'],
    });
  });
});
