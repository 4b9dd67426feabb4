import type { RunReport } from '../../eval/run-report.js';
import {
  type ChangeDirection,
  COMPARED_METRICS,
  changeDirection,
} from '../../report/compared-metrics.js';

/*
 * Run A against run B for the compare page: per candidate present in both runs, each key metric
 * in both runs and the change from A to B, with a verdict on whether B is better. The metrics
 * and delta wording are `switchyard compare`'s own (src/report/compared-metrics.ts), so the page
 * and the terminal say the same thing.
 */

/** Whether a change is an improvement, a regression, or neither. */
export type DeltaTone = ChangeDirection;

/** One metric of one candidate in both runs. */
export interface CompareRow {
  label: string;
  a: string;
  b: string;
  /** The change from A to B, e.g. `+12 ms (+10.0%)` or `+1.5 pp`. */
  delta: string;
  tone: DeltaTone;
}

/** One candidate present in both runs. */
export interface CandidateComparison {
  candidate: string;
  simulated: boolean;
  rows: CompareRow[];
}

/** Everything the compare page shows. */
export interface RunComparison {
  candidates: CandidateComparison[];
  onlyInA: string[];
  onlyInB: string[];
}

/** Better, worse or neither, given which direction is better (shared with the terminal). */
export const deltaTone = changeDirection;

/** Compares two runs candidate by candidate (run A's candidate order). */
export function compareRuns(a: RunReport, b: RunReport): RunComparison {
  const inB = new Map(b.candidates.map((candidate) => [candidate.candidate, candidate]));
  const inA = new Set(a.candidates.map((candidate) => candidate.candidate));
  const candidates: CandidateComparison[] = [];
  for (const before of a.candidates) {
    const after = inB.get(before.candidate);
    if (after === undefined) continue;
    candidates.push({
      candidate: before.candidate,
      simulated: before.simulated || after.simulated,
      rows: COMPARED_METRICS.map((metric) => {
        const beforeValue = metric.value(before);
        const afterValue = metric.value(after);
        return {
          label: metric.label,
          a: metric.format(beforeValue),
          b: metric.format(afterValue),
          delta: metric.delta(beforeValue, afterValue),
          tone: changeDirection(beforeValue, afterValue, metric.lowerIsBetter),
        };
      }),
    });
  }
  return {
    candidates,
    onlyInA: a.candidates.filter((c) => !inB.has(c.candidate)).map((c) => c.candidate),
    onlyInB: b.candidates.filter((c) => !inA.has(c.candidate)).map((c) => c.candidate),
  };
}
