import { resolve } from 'node:path';
import { type EvalConfig, loadEvalConfig } from '../eval/eval-config.js';
import { EvalConfigError } from '../eval/eval-config-error.js';
import { type EvalProgress, runEval } from '../eval/run-eval.js';
import type { RunReport } from '../eval/run-report.js';
import { readTrace, TraceReadError, type TraceReadResult } from '../eval/trace/index.js';
import {
  createProgressReporter,
  type ProgressReporter,
  renderJson,
  renderTerminalSummary,
  writeReports,
} from '../report/index.js';
import { loadPolicyFile } from '../routing/policy/load-policy.js';
import { createSqliteRunStore } from '../store/sqlite-run-store.js';

/** Options of `switchyard eval`. */
export interface EvalCommandOptions {
  /** Print the JSON report on stdout instead of the summary. */
  json?: boolean;
  reportDir?: string;
  /** False with --no-store. */
  store?: boolean;
}

/** Exit codes of `switchyard eval`, for CI. */
export const EVAL_EXIT_CODES = {
  passed: 0,
  /** The run completed and at least one gate failed. */
  gateFailed: 1,
  /** Bad input (config, policy, trace): nothing was sent. */
  badInput: 2,
} as const;

/** How many skipped trace lines are listed one by one before the count. */
const SKIPPED_LINES_SHOWN = 20;

/**
 * `switchyard eval eval.yaml`: validate everything, replay the trace through the candidates with
 * a progress bar on a TTY, print the summary (or the JSON report with --json), write the report
 * files, store the run, and exit 0 when every gate passed, 1 when one failed, 2 on bad input.
 */
export async function evalCommand(file: string, options: EvalCommandOptions): Promise<void> {
  const prepared = await prepare(file, options);
  if (!prepared) return;
  const { config, trace } = prepared;

  const progress = createPhasedProgress(config, trace.entries.length);
  const controller = new AbortController();
  const onSignal = () => {
    process.stderr.write('\nswitchyard: stopping; reporting what was measured so far\n');
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  let report: RunReport;
  try {
    report = await runEval(config, {
      trace,
      signal: controller.signal,
      onProgress: (update) => progress.update(update),
    });
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
  }

  const paths = await writeReports(report, {
    dir: config.report.dir,
    formats: config.report.formats,
  });
  let stored: string | null = null;
  if (config.store.enabled && options.store !== false) stored = await storeRun(report, config);

  if (options.json) process.stdout.write(renderJson(report));
  else
    process.stdout.write(
      `${renderTerminalSummary(report, { color: process.stdout.isTTY === true })}\n`,
    );
  const notes: string[] = [];
  for (const [format, path] of Object.entries(paths))
    notes.push(`${format.toUpperCase()} report: ${path}`);
  if (stored)
    notes.push(`stored as run ${report.id} in ${stored} (switchyard runs, switchyard compare)`);
  if (report.trace.skipped.length > 0) {
    notes.push(
      `${report.trace.skipped.length} malformed trace line(s) were skipped (listed above and in the report)`,
    );
  }
  const failed = report.gates.filter((gate) => !gate.pass);
  if (failed.length > 0) {
    notes.push(`FAILED: ${failed.length} of ${report.gates.length} gate checks failed:`);
    for (const gate of failed) {
      const where = gate.slice ? ` on ${gate.slice}` : '';
      const value =
        gate.value === null ? (gate.note ?? 'no data') : `was ${formatValue(gate.value)}`;
      notes.push(`  ${gate.candidate}${where}: ${gate.gate} (${value})`);
    }
  } else if (report.gates.length > 0) {
    notes.push(`PASSED: all ${report.gates.length} gate checks`);
  }
  const out = options.json ? process.stderr : process.stdout;
  out.write(`${notes.join('\n')}\n`);
  process.exitCode = report.passed ? EVAL_EXIT_CODES.passed : EVAL_EXIT_CODES.gateFailed;
}

/** Load and check the config and read the trace; on bad input, explain and set exit code 2. */
async function prepare(
  file: string,
  options: EvalCommandOptions,
): Promise<{ config: EvalConfig; trace: TraceReadResult } | null> {
  let config: EvalConfig;
  let trace: TraceReadResult;
  try {
    config = await loadEvalConfig(file);
    if (options.reportDir) config.report.dir = resolve(options.reportDir);
    trace = await readTrace(config.tracePath);
  } catch (error) {
    if (error instanceof EvalConfigError || error instanceof TraceReadError) {
      process.stderr.write(`switchyard eval: ${error.message}\n`);
      process.exitCode = EVAL_EXIT_CODES.badInput;
      return null;
    }
    throw error;
  }
  reportSkipped(trace);
  return { config, trace };
}

function reportSkipped(trace: TraceReadResult): void {
  if (trace.skipped.length === 0) return;
  const lines = trace.skipped
    .slice(0, SKIPPED_LINES_SHOWN)
    .map((line) => `  line ${line.line}: ${line.reason}`);
  const more = trace.skipped.length - SKIPPED_LINES_SHOWN;
  if (more > 0) lines.push(`  … and ${more} more (all are listed in the report)`);
  process.stderr.write(
    `switchyard eval: skipping ${trace.skipped.length} malformed trace line(s), ${trace.entries.length} entries remain:\n${lines.join('\n')}\n`,
  );
}

/** One progress bar per phase (the run, then the what-if replay). */
function createPhasedProgress(config: EvalConfig, entries: number) {
  const copies = config.candidates.length * config.repeats;
  const levels = config.load.kind === 'sweep' ? config.load.levels.length : 1;
  let phase: EvalProgress['phase'] | null = null;
  let reporter: ProgressReporter | null = null;
  // A sweep runs the trace once per level, each counting from 0: carry the earlier levels over.
  let carried = 0;
  let lastDone = 0;
  return {
    update(update: EvalProgress) {
      if (update.phase !== phase) {
        reporter?.stop();
        phase = update.phase;
        carried = 0;
        lastDone = 0;
        const total = phase === 'run' ? entries * copies * levels : entries * 2;
        reporter = createProgressReporter({
          total,
          label: phase === 'run' ? config.name : 'what-if',
        });
      }
      if (update.done < lastDone) carried += lastDone;
      lastDone = update.done;
      reporter?.update({
        done: carried + update.done,
        errors: update.errors,
        ratePerSecond: update.ratePerSecond,
      });
    },
    stop() {
      reporter?.stop();
    },
  };
}

async function storeRun(report: RunReport, config: EvalConfig): Promise<string> {
  const path = config.store.path ?? (await loadPolicyFile(config.policyPath)).log.path;
  const store = createSqliteRunStore(path);
  try {
    await store.save(report);
  } finally {
    await store.close();
  }
  return path;
}

function formatValue(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1 ? value.toFixed(1) : String(Number(value.toPrecision(3)));
}
