import { type CheckRunner, lexicalDrift, tokenDistributionShift } from '../checks/index.js';
import { contentText } from '../core/chat-types.js';
import { createSeededRandom } from '../loadgen/index.js';
import type { MeasuredResponse } from './candidate-runner.js';
import type { EvalSlos } from './eval-config.js';
import type { CheckResult, TraceEntry } from './eval-types.js';
import type { DeterminismSummary, DiffRow } from './run-report.js';
import { NO_CHECKS, type SampleRow } from './sample-row.js';
import { createSampleTable, type SampleTable } from './sample-table.js';

/** Where a response belongs: which entry, candidate, repeat and sweep level. */
export interface SampleKey {
  entry: number;
  candidate: number;
  repeat: number;
  level: number;
}

/** What createSampleCollector needs. */
export interface SampleCollectorOptions {
  entries: readonly TraceEntry[];
  /** Slice labels of each entry, for diff rows. */
  slicesOf(entry: number): readonly string[];
  candidates: readonly string[];
  baselineIndex: number;
  repeats: number;
  checks: CheckRunner | null;
  slos: EvalSlos;
  /** Diff rows kept per candidate, largest drift first; default 100. */
  diffLimit?: number;
  /** Answer pairs sampled per candidate for the token-distribution shift; default 2,000. */
  tokenShiftSample?: number;
  signal?: AbortSignal;
}

/** Turns measured responses into rows, checks, drift, the diff and the determinism figures. */
export interface SampleCollector {
  /** Record one response. Checks run once every candidate and repeat of the entry has answered. */
  record(
    key: SampleKey,
    timing: { intendedAt: number; sentAt: number },
    measured: MeasuredResponse,
  ): void;
  /** Finish every entry, including those a stopped run left incomplete. */
  flush(): Promise<void>;
  /** Every settled response, as compact rows. */
  readonly table: SampleTable;
  /** Responses recorded so far that failed. */
  readonly errors: number;
  /** Largest drift first, then rows with failed checks, then one-sided failures. */
  diff(): DiffRow[];
  determinism(candidate: number): DeterminismSummary | null;
  tokenShift(candidate: number): number | null;
}

interface Slot {
  key: SampleKey;
  intendedAt: number;
  sentAt: number;
  measured: MeasuredResponse;
}

interface Group {
  entry: number;
  level: number;
  slots: Array<Slot | undefined>;
  filled: number;
}

interface DeterminismTally {
  judged: number;
  passRateSum: number;
  passedAll: number;
  spreadEntries: number;
  spreadSum: number;
}

const PROMPT_CHARS = 600;
const ANSWER_CHARS = 2_000;
const FAILED_CHECK_ROWS = 50;
const ONE_SIDED_ROWS = 20;

/**
 * Collect a run's responses with bounded memory.
 *
 * The responses to one entry (every candidate × repeat) are held together until the last one
 * arrives, because checks and drift compare each answer with the baseline's. Then the group is
 * settled: checks run, drift is measured, each response becomes a compact SampleRow, and the
 * texts are dropped, except those that make it into the bounded diff (the top `diffLimit` by
 * drift per candidate, plus a few failed-check and one-sided rows) and a fixed-size reservoir
 * sample for the token-distribution shift. Candidates share one schedule, so a group completes
 * within about one response time and only the in-flight entries' texts are ever held.
 */
export function createSampleCollector(options: SampleCollectorOptions): SampleCollector {
  const { entries, candidates, baselineIndex, repeats } = options;
  const diffLimit = options.diffLimit ?? 100;
  const sampleSize = options.tokenShiftSample ?? 2_000;
  const slotsPerGroup = candidates.length * repeats;
  const groups = new Map<number, Group>();
  const pending = new Set<Promise<void>>();
  const table = createSampleTable();
  let errors = 0;

  const topDrift = candidates.map(() => [] as DiffRow[]);
  const failedCheckRows = candidates.map(() => [] as DiffRow[]);
  const oneSidedRows = candidates.map(() => [] as DiffRow[]);
  const determinism = candidates.map(
    (): DeterminismTally => ({
      judged: 0,
      passRateSum: 0,
      passedAll: 0,
      spreadEntries: 0,
      spreadSum: 0,
    }),
  );
  const reservoirs = candidates.map(() => ({
    seen: 0,
    baseline: [] as string[],
    candidate: [] as string[],
  }));
  const random = createSeededRandom(0x5eed);

  function record(
    key: SampleKey,
    timing: { intendedAt: number; sentAt: number },
    measured: MeasuredResponse,
  ): void {
    if (measured.errorClass !== null) errors += 1;
    const groupKey = key.level * entries.length + key.entry;
    let group = groups.get(groupKey);
    if (!group) {
      group = { entry: key.entry, level: key.level, slots: new Array(slotsPerGroup), filled: 0 };
      groups.set(groupKey, group);
    }
    const index = key.candidate * repeats + key.repeat;
    if (group.slots[index] === undefined) group.filled += 1;
    group.slots[index] = { key, intendedAt: timing.intendedAt, sentAt: timing.sentAt, measured };
    if (group.filled === slotsPerGroup) {
      groups.delete(groupKey);
      track(settle(group));
    }
  }

  function track(promise: Promise<void>): void {
    pending.add(promise);
    void promise.finally(() => pending.delete(promise));
  }

  async function settle(group: Group): Promise<void> {
    const entry = entries[group.entry] as TraceEntry;
    const results = await Promise.all(
      group.slots.map(async (slot) => {
        if (!slot) return null;
        const baseline =
          group.slots[baselineIndex * repeats + slot.key.repeat] ??
          group.slots[baselineIndex * repeats];
        const baselineText = baseline?.measured.text ?? null;
        const checks = await runChecks(entry, slot.measured, baselineText);
        return { slot, checks, baselineText };
      }),
    );
    const passesByCandidate = candidates.map(() => [] as boolean[]);
    const textsByCandidate = candidates.map(() => [] as string[]);
    for (const result of results) {
      if (!result) continue;
      const { slot, checks, baselineText } = result;
      const { measured, key } = slot;
      const passed = checks.filter((check) => check.pass).map((check) => check.name);
      const failed = checks.filter((check) => !check.pass).map((check) => check.name);
      const isBaseline = key.candidate === baselineIndex;
      const drift =
        !isBaseline && measured.text !== null && baselineText !== null
          ? lexicalDrift(baselineText, measured.text)
          : null;
      const latencyMs = measured.serviceMs + Math.max(0, slot.sentAt - slot.intendedAt);
      const ttftMs =
        measured.ttftMs === null
          ? null
          : measured.ttftMs + Math.max(0, slot.sentAt - slot.intendedAt);
      const succeeded = measured.errorClass === null;
      const row: SampleRow = {
        entry: group.entry,
        candidate: key.candidate,
        repeat: key.repeat,
        level: group.level,
        intendedAt: slot.intendedAt,
        sentAt: slot.sentAt,
        latencyMs,
        serviceMs: measured.serviceMs,
        ttftMs,
        interTokenMs: measured.interTokenMs,
        tokensIn: measured.tokensIn,
        tokensOut: measured.tokensOut,
        outputTokensPerSecond: measured.outputTokensPerSecond,
        contextUse: measured.contextUse,
        costUsd: measured.costUsd,
        attempts: measured.attempts,
        errorClass: measured.errorClass,
        servedTarget: measured.servedTarget,
        passedChecks: passed.length === 0 ? NO_CHECKS : passed,
        failedChecks: failed.length === 0 ? NO_CHECKS : failed,
        drift,
        meetsSlo: succeeded && meetsSlos(latencyMs, ttftMs, failed.length === 0, options.slos),
        simulated: measured.simulated,
      };
      table.push(row);
      passesByCandidate[key.candidate]?.push(succeeded && failed.length === 0);
      if (measured.text !== null) textsByCandidate[key.candidate]?.push(measured.text);
      if (!isBaseline && key.repeat === 0 && group.level === 0) {
        keepForDiff(group.entry, key.candidate, baselineText, measured.text, drift, failed, checks);
        if (drift !== null && baselineText !== null && measured.text !== null) {
          sampleTexts(key.candidate, baselineText, measured.text);
        }
      }
    }
    if (repeats > 1) {
      for (let candidate = 0; candidate < candidates.length; candidate++) {
        tallyDeterminism(
          candidate,
          passesByCandidate[candidate] ?? [],
          textsByCandidate[candidate] ?? [],
        );
      }
    }
  }

  async function runChecks(
    entry: TraceEntry,
    measured: MeasuredResponse,
    baselineText: string | null,
  ): Promise<CheckResult[]> {
    if (!options.checks || measured.text === null) return [];
    return options.checks.run({
      entry,
      text: measured.text,
      toolArguments: measured.toolArguments,
      baselineText,
      signal: options.signal,
    });
  }

  function keepForDiff(
    entryIndex: number,
    candidate: number,
    baselineText: string | null,
    text: string | null,
    drift: number | null,
    failedChecks: string[],
    checks: CheckResult[],
  ): void {
    const make = (value: number): DiffRow => ({
      entryId: (entries[entryIndex] as TraceEntry).id,
      candidate: candidates[candidate] as string,
      slices: [...options.slicesOf(entryIndex)],
      prompt: truncate(promptOf(entries[entryIndex] as TraceEntry), PROMPT_CHARS),
      baselineText: baselineText === null ? null : truncate(baselineText, ANSWER_CHARS),
      candidateText: text === null ? null : truncate(text, ANSWER_CHARS),
      drift: value,
      failedChecks: failedChecks.map((name) => {
        const detail = checks.find((check) => check.name === name)?.detail;
        return detail ? `${name}: ${truncate(detail, 160)}` : name;
      }),
    });
    if (diffLimit === 0) return;
    if (drift !== null) {
      const top = topDrift[candidate] as DiffRow[];
      if (top.length < diffLimit) insertSorted(top, make(drift));
      else if (drift > (top[top.length - 1] as DiffRow).drift) {
        const dropped = top.pop() as DiffRow;
        insertSorted(top, make(drift));
        if (dropped.failedChecks.length > 0) keepFailed(candidate, dropped);
      } else if (failedChecks.length > 0) {
        keepFailed(candidate, make(drift));
      }
      return;
    }
    if ((baselineText === null) !== (text === null)) {
      const sided = oneSidedRows[candidate] as DiffRow[];
      if (sided.length < ONE_SIDED_ROWS) sided.push(make(1));
    }
  }

  function keepFailed(candidate: number, row: DiffRow): void {
    const failedRows = failedCheckRows[candidate] as DiffRow[];
    if (failedRows.length < FAILED_CHECK_ROWS) failedRows.push(row);
  }

  /** Reservoir sampling (Algorithm R): every answer pair is equally likely to be kept. */
  function sampleTexts(candidate: number, baselineText: string, text: string): void {
    const reservoir = reservoirs[candidate];
    if (!reservoir) return;
    reservoir.seen += 1;
    if (reservoir.baseline.length < sampleSize) {
      reservoir.baseline.push(baselineText);
      reservoir.candidate.push(text);
      return;
    }
    const slot = Math.floor(random.next() * reservoir.seen);
    if (slot < sampleSize) {
      reservoir.baseline[slot] = baselineText;
      reservoir.candidate[slot] = text;
    }
  }

  function tallyDeterminism(candidate: number, passes: boolean[], texts: string[]): void {
    const tally = determinism[candidate];
    if (!tally || passes.length === 0) return;
    let passed = 0;
    for (const pass of passes) if (pass) passed += 1;
    tally.judged += 1;
    tally.passRateSum += passed / passes.length;
    if (passed === passes.length) tally.passedAll += 1;
    if (texts.length >= 2) {
      let sum = 0;
      let pairs = 0;
      for (let i = 0; i < texts.length; i++) {
        for (let j = i + 1; j < texts.length; j++) {
          sum += lexicalDrift(texts[i] as string, texts[j] as string);
          pairs += 1;
        }
      }
      tally.spreadEntries += 1;
      tally.spreadSum += sum / pairs;
    }
  }

  return {
    record,
    async flush() {
      for (const [key, group] of groups) {
        groups.delete(key);
        track(settle(group));
      }
      while (pending.size > 0) await Promise.all([...pending]);
    },
    table,
    get errors() {
      return errors;
    },
    diff() {
      const seen = new Set<string>();
      const out: DiffRow[] = [];
      const add = (row: DiffRow) => {
        const id = `${row.candidate}\u0000${row.entryId}`;
        if (seen.has(id)) return;
        seen.add(id);
        out.push(row);
      };
      for (const list of [...topDrift, ...failedCheckRows, ...oneSidedRows])
        for (const row of list) add(row);
      return out.sort((a, b) => b.drift - a.drift || b.failedChecks.length - a.failedChecks.length);
    },
    determinism(candidate) {
      const tally = determinism[candidate];
      if (repeats < 2 || !tally || tally.judged === 0) return null;
      return {
        repeats,
        passRate: tally.passRateSum / tally.judged,
        passAll: tally.passedAll / tally.judged,
        spread: tally.spreadEntries === 0 ? 0 : tally.spreadSum / tally.spreadEntries,
      };
    },
    tokenShift(candidate) {
      const reservoir = reservoirs[candidate];
      if (candidate === baselineIndex || !reservoir || reservoir.seen === 0) return null;
      return tokenDistributionShift(reservoir.baseline, reservoir.candidate);
    },
  };
}

function meetsSlos(
  latencyMs: number,
  ttftMs: number | null,
  checksPassed: boolean,
  slos: EvalSlos,
): boolean {
  if (slos.latencyMs !== null && latencyMs > slos.latencyMs) return false;
  if (slos.ttftMs !== null && ttftMs !== null && ttftMs > slos.ttftMs) return false;
  if (slos.requireChecks && !checksPassed) return false;
  return true;
}

function insertSorted(rows: DiffRow[], row: DiffRow): void {
  let index = rows.length;
  while (index > 0 && (rows[index - 1] as DiffRow).drift < row.drift) index -= 1;
  rows.splice(index, 0, row);
}

/** The last user turn: what a reviewer needs to judge two answers. */
function promptOf(entry: TraceEntry): string {
  for (let index = entry.request.messages.length - 1; index >= 0; index--) {
    const message = entry.request.messages[index];
    if (message?.role === 'user') return contentText(message.content);
  }
  return contentText(entry.request.messages.at(-1)?.content ?? '');
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
