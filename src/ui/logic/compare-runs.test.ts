import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../eval/run-report.js';
import { makeCandidateSummary, makeLatency } from '../../report/__fixtures__/run-report.js';
import { compareRuns, deltaTone } from './compare-runs.js';

function run(candidates: RunReport['candidates']): RunReport {
  return { candidates } as RunReport;
}

describe('run comparison', () => {
  it('reports the change from A to B per shared candidate and judges its direction', () => {
    const a = run([
      makeCandidateSummary({
        candidate: 'fast',
        latency: makeLatency(100, { p95: 200 }),
        errorRate: 0.02,
        qualityScore: 0.8,
      }),
      makeCandidateSummary({ candidate: 'gone' }),
    ]);
    const b = run([
      makeCandidateSummary({
        candidate: 'fast',
        latency: makeLatency(100, { p95: 300 }),
        errorRate: 0.01,
        qualityScore: 0.85,
      }),
      makeCandidateSummary({ candidate: 'new' }),
    ]);
    const comparison = compareRuns(a, b);
    expect(comparison.onlyInA).toEqual(['gone']);
    expect(comparison.onlyInB).toEqual(['new']);
    expect(comparison.candidates.map((entry) => entry.candidate)).toEqual(['fast']);
    const rows = new Map(comparison.candidates[0]?.rows.map((entry) => [entry.label, entry]));
    expect(rows.get('p95 latency')).toMatchObject({
      a: '200 ms',
      b: '300 ms',
      delta: '+100 ms (+50.0%)',
      tone: 'worse',
    });
    expect(rows.get('error rate')).toMatchObject({ delta: '-1.0 pp', tone: 'better' });
    expect(rows.get('quality score')).toMatchObject({ delta: '+5.0 pp', tone: 'better' });
    expect(rows.get('p50 latency')?.tone).toBeNull();
  });

  it('judges no direction for missing values or metrics without a better direction', () => {
    expect(deltaTone(null, 1, true)).toBeNull();
    expect(deltaTone(1, 2, null)).toBeNull();
    expect(deltaTone(2, 1, true)).toBe('better');
    expect(deltaTone(2, 1, false)).toBe('worse');
  });
});
