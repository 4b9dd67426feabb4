import {
  buildSchedule,
  type LoadRunStats,
  type OpenLoopModel,
  runLoad,
  type SendTiming,
} from '../loadgen/index.js';
import type { CandidateRunner, MeasuredResponse } from './candidate-runner.js';
import type { TraceEntry } from './eval-types.js';
import type { SampleKey } from './sample-collector.js';

/** What replayEntries needs. */
export interface ReplayOptions {
  entries: readonly TraceEntry[];
  /** Counted prompt tokens of each entry. */
  promptTokens: readonly number[];
  runners: readonly CandidateRunner[];
  repeats: number;
  model: OpenLoopModel;
  /** Sweep level index recorded on every response. */
  level: number;
  seed: number;
  maxInFlight: number;
  maxDurationMs: number;
  signal?: AbortSignal;
  onResponse(
    key: SampleKey,
    timing: { intendedAt: number; sentAt: number },
    measured: MeasuredResponse,
  ): void;
  /** Failed responses so far, for progress. */
  errors(): number;
  onProgress?(progress: {
    done: number;
    total: number;
    errors: number;
    inFlight: number;
    ratePerSecond: number;
    elapsedMs: number;
  }): void;
}

/**
 * Send every entry to every candidate (× repeats) on one schedule.
 *
 * The schedule is built once over the entries (replay, constant or Poisson arrivals, seeded),
 * and every copy of an entry, one per candidate and repeat, is due at that entry's instant: the
 * candidates see identical arrival patterns, peaks included, at the same moments. The copies then
 * go through runLoad as a replay at 1x of those instants, so the open-loop rules (no coordinated
 * omission, session turns in order) hold for each copy; sessions are kept apart per candidate
 * and repeat. A closed-loop `concurrency: N` model gives N workers per candidate and repeat.
 */
export async function replayEntries(
  options: ReplayOptions,
): Promise<{ stats: LoadRunStats; intendedRps: number | null }> {
  const { entries, runners, repeats, model } = options;
  const copies = runners.length * repeats;
  const items = Array.from({ length: entries.length * copies }, (_, index) => index);
  const locate = (item: number): SampleKey => {
    const entry = Math.floor(item / copies);
    const rest = item % copies;
    return {
      entry,
      candidate: Math.floor(rest / repeats),
      repeat: rest % repeats,
      level: options.level,
    };
  };

  let intendedRps: number | null = null;
  let itemModel: OpenLoopModel;
  let tsOf: (item: number) => number | null;
  if (model.kind === 'concurrency') {
    itemModel = { kind: 'concurrency', concurrency: model.concurrency * copies };
    tsOf = () => null;
  } else {
    const schedule = buildSchedule(entries, model, {
      tsOf: (entry) => entry.ts,
      seed: options.seed,
    });
    intendedRps = schedule.intendedRps;
    itemModel = { kind: 'replay', speed: 1 };
    tsOf = (item) => schedule.intendedAt[Math.floor(item / copies)] ?? 0;
  }

  const stats = await runLoad<number>({
    items,
    model: itemModel,
    seed: options.seed,
    maxDurationMs: options.maxDurationMs,
    maxInFlight: options.maxInFlight,
    signal: options.signal,
    tsOf,
    sessionOf: (item) => {
      const key = locate(item);
      const session = entries[key.entry]?.sessionId;
      return session ? `${key.candidate}/${key.repeat}/${session}` : null;
    },
    send: async (item: number, timing: SendTiming, signal: AbortSignal) => {
      const key = locate(item);
      const entry = entries[key.entry] as TraceEntry;
      const runner = runners[key.candidate] as CandidateRunner;
      const measured = await sendSafely(
        runner,
        entry,
        options.promptTokens[key.entry] ?? 0,
        signal,
      );
      options.onResponse(key, timing, measured);
    },
    onProgress: options.onProgress
      ? (progress) => options.onProgress?.({ ...progress, errors: options.errors() })
      : undefined,
  });
  return { stats, intendedRps };
}

/** The runner records upstream failures itself; anything it throws is a bug, counted as an error. */
async function sendSafely(
  runner: CandidateRunner,
  entry: TraceEntry,
  promptTokens: number,
  signal: AbortSignal,
): Promise<MeasuredResponse> {
  const startedAt = performance.now();
  try {
    return await runner.send(entry, promptTokens, signal);
  } catch {
    return {
      serviceMs: performance.now() - startedAt,
      ttftMs: null,
      interTokenMs: null,
      tokensIn: promptTokens,
      tokensOut: 0,
      outputTokensPerSecond: null,
      contextUse: null,
      costUsd: 0,
      attempts: 0,
      errorClass: 'server_error',
      servedTarget: null,
      text: null,
      toolArguments: [],
      simulated: runner.simulated,
    };
  }
}
