import type {
  CandidateSummary,
  CapacityPoint,
  DiffRow,
  GateResult,
  PolicyAdvice,
  SliceSummary,
  WhatIfRow,
} from '../eval/run-report.js';
import {
  formatCount,
  formatMs,
  formatPercent,
  formatPointsDelta,
  formatRelativeChange,
  formatRps,
  formatScore,
  formatUsd,
  NOT_AVAILABLE,
} from './format-values.js';

/*
 * The terminal, Markdown and HTML reports show the same tables. Each table is built once here
 * as plain text cells (with a tone for colour), and each renderer only decides how to draw it,
 * so a metric cannot read one way in the terminal and another in the HTML.
 */

/** The banner every rendering of a simulated run carries. */
export const SIMULATED_NOTICE =
  'SIMULATED: these results come from simulated (sim) targets, not real models.';

/** How a cell should stand out: a passing or failing verdict, or de-emphasised text. */
export type CellTone = 'good' | 'bad' | 'muted';

/** One table cell: its text and an optional tone. */
export interface ReportCell {
  text: string;
  tone: CellTone | null;
}

/** A renderer-neutral table: header, rows, and which columns hold numbers (right-aligned). */
export interface ReportTable {
  head: string[];
  numeric: boolean[];
  rows: ReportCell[][];
}

function cell(text: string, tone: CellTone | null = null): ReportCell {
  return { text, tone };
}

/** A candidate's column header: its name, marked when it is the baseline or simulated (`sim`). */
export function candidateHeading(candidate: CandidateSummary, baseline: string): string {
  const marks: string[] = [];
  if (candidate.candidate === baseline) marks.push('baseline');
  if (candidate.simulated) marks.push('sim');
  return marks.length > 0 ? `${candidate.candidate} (${marks.join(', ')})` : candidate.candidate;
}

function deltaTone(value: number | null): CellTone | null {
  if (value === null || !Number.isFinite(value) || value === 0) return null;
  return value > 0 ? 'good' : 'bad';
}

interface SummaryMetric {
  label: string;
  value(candidate: CandidateSummary): ReportCell;
}

/** The headline metrics, in display order; latency is from the intended send time. */
const SUMMARY_METRICS: readonly SummaryMetric[] = [
  { label: 'requests', value: (c) => cell(formatCount(c.requests)) },
  { label: 'error rate', value: (c) => cell(formatPercent(c.errorRate)) },
  { label: 'p50 latency', value: (c) => cell(formatMs(c.latency.p50)) },
  { label: 'p95 latency', value: (c) => cell(formatMs(c.latency.p95)) },
  { label: 'p99 latency', value: (c) => cell(formatMs(c.latency.p99)) },
  { label: 'p99 service time', value: (c) => cell(formatMs(c.service.p99)) },
  { label: 'TTFT p95', value: (c) => cell(formatMs(c.ttft?.p95)) },
  { label: 'throughput', value: (c) => cell(formatRps(c.throughputRps)) },
  { label: 'goodput', value: (c) => cell(formatRps(c.goodputRps)) },
  { label: 'cost / success', value: (c) => cell(formatUsd(c.costPerSuccessUsd)) },
  { label: 'monthly cost', value: (c) => cell(formatUsd(c.monthlyCostUsd)) },
  { label: 'quality score', value: (c) => cell(formatPercent(c.qualityScore)) },
  {
    label: 'accuracy Δ vs baseline',
    value: (c) => cell(formatPointsDelta(c.accuracyDelta), deltaTone(c.accuracyDelta)),
  },
  { label: 'drift (lexical)', value: (c) => cell(formatScore(c.meanDrift)) },
  { label: 'token shift', value: (c) => cell(formatScore(c.tokenShift)) },
];

/** Metrics as rows, candidates as columns (baseline first when present). */
export function summaryTable(candidates: CandidateSummary[], baseline: string): ReportTable {
  return {
    head: ['metric', ...candidates.map((candidate) => candidateHeading(candidate, baseline))],
    numeric: [false, ...candidates.map(() => true)],
    rows: SUMMARY_METRICS.map((metric) => [
      cell(metric.label),
      ...candidates.map((candidate) => metric.value(candidate)),
    ]),
  };
}

/** The baseline first, then the others in report order. */
export function orderCandidates(
  candidates: CandidateSummary[],
  baseline: string,
): CandidateSummary[] {
  const first = candidates.filter((candidate) => candidate.candidate === baseline);
  return [...first, ...candidates.filter((candidate) => candidate.candidate !== baseline)];
}

/**
 * A gate value in the unit the gate was written in (`error_rate < 0.01` shows `0.0123`, not
 * `1.23%`), so the value reads directly against the threshold.
 */
export function formatGateValue(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return NOT_AVAILABLE;
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (value === 0) return '0';
  return Number(value.toPrecision(4)).toString();
}

/** Failed gates first (most prominent), then passes; report order within each. */
export function sortGates(gates: GateResult[]): GateResult[] {
  return [...gates.filter((gate) => !gate.pass), ...gates.filter((gate) => gate.pass)];
}

/** One row per gate verdict, failures first. */
export function gatesTable(gates: GateResult[]): ReportTable {
  return {
    head: ['result', 'gate', 'candidate', 'slice', 'value', 'note'],
    numeric: [false, false, false, false, true, false],
    rows: sortGates(gates).map((gate) => [
      cell(gate.pass ? 'PASS' : 'FAIL', gate.pass ? 'good' : 'bad'),
      cell(gate.gate),
      cell(gate.candidate),
      cell(gate.slice ?? 'all requests', gate.slice === null ? 'muted' : null),
      cell(formatGateValue(gate.value)),
      cell(gate.note ?? ''),
    ]),
  };
}

/** Counts of passed and failed gates. */
export function countGates(gates: GateResult[]): { passed: number; failed: number } {
  const failed = gates.filter((gate) => !gate.pass).length;
  return { passed: gates.length - failed, failed };
}

interface WhatIfMetric {
  label: string;
  value(row: WhatIfRow): number | null;
  format(value: number | null): string;
}

const WHAT_IF_METRICS: readonly WhatIfMetric[] = [
  { label: 'median latency', value: (row) => row.p50Ms, format: formatMs },
  { label: 'p95 latency', value: (row) => row.p95Ms, format: formatMs },
  { label: 'error rate', value: (row) => row.errorRate, format: formatPercent },
  { label: 'cost / success', value: (row) => row.costPerSuccessUsd, format: formatUsd },
  { label: 'monthly spend', value: (row) => row.monthlyCostUsd, format: formatUsd },
];

/**
 * Before (current policy) and after (proposed policy) side by side with the relative change;
 * every metric is lower-is-better, so a fall is toned good.
 */
export function whatIfTable(rows: WhatIfRow[]): ReportTable {
  const before = rows.find((row) => row.policy === 'current') ?? null;
  const after = rows.find((row) => row.policy === 'proposed') ?? null;
  return {
    head: ['metric', 'before (current policy)', 'after (proposed policy)', 'change'],
    numeric: [false, true, true, true],
    rows: WHAT_IF_METRICS.map((metric) => {
      const beforeValue = before === null ? null : metric.value(before);
      const afterValue = after === null ? null : metric.value(after);
      let tone: CellTone | null = null;
      if (beforeValue !== null && afterValue !== null && afterValue !== beforeValue) {
        tone = afterValue < beforeValue ? 'good' : 'bad';
      }
      return [
        cell(metric.label),
        cell(metric.format(beforeValue)),
        cell(metric.format(afterValue)),
        cell(formatRelativeChange(beforeValue, afterValue), tone),
      ];
    }),
  };
}

/** The proposed target per slice or intent, with fallbacks and the reason. */
export function adviceChoicesTable(choices: PolicyAdvice['choices']): ReportTable {
  return {
    head: ['slice', 'target', 'fallbacks', 'reason'],
    numeric: [false, false, false, false],
    rows: choices.map((choice) => [
      cell(choice.slice),
      cell(choice.target),
      cell(choice.fallbacks.length > 0 ? choice.fallbacks.join(' → ') : 'none'),
      cell(choice.reason),
    ]),
  };
}

/** Slices grouped together (first-appearance order), candidates in report order within each. */
export function groupSlices(
  slices: SliceSummary[],
  candidates: CandidateSummary[],
): SliceSummary[] {
  const candidateRank = new Map(candidates.map((candidate, index) => [candidate.candidate, index]));
  const sliceRank = new Map<string, number>();
  for (const slice of slices) {
    if (!sliceRank.has(slice.slice)) sliceRank.set(slice.slice, sliceRank.size);
  }
  return [...slices].sort(
    (left, right) =>
      (sliceRank.get(left.slice) ?? 0) - (sliceRank.get(right.slice) ?? 0) ||
      (candidateRank.get(left.candidate) ?? Number.MAX_SAFE_INTEGER) -
        (candidateRank.get(right.candidate) ?? Number.MAX_SAFE_INTEGER),
  );
}

/** One row per slice × candidate. */
export function slicesTable(slices: SliceSummary[], candidates: CandidateSummary[]): ReportTable {
  return {
    head: [
      'slice',
      'candidate',
      'requests',
      'error rate',
      'p50 latency',
      'p95 latency',
      'cost / success',
      'quality',
    ],
    numeric: [false, false, true, true, true, true, true, true],
    rows: groupSlices(slices, candidates).map((slice) => [
      cell(slice.slice),
      cell(slice.candidate),
      cell(formatCount(slice.requests)),
      cell(formatPercent(slice.errorRate)),
      cell(formatMs(slice.p50Ms)),
      cell(formatMs(slice.p95Ms)),
      cell(formatUsd(slice.costPerSuccessUsd)),
      cell(formatPercent(slice.qualityScore)),
    ]),
  };
}

/** Check pass rates per candidate; null when no candidate ran any check. */
export function checksTable(candidates: CandidateSummary[], baseline: string): ReportTable | null {
  const names: string[] = [];
  for (const candidate of candidates) {
    for (const name of Object.keys(candidate.checks)) if (!names.includes(name)) names.push(name);
  }
  if (names.length === 0) return null;
  return {
    head: ['check', ...candidates.map((candidate) => candidateHeading(candidate, baseline))],
    numeric: [false, ...candidates.map(() => true)],
    rows: names.map((name) => [
      cell(name),
      ...candidates.map((candidate) => {
        const tally = candidate.checks[name];
        if (tally === undefined) return cell(NOT_AVAILABLE, 'muted');
        return cell(
          `${formatPercent(tally.rate)} (${formatCount(tally.pass)}/${formatCount(tally.total)})`,
        );
      }),
    ]),
  };
}

/** Error counts by class per candidate (largest total first); null when nothing failed. */
export function errorBreakdownTable(
  candidates: CandidateSummary[],
  baseline: string,
): ReportTable | null {
  const totals = new Map<string, number>();
  for (const candidate of candidates) {
    for (const [errorClass, count] of Object.entries(candidate.errorsByClass)) {
      totals.set(errorClass, (totals.get(errorClass) ?? 0) + count);
    }
  }
  const classes = [...totals.entries()]
    .filter(([, total]) => total > 0)
    .sort((left, right) => right[1] - left[1] || left[0].localeCompare(right[0]))
    .map(([errorClass]) => errorClass);
  if (classes.length === 0) return null;
  const share = (count: number, requests: number): string =>
    requests > 0
      ? `${formatCount(count)} (${formatPercent(count / requests)})`
      : formatCount(count);
  return {
    head: ['error class', ...candidates.map((candidate) => candidateHeading(candidate, baseline))],
    numeric: [false, ...candidates.map(() => true)],
    rows: [
      ...classes.map((errorClass) => [
        cell(errorClass),
        ...candidates.map((candidate) => {
          const count = candidate.errorsByClass[errorClass] ?? 0;
          return count === 0 ? cell('0', 'muted') : cell(share(count, candidate.requests));
        }),
      ]),
      [
        cell('all errors'),
        ...candidates.map((candidate) =>
          cell(share(candidate.requests - candidate.successes, candidate.requests)),
        ),
      ],
    ],
  };
}

/** Error rate and p99 per level (load level or size bucket) and candidate. */
export function capacityTable(points: CapacityPoint[]): ReportTable {
  return {
    head: ['level', 'candidate', 'requests', 'error rate', 'p99 latency'],
    numeric: [false, false, true, true, true],
    rows: points.map((point) => [
      cell(point.level),
      cell(point.candidate),
      cell(formatCount(point.requests)),
      cell(formatPercent(point.errorRate)),
      cell(formatMs(point.p99Ms)),
    ]),
  };
}

/** Repeat stability per candidate; null when the run had no repeats. */
export function determinismTable(candidates: CandidateSummary[]): ReportTable | null {
  const rows = candidates.flatMap((candidate) => {
    const determinism = candidate.determinism;
    if (determinism === null) return [];
    return [
      [
        cell(candidate.candidate),
        cell(formatCount(determinism.repeats)),
        cell(formatPercent(determinism.passRate)),
        cell(formatPercent(determinism.passAll)),
        cell(formatScore(determinism.spread)),
      ],
    ];
  });
  if (rows.length === 0) return null;
  return {
    head: ['candidate', 'repeats', 'pass rate', 'pass^N', 'spread'],
    numeric: [false, true, true, true, true],
    rows,
  };
}

/** Largest drift first, whatever order the rows came in (the sort is stable). */
export function sortDiffRows(rows: DiffRow[]): DiffRow[] {
  return [...rows].sort((left, right) => right.drift - left.drift);
}
