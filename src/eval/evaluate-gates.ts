import { compareGate, type GateSpec, readGateMetric } from './gate.js';
import type { CandidateSummary, GateResult } from './run-report.js';

/** The summaries gates are judged on. */
export interface GateSubjects {
  candidates: readonly string[];
  baseline: string;
  /** Whole-run summary per candidate. */
  summaries: ReadonlyMap<string, CandidateSummary>;
  /** Per slice (`intent:code`), per candidate. */
  slices: ReadonlyMap<string, ReadonlyMap<string, CandidateSummary>>;
}

/**
 * Judge every gate on every candidate it applies to, on the whole run or on its slice(s).
 *
 * - A gate without `candidates` applies to every candidate but the baseline (the question a gate
 *   answers is "may we move to this one?"), or to the baseline when it is the only candidate.
 * - `slice: intent:*` (or `tag:*`, `length:*`) expands to every slice of that family.
 * - A gate that cannot be evaluated (no requests in the slice, no checks for an accuracy gate)
 *   fails, with a note saying why: a CI gate must not pass for lack of evidence.
 */
export function evaluateGates(gates: readonly GateSpec[], subjects: GateSubjects): GateResult[] {
  const results: GateResult[] = [];
  const others = subjects.candidates.filter((name) => name !== subjects.baseline);
  const defaultTargets = others.length > 0 ? others : [subjects.baseline];
  for (const gate of gates) {
    const targets = gate.candidates ?? defaultTargets;
    for (const slice of expandSlices(gate.slice, subjects.slices)) {
      for (const candidate of targets) {
        const summary =
          slice === null
            ? subjects.summaries.get(candidate)
            : subjects.slices.get(slice)?.get(candidate);
        results.push(judge(gate, candidate, slice, summary));
      }
    }
  }
  return results;
}

/** Judge one gate on one summary. */
export function judgeGate(
  gate: GateSpec,
  summary: CandidateSummary | undefined,
): { value: number | null; pass: boolean; note: string | null } {
  if (!summary || summary.requests === 0) return { value: null, pass: false, note: 'no requests' };
  const value = readGateMetric(gate.metric, summary);
  if (value === null) {
    return {
      value: null,
      pass: false,
      note: `no data for ${gate.metric}${noDataHint(gate.metric)}`,
    };
  }
  return { value, pass: compareGate(value, gate.operator, gate.threshold), note: null };
}

function judge(
  gate: GateSpec,
  candidate: string,
  slice: string | null,
  summary: CandidateSummary | undefined,
): GateResult {
  const verdict = judgeGate(gate, summary);
  const note =
    verdict.note === 'no requests'
      ? slice === null
        ? `${candidate} answered no requests`
        : `no requests in slice ${slice}`
      : verdict.note;
  return { gate: gate.text, candidate, slice, value: verdict.value, pass: verdict.pass, note };
}

function expandSlices(
  slice: string | null,
  slices: ReadonlyMap<string, unknown>,
): Array<string | null> {
  if (slice === null) return [null];
  if (!slice.endsWith(':*')) return [slice];
  const prefix = slice.slice(0, -1);
  const matching = [...slices.keys()].filter((name) => name.startsWith(prefix)).sort();
  return matching.length > 0 ? matching : [slice];
}

function noDataHint(metric: string): string {
  if (metric === 'accuracy_delta' || metric === 'quality_score' || metric === 'accuracy') {
    return ' (no checks ran: configure checks, or entries with expected answers)';
  }
  if (metric.startsWith('check:')) return ' (that check never ran)';
  if (metric.includes('ttft')) return ' (no streamed answers: set stream: true)';
  if (metric.startsWith('determinism')) return ' (set repeats: 2 or more)';
  if (metric === 'cost_per_success_usd') return ' (no request succeeded)';
  if (metric === 'mean_drift' || metric === 'token_shift')
    return ' (no pair of answers to compare with the baseline)';
  return '';
}
