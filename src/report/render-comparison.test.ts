import { describe, expect, it } from 'vitest';
import { toRunListing } from '../eval/run-store.js';
import { makeCandidateSummary, makeLatency, makeRunReport } from './__fixtures__/run-report.js';
import { renderComparison } from './render-comparison.js';
import { renderRunList } from './render-run-list.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point.
const ANSI = /\u001b\[[0-9;]*m/;

function rowOf(output: string, label: string, after: string): string {
  const start = output.indexOf(after);
  const line = output
    .slice(start)
    .split('\n')
    .find((candidate) => candidate.includes(`│ ${label} `));
  if (line === undefined) throw new Error(`no row ${label} after ${after}`);
  return line;
}

describe('renderComparison', () => {
  const a = makeRunReport({ id: 'run_a', name: 'before' });
  const b = makeRunReport({
    id: 'run_b',
    name: 'after',
    simulated: false,
    candidates: [
      makeCandidateSummary({
        candidate: 'small-precise',
        simulated: false,
        latency: makeLatency(90, { p95: 250, p99: 400 }),
        errorRate: 0.001,
        costPerSuccessUsd: 0.0005,
        qualityScore: 0.9,
      }),
      makeCandidateSummary({ candidate: 'new-target', simulated: false }),
    ],
  });

  it('shows the deltas of the key metrics for each candidate in both runs', () => {
    const output = renderComparison(a, b);
    expect(output).toContain('A: before (run_a)');
    expect(output).toContain('B: after (run_b)');
    // small-precise in A: p50 95, p95 220, p99 412, error 0.2%, cost $0.000431, quality 89.5%.
    expect(rowOf(output, 'p50 latency', 'small-precise')).toContain('-5.0 ms (-5.3%)');
    expect(rowOf(output, 'p95 latency', 'small-precise')).toContain('+30 ms (+13.6%)');
    expect(rowOf(output, 'p99 latency', 'small-precise')).toContain('-12 ms (-2.9%)');
    expect(rowOf(output, 'error rate', 'small-precise')).toContain('-0.1 pp');
    expect(rowOf(output, 'cost / success', 'small-precise')).toContain('+$0.0000690 (+16.0%)');
    expect(rowOf(output, 'quality score', 'small-precise')).toContain('+0.5 pp');
  });

  it('names candidates found in only one run', () => {
    const output = renderComparison(a, b);
    expect(output).toContain('Only in run A: big-decoder-v2, mid-balanced');
    expect(output).toContain('Only in run B: new-target');
    expect(output).not.toContain('│ big-decoder-v2');
  });

  it('labels a simulated side', () => {
    expect(renderComparison(a, b)).toContain('SIMULATED');
    expect(renderComparison(a, b)).toContain('(run A)');
    expect(renderComparison(b, b)).not.toContain('SIMULATED');
  });

  it('says so when no candidate is shared', () => {
    const other = makeRunReport({ candidates: [makeCandidateSummary({ candidate: 'x' })] });
    expect(renderComparison(a, other)).toContain('No candidate appears in both runs');
  });

  it('colours improvements and regressions only when asked', () => {
    expect(renderComparison(a, b)).not.toMatch(ANSI);
    expect(renderComparison(a, b, { color: true })).toMatch(ANSI);
  });
});

describe('renderRunList', () => {
  it('lists each run with its result and simulated label', () => {
    const output = renderRunList([
      toRunListing(makeRunReport({ id: 'run_new', name: 'routed', passed: true })),
      toRunListing(makeRunReport({ id: 'run_old', name: 'big-only', simulated: false })),
    ]);
    const lines = output.split('\n');
    const newRow = lines.find((line) => line.includes('run_new'));
    const oldRow = lines.find((line) => line.includes('run_old'));
    expect(newRow).toContain('PASS (simulated)');
    expect(newRow).toContain('6,000');
    expect(newRow).toContain('big-decoder-v2, small-precise, mid-balanced');
    expect(oldRow).toContain('FAIL');
    expect(oldRow).not.toContain('simulated');
    expect(lines.indexOf(newRow as string)).toBeLessThan(lines.indexOf(oldRow as string));
  });

  it('says when there are no runs', () => {
    expect(renderRunList([])).toBe('No stored runs.\n');
  });
});
