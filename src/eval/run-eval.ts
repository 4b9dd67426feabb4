import { randomBytes } from 'node:crypto';
import { type CheckRunner, createCheckRunner } from '../checks/index.js';
import type { ChatRequest } from '../core/chat-types.js';
import {
  describeLoadModel,
  describeSweepLevel,
  formatLoadModel,
  type LoadModel,
  type LoadRunStats,
  runSweep,
  sweepLevelModel,
} from '../loadgen/index.js';
import { classifyRequest, countPromptTokens } from '../routing/classify/index.js';
import { loadPolicyFile, parsePolicyText } from '../routing/policy/load-policy.js';
import type { Policy } from '../routing/policy/policy-types.js';
import { type CandidateRunner, createCandidateRunner } from './candidate-runner.js';
import { capacityByLoad, capacityBySize } from './capacity-cliff.js';
import type { EvalConfig } from './eval-config.js';
import type { Candidate, TraceEntry } from './eval-types.js';
import { evaluateGates } from './evaluate-gates.js';
import { proposePolicy } from './propose-policy.js';
import { replayEntries } from './replay-entries.js';
import {
  type CandidateSummary,
  REPORT_SCHEMA_VERSION,
  type RunReport,
  type SliceSummary,
  type WhatIfRow,
} from './run-report.js';
import { createSampleCollector, type SampleCollector } from './sample-collector.js';
import type { SampleTable } from './sample-table.js';
import { detectSlices, lengthBucket } from './slices/index.js';
import { summarizeRows } from './summarize-rows.js';
import { readTrace, type TraceReadResult } from './trace/index.js';

/** Where a run is, for a progress bar. */
export interface EvalProgress {
  /** `run` for the candidates, `what-if` for the current-vs-proposed replay. */
  phase: 'run' | 'what-if';
  done: number;
  total: number;
  errors: number;
  inFlight: number;
  ratePerSecond: number;
  elapsedMs: number;
}

/** Options of runEval. */
export interface RunEvalOptions {
  onProgress?(progress: EvalProgress): void;
  /** Aborting stops sending; what was measured so far is reported. */
  signal?: AbortSignal;
  /** Clock for the report's timestamps and id. */
  now?: () => Date;
  /** Where api_key_env variables are read from; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** An already-read trace instead of config.tracePath (the demo, tests). */
  trace?: TraceReadResult;
}

const MONTH_SECONDS = 30 * 24 * 3600;

/**
 * Run an evaluation: replay the trace through every candidate under the configured load, check
 * every answer, and aggregate the RunReport (summaries, slices, gates, capacity cliff, diff, and
 * policy advice with its what-if when asked).
 *
 * Every candidate is driven through the production routing code (RoutingRuntime with
 * executeStream / executeCompletion), each with its own runtime, and all candidates share one
 * open-loop schedule: every copy of an entry is due at the same instant, so candidates are
 * compared under the same conditions, at the same moments of the trace's peaks.
 *
 * Input problems (unreadable trace, a policy that does not load, a check that does not compile)
 * throw before any request is sent.
 */
export async function runEval(
  config: EvalConfig,
  options: RunEvalOptions = {},
): Promise<RunReport> {
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  const started = now();
  const trace = options.trace ?? (await readTrace(config.tracePath));
  const entries = trace.entries;

  const mainPolicy = await loadPolicyFile(config.policyPath, env);
  const policies = new Map<string, Policy>([[config.policyPath, mainPolicy]]);
  for (const candidate of config.candidates) {
    if (candidate.kind === 'policy' && !policies.has(candidate.policyPath)) {
      policies.set(candidate.policyPath, await loadPolicyFile(candidate.policyPath, env));
    }
  }
  const policyOf = (candidate: Candidate): Policy =>
    candidate.kind === 'policy' ? (policies.get(candidate.policyPath) as Policy) : mainPolicy;

  // Judge targets come from the main policy; a runner per target is built on its first call.
  const judges = new Map<string, CandidateRunner>();
  const judge = (target: string, request: ChatRequest, signal: AbortSignal): Promise<string> => {
    if (!mainPolicy.targets.has(target)) {
      return Promise.reject(
        new Error(`judge target "${target}" is not a target of ${config.policyPath}`),
      );
    }
    let runner = judges.get(target);
    if (!runner) {
      runner = createCandidateRunner(
        { name: `judge:${target}`, kind: 'target', target },
        mainPolicy,
        {
          stream: false,
          env,
        },
      );
      judges.set(target, runner);
    }
    return runner.complete(target, request, signal);
  };
  let checks: CheckRunner | null = null;
  const hasEntryChecks = entries.some((entry) => entry.checks.length > 0);
  if (config.checks.length > 0 || hasEntryChecks)
    checks = createCheckRunner(config.checks, { judge });

  const info = describeEntries(entries, mainPolicy);
  const candidateNames = config.candidates.map((candidate) => candidate.name);
  const baselineIndex = Math.max(0, candidateNames.indexOf(config.baseline));
  const runners = config.candidates.map((candidate) =>
    createCandidateRunner(candidate, policyOf(candidate), { stream: config.stream, env }),
  );
  const deadline = performance.now() + config.maxDurationS * 1000;

  try {
    const collector = createSampleCollector({
      entries,
      slicesOf: (entry) => info.slices[entry] ?? [],
      candidates: candidateNames,
      baselineIndex,
      repeats: config.repeats,
      checks,
      slos: config.slos,
      signal: options.signal,
    });
    const load = await driveLoad(config.load, {
      entries,
      info,
      runners,
      collector,
      config,
      deadline,
      signal: options.signal,
      onProgress: (progress) => options.onProgress?.({ ...progress, phase: 'run' }),
    });
    await collector.flush();

    const monthlyRequests = projectMonthlyRequests(config, entries, load.achievedRps);
    const aggregate = aggregateRows(collector, {
      candidateNames,
      baselineIndex,
      durationMs: load.durationMs,
      monthlyRequests,
      info,
    });
    const gates = evaluateGates(config.gates, {
      candidates: candidateNames,
      baseline: config.baseline,
      summaries: aggregate.summaries,
      slices: aggregate.sliceSummaries,
    });

    const id = createRunId(started);
    let advice: RunReport['advice'] = null;
    if (config.advice.enabled) {
      advice = await proposePolicy({
        runName: config.name,
        runId: id,
        policy: mainPolicy,
        policyPath: config.policyPath,
        candidates: config.candidates,
        baseline: config.baseline,
        summaries: aggregate.summaries,
        slices: aggregate.sliceSummaries,
        gates: config.gates,
      });
      if (advice) {
        advice.whatIf = await runWhatIf(advice.yaml, {
          config,
          env,
          entries,
          info,
          deadline,
          monthlyRequests,
          signal: options.signal,
          onProgress: (progress) => options.onProgress?.({ ...progress, phase: 'what-if' }),
        });
      }
    }

    const sweep = config.load.kind === 'sweep' ? config.load : null;
    const report: RunReport = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      id,
      name: config.name,
      startedAt: started.toISOString(),
      finishedAt: now().toISOString(),
      simulated:
        runners.some((runner) => runner.simulated) ||
        [...aggregate.summaries.values()].some((summary) => summary.simulated),
      trace: {
        source: config.tracePath,
        entries: entries.length,
        skipped: trace.skipped.map((line) => ({ line: line.line, reason: line.reason })),
      },
      load: {
        model: formatLoadModel(config.load),
        description: describeLoadModel(config.load),
        intendedRps: load.intendedRps,
        achievedRps: load.achievedRps,
        maxLagMs: load.maxLagMs,
      },
      baseline: config.baseline,
      candidates: candidateNames.map((name) => aggregate.summaries.get(name) as CandidateSummary),
      slices: aggregate.sliceRows,
      gates,
      passed: gates.every((gate) => gate.pass),
      capacity: {
        bySize: capacityBySize(
          collector.table.rows(),
          candidateNames,
          (entry) => info.promptTokens[entry] ?? 0,
        ),
        byLoad: capacityByLoad(
          () => collector.table.rows(),
          candidateNames,
          sweep ? load.levelsRun.map((level) => describeSweepLevel(sweep.over, level)) : null,
        ),
      },
      diff: collector.diff(),
      advice,
    };
    return report;
  } finally {
    await Promise.all([...runners, ...judges.values()].map((runner) => runner.close()));
  }
}

/** Per-entry facts computed once: prompt size, intent and slice labels. */
export interface EntryInfo {
  promptTokens: number[];
  intents: string[];
  slices: string[][];
}

function describeEntries(entries: readonly TraceEntry[], policy: Policy): EntryInfo {
  const promptTokens: number[] = [];
  const intents: string[] = [];
  const slices: string[][] = [];
  // Most entries share a handful of slice sets: share the arrays, not one per entry.
  const shared = new Map<string, string[]>();
  for (const entry of entries) {
    const tokens = countPromptTokens(entry.request);
    const intent = entry.intent ?? classifyRequest(entry.request, {}, policy.classification).intent;
    const tags = new Set([...entry.tags, ...detectSlices(entry, { promptTokens: tokens })]);
    const labels = [
      ...[...tags].map((tag) => `tag:${tag}`),
      `intent:${intent}`,
      lengthBucket(tokens),
    ];
    const key = labels.join('\u0000');
    let labelSet = shared.get(key);
    if (!labelSet) {
      labelSet = labels;
      shared.set(key, labelSet);
    }
    promptTokens.push(tokens);
    intents.push(intent);
    slices.push(labelSet);
  }
  return { promptTokens, intents, slices };
}

interface DriveContext {
  entries: readonly TraceEntry[];
  info: EntryInfo;
  runners: CandidateRunner[];
  collector: SampleCollector;
  config: Pick<EvalConfig, 'repeats' | 'seed' | 'maxInFlight' | 'load'>;
  deadline: number;
  signal?: AbortSignal;
  onProgress?(progress: Omit<EvalProgress, 'phase'>): void;
}

interface DriveResult {
  stats: LoadRunStats[];
  durationMs: number;
  intendedRps: number | null;
  achievedRps: number;
  maxLagMs: number;
  /** Sweep levels that were run (the sweep stops at saturation). */
  levelsRun: number[];
}

/** Run the load model; a sweep runs the trace once per level until a level saturates. */
async function driveLoad(model: LoadModel, context: DriveContext): Promise<DriveResult> {
  const stats: LoadRunStats[] = [];
  const levelsRun: number[] = [];
  const run = async (levelModel: Exclude<LoadModel, { kind: 'sweep' }>, level: number) => {
    const result = await replayEntries({
      entries: context.entries,
      promptTokens: context.info.promptTokens,
      runners: context.runners,
      repeats: context.config.repeats,
      model: levelModel,
      level,
      seed: context.config.seed,
      maxInFlight: context.config.maxInFlight,
      maxDurationMs: Math.max(1, context.deadline - performance.now()),
      signal: context.signal,
      onResponse: (key, timing, measured) => context.collector.record(key, timing, measured),
      errors: () => context.collector.errors,
      onProgress: context.onProgress,
    });
    stats.push(result.stats);
    return result;
  };

  const copies = Math.max(1, context.runners.length * context.config.repeats);
  let intendedRps: number | null = null;
  if (model.kind === 'sweep') {
    await runSweep({
      levels: model.levels,
      stop: model.stop,
      signal: context.signal,
      runLevel: async (level, index) => {
        if (performance.now() >= context.deadline) return { errorRate: 1, p99Ms: Number.NaN };
        await run(sweepLevelModel(model, level), index);
        levelsRun.push(level);
        await context.collector.flush();
        return saturationOf(context.collector.table, index, context.runners.length);
      },
    });
  } else {
    const result = await run(model, 0);
    intendedRps = result.intendedRps;
  }
  return {
    stats,
    durationMs: stats.reduce((sum, stat) => sum + stat.durationMs, 0),
    intendedRps,
    // runLoad counts every copy; per candidate (and repeat) is what compares with intendedRps.
    achievedRps: Math.max(0, ...stats.map((stat) => stat.achievedRps)) / copies,
    maxLagMs: Math.max(0, ...stats.map((stat) => stat.maxLagMs)),
    levelsRun,
  };
}

/**
 * A sweep level's verdict for runSweep: the least saturated candidate's error rate and p99, so
 * the sweep goes on until every candidate has found its cliff.
 */
function saturationOf(
  table: SampleTable,
  level: number,
  candidates: number,
): { errorRate: number; p99Ms: number } {
  const latencies = Array.from({ length: candidates }, () => [] as number[]);
  const requests = new Array<number>(candidates).fill(0);
  for (const row of table.rows()) {
    if (row.level !== level) continue;
    requests[row.candidate] = (requests[row.candidate] ?? 0) + 1;
    if (row.errorClass === null) latencies[row.candidate]?.push(row.latencyMs);
  }
  let best: { errorRate: number; p99Ms: number } | null = null;
  for (let candidate = 0; candidate < candidates; candidate++) {
    const total = requests[candidate] ?? 0;
    if (total === 0) continue;
    const answered = (latencies[candidate] ?? []).sort((a, b) => a - b);
    const p99Ms =
      answered[Math.min(answered.length - 1, Math.ceil(answered.length * 0.99) - 1)] ?? Number.NaN;
    const errorRate = (total - answered.length) / total;
    if (
      !best ||
      errorRate < best.errorRate ||
      (errorRate === best.errorRate && p99Ms < best.p99Ms)
    ) {
      best = { errorRate, p99Ms };
    }
  }
  return best ?? { errorRate: 1, p99Ms: Number.NaN };
}

interface Aggregate {
  summaries: Map<string, CandidateSummary>;
  sliceSummaries: Map<string, Map<string, CandidateSummary>>;
  sliceRows: SliceSummary[];
}

function aggregateRows(
  collector: SampleCollector,
  context: {
    candidateNames: string[];
    baselineIndex: number;
    durationMs: number;
    monthlyRequests: number;
    info: EntryInfo;
  },
): Aggregate {
  const { candidateNames, baselineIndex, durationMs, monthlyRequests, info } = context;
  // Row indices, not rows: the table materializes each row only while it is read.
  const { table } = collector;
  const byCandidate = candidateNames.map(() => [] as number[]);
  const bySlice = new Map<string, number[][]>();
  let index = 0;
  for (const row of table.rows()) {
    byCandidate[row.candidate]?.push(index);
    for (const slice of info.slices[row.entry] ?? []) {
      let lists = bySlice.get(slice);
      if (!lists) {
        lists = candidateNames.map(() => []);
        bySlice.set(slice, lists);
      }
      lists[row.candidate]?.push(index);
    }
    index += 1;
  }
  const scaleOf = (candidate: number) => {
    const requests = byCandidate[candidate]?.length ?? 0;
    return requests === 0 ? 0 : monthlyRequests / requests;
  };
  const summarize = (
    rows: number[],
    candidate: number,
    baselineQuality: number | null,
    whole: boolean,
  ) =>
    summarizeRows(table.rows(rows), {
      candidate: candidateNames[candidate] as string,
      durationMs,
      monthlyScale: scaleOf(candidate),
      isBaseline: candidate === baselineIndex,
      baselineQuality,
      tokenShift: whole ? collector.tokenShift(candidate) : null,
      determinism: whole ? collector.determinism(candidate) : null,
      cdfPoints: whole ? 60 : 2,
    });

  const summaries = new Map<string, CandidateSummary>();
  const baselineSummary = summarize(byCandidate[baselineIndex] ?? [], baselineIndex, null, true);
  for (const [index, name] of candidateNames.entries()) {
    summaries.set(
      name,
      index === baselineIndex
        ? baselineSummary
        : summarize(byCandidate[index] ?? [], index, baselineSummary.qualityScore, true),
    );
  }

  const sliceSummaries = new Map<string, Map<string, CandidateSummary>>();
  const sliceRows: SliceSummary[] = [];
  for (const slice of [...bySlice.keys()].sort(compareSlices)) {
    const lists = bySlice.get(slice) as number[][];
    const perCandidate = new Map<string, CandidateSummary>();
    const baselineOfSlice = summarize(lists[baselineIndex] ?? [], baselineIndex, null, false);
    for (const [index, name] of candidateNames.entries()) {
      const rows = lists[index] ?? [];
      if (rows.length === 0) continue;
      const summary =
        index === baselineIndex
          ? baselineOfSlice
          : summarize(
              rows,
              index,
              baselineOfSlice.requests > 0 ? baselineOfSlice.qualityScore : null,
              false,
            );
      summary.latencyCdf = [];
      perCandidate.set(name, summary);
      sliceRows.push({
        slice,
        candidate: name,
        requests: summary.requests,
        errorRate: summary.errorRate,
        p50Ms: summary.latency.p50,
        p95Ms: summary.latency.p95,
        costPerSuccessUsd: summary.costPerSuccessUsd,
        qualityScore: summary.qualityScore,
      });
    }
    sliceSummaries.set(slice, perCandidate);
  }
  return { summaries, sliceSummaries, sliceRows };
}

/** intent: first, then tag:, then length:; alphabetical within a family. */
function compareSlices(a: string, b: string): number {
  const order = (slice: string) =>
    slice.startsWith('intent:') ? 0 : slice.startsWith('tag:') ? 1 : 2;
  return order(a) - order(b) || a.localeCompare(b);
}

/**
 * Requests per month for the cost projection: eval.yaml's monthly_requests; else the trace's own
 * rate (entries over the span of their timestamps); else the load model's rate (constant,
 * Poisson); else the rate the run achieved per candidate.
 */
function projectMonthlyRequests(
  config: EvalConfig,
  entries: readonly TraceEntry[],
  achievedRps: number,
): number {
  if (config.monthlyRequests !== null) return config.monthlyRequests;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  let stamped = 0;
  for (const entry of entries) {
    if (entry.ts === null) continue;
    stamped += 1;
    if (entry.ts < first) first = entry.ts;
    if (entry.ts > last) last = entry.ts;
  }
  if (stamped >= 2 && last > first)
    return ((stamped - 1) / ((last - first) / 1000)) * MONTH_SECONDS;
  const load = config.load;
  if (load.kind === 'constant' || load.kind === 'poisson') return load.rate * MONTH_SECONDS;
  return achievedRps * MONTH_SECONDS;
}

interface WhatIfContext {
  config: EvalConfig;
  env: NodeJS.ProcessEnv;
  entries: readonly TraceEntry[];
  info: EntryInfo;
  deadline: number;
  monthlyRequests: number;
  signal?: AbortSignal;
  onProgress?(progress: Omit<EvalProgress, 'phase'>): void;
}

/**
 * Replay the trace through the current policy and the proposed one, side by side on the same
 * schedule as the run (a sweep replays at its first level), and report before and after.
 */
async function runWhatIf(proposedYaml: string, context: WhatIfContext): Promise<WhatIfRow[]> {
  const { config, env } = context;
  const currentPath = config.advice.currentPolicyPath ?? config.policyPath;
  const current = await loadPolicyFile(currentPath, env);
  const proposed = parsePolicyText(proposedYaml, currentPath, env);
  const candidates: Candidate[] = [
    { name: 'current', kind: 'policy', policyPath: currentPath, route: 'auto' },
    { name: 'proposed', kind: 'policy', policyPath: '<proposed>', route: 'auto' },
  ];
  const runners = [
    createCandidateRunner(candidates[0] as Candidate, current, { stream: config.stream, env }),
    createCandidateRunner(candidates[1] as Candidate, proposed, { stream: config.stream, env }),
  ];
  try {
    const collector = createSampleCollector({
      entries: context.entries,
      slicesOf: () => [],
      candidates: ['current', 'proposed'],
      baselineIndex: 0,
      repeats: 1,
      checks: null,
      slos: config.slos,
      diffLimit: 0,
      tokenShiftSample: 0,
      signal: context.signal,
    });
    const model =
      config.load.kind === 'sweep'
        ? sweepLevelModel(config.load, config.load.levels[0] as number)
        : config.load;
    const load = await driveLoad(model, {
      entries: context.entries,
      info: context.info,
      runners,
      collector,
      config: { ...config, repeats: 1, load: model },
      deadline: context.deadline,
      signal: context.signal,
      onProgress: context.onProgress,
    });
    await collector.flush();
    const aggregate = aggregateRows(collector, {
      candidateNames: ['current', 'proposed'],
      baselineIndex: 0,
      durationMs: load.durationMs,
      monthlyRequests: context.monthlyRequests,
      info: { ...context.info, slices: [] },
    });
    return (['current', 'proposed'] as const).map((policy) => {
      const summary = aggregate.summaries.get(policy) as CandidateSummary;
      return {
        policy,
        p50Ms: summary.latency.p50,
        p95Ms: summary.latency.p95,
        errorRate: summary.errorRate,
        costPerSuccessUsd: summary.costPerSuccessUsd,
        monthlyCostUsd: summary.monthlyCostUsd,
      };
    });
  } finally {
    await Promise.all(runners.map((runner) => runner.close()));
  }
}

/** `20250115-120000-a1b2c3`: sortable by time, unique enough for prefixes. */
function createRunId(at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
