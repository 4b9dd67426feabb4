import { existsSync } from 'node:fs';
import path, { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import picocolors from 'picocolors';
import { loadEvalConfig } from '../eval/eval-config.js';
import { type EvalProgress, runEval } from '../eval/run-eval.js';
import type { CandidateSummary, RunReport } from '../eval/run-report.js';
import { readTrace } from '../eval/trace/index.js';
import { createProgressReporter, SIMULATED_NOTICE, writeReports } from '../report/index.js';
import { createSqliteRunStore } from '../store/index.js';

/** Options of `switchyard demo` (strings, as commander passes them). */
export interface DemoOptions {
  speed?: string;
  limit?: string;
  reportDir?: string;
}

/** What runDemo needs. */
export interface RunDemoOptions {
  /** Replay speed factor; 1 replays the recorded arrival times as they were. */
  speed?: number;
  /** Replay only the first N requests of the trace (tests, a quick look). */
  limit?: number;
  /** Where the HTML (and JSON) report goes. */
  reportDir: string;
  onProgress?(progress: EvalProgress): void;
}

/** The demo's outcome: the run, the report files written, and the volume spend is projected to. */
export interface DemoResult {
  report: RunReport;
  paths: Record<string, string>;
  monthlyRequests: number | null;
  /** The SQLite file the run was stored in (for `switchyard ui --db`). */
  databasePath: string;
}

/**
 * Replay the bundled trace (examples/demo/trace.jsonl) through the seeds' "before" config
 * (everything to the big model) and their "after" config (routed by intent and cost budget),
 * side by side on simulated targets, and write the HTML report. Everything it reports is
 * measured in this run; examples/demo/eval.yaml says what is replayed and how.
 */
export async function runDemo(options: RunDemoOptions): Promise<DemoResult> {
  const config = await loadEvalConfig(path.join(demoDirectory(), 'eval.yaml'), { env: {} });
  config.load = { kind: 'replay', speed: options.speed ?? 1 };
  config.report = { dir: options.reportDir, formats: ['html', 'json'] };
  config.store = { enabled: false, path: null };
  const databasePath = path.join(options.reportDir, 'demo.db');
  const trace = await readTrace(config.tracePath);
  if (options.limit !== undefined) trace.entries = trace.entries.slice(0, options.limit);
  // A slower replay takes longer: keep a minute of headroom past the last scheduled send.
  const stamps = trace.entries.flatMap((entry) => (entry.ts === null ? [] : [entry.ts]));
  const spanS = stamps.length > 1 ? (Math.max(...stamps) - Math.min(...stamps)) / 1000 : 0;
  config.maxDurationS = Math.max(config.maxDurationS, spanS / config.load.speed + 60);
  const report = await runEval(config, { trace, env: {}, onProgress: options.onProgress });
  const paths = await writeReports(report, config.report);
  // Stored next to the report so `switchyard ui --db` can browse the run in the Workspace.
  const runStore = createSqliteRunStore(databasePath);
  try {
    await runStore.save(report);
  } finally {
    await runStore.close();
  }
  return { report, paths, monthlyRequests: config.monthlyRequests, databasePath };
}

/** `switchyard demo`: run the before/after demo and print the table. */
export async function demoCommand(options: DemoOptions): Promise<void> {
  const speed = options.speed === undefined ? 1 : Number(String(options.speed).replace(/x$/i, ''));
  if (!Number.isFinite(speed) || speed <= 0)
    throw new Error(`--speed must be a positive factor such as 2 or 2x, got ${options.speed}`);
  const limit = options.limit === undefined ? undefined : Number(options.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new Error(`--limit must be a whole number ≥ 1, got ${options.limit}`);
  }
  const reportDir = resolve(options.reportDir ?? 'switchyard-report');
  const out = process.stdout;
  const colors = picocolors.createColors(out.isTTY === true);
  const banner = colors.bold(colors.black(colors.bgYellow(` ${SIMULATED_NOTICE} `)));

  out.write(`${banner}\n\n`);
  out.write(
    `${colors.bold('Switchyard demo: the seed\'s "everything to the big model" config vs "route by intent and cost budget"')}\n`,
  );
  out.write(
    `Replaying examples/demo/trace.jsonl${limit ? ` (first ${limit} requests)` : ''} at ${speed}x through both configs side by side, on simulated models: no keys, no network.\n`,
  );
  out.write(
    '  before: examples/demo/before.yaml  everything to big-decoder-v2 (limited capacity), no fallback\n',
  );
  out.write(
    '  after:  examples/demo/after.yaml   small-precise by default; complex_synthesis and long prompts to big-decoder-v2\n\n',
  );

  let reporter: ReturnType<typeof createProgressReporter> | null = null;
  const { report, paths, monthlyRequests, databasePath } = await runDemo({
    speed,
    limit,
    reportDir,
    onProgress: (progress) => {
      reporter ??= createProgressReporter({ total: progress.total, label: 'demo' });
      reporter.update(progress);
    },
  }).finally(() => reporter?.stop());

  out.write(`\n${renderDemoTable(report, colors)}\n`);
  const before = report.candidates.find((candidate) => candidate.candidate === 'before');
  if (before) out.write(`${describeFailures(before)}\n`);
  const cliff = report.capacity.byLoad.filter((point) => point.candidate === 'before');
  if (cliff.length > 1) {
    const steps = cliff.map(
      (point) =>
        `${point.level}: ${(point.errorRate * 100).toFixed(1)}% errors, p99 ${formatCount(Math.round(point.p99Ms))} ms`,
    );
    out.write(`Capacity cliff of "before" by offered load: ${steps.join('; ')}\n`);
  }
  if (monthlyRequests !== null) {
    out.write(
      `\nMonthly spend: the run's cost per request × ${formatCount(monthlyRequests)} requests a month (monthly_requests in examples/demo/eval.yaml).\n`,
    );
  }
  out.write(`HTML report: ${paths.html ?? '(not written)'}\n`);
  out.write(
    `Browse the run in the Workspace: npx switchyard ui --db ${path.relative(process.cwd(), databasePath) || databasePath}\n`,
  );
  out.write(
    'Next: `switchyard eval examples/demo/eval.yaml` runs the same comparison with gates; edit it to try your own configs.\n',
  );
}

/** The before/after table: median, p95, error rate, cost per success and monthly spend. */
export function renderDemoTable(
  report: RunReport,
  colors = picocolors.createColors(false),
): string {
  const table = new Table({
    head: ['SIMULATED', 'median', 'p95', 'error rate', 'cost / success', 'monthly spend'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [], compact: true },
  });
  for (const name of ['before', 'after']) {
    const summary = report.candidates.find((candidate) => candidate.candidate === name);
    if (!summary) continue;
    table.push([
      colors.bold(name),
      `${formatCount(Math.round(summary.latency.p50))} ms`,
      `${formatCount(Math.round(summary.latency.p95))} ms`,
      `${(summary.errorRate * 100).toFixed(2)}%`,
      summary.costPerSuccessUsd === null ? 'n/a' : `$${summary.costPerSuccessUsd.toFixed(4)}`,
      `$${formatCount(Math.round(summary.monthlyCostUsd))}`,
    ]);
  }
  return `${colors.bold('Before / after on the same trace and schedule (SIMULATED)')}\n${table.toString()}`;
}

function describeFailures(summary: CandidateSummary): string {
  const classes = Object.entries(summary.errorsByClass).sort((a, b) => b[1] - a[1]);
  const failures =
    classes.length === 0
      ? 'no failed requests'
      : `${classes.map(([name, count]) => `${count} ${name}`).join(', ')}`;
  return `"before" under the peaks: ${failures}; slowest answer ${formatCount(Math.round(summary.latency.max))} ms (p99 ${formatCount(Math.round(summary.latency.p99))} ms).`;
}

function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** examples/demo, found by walking up from this module (src/ and dist/ sit at different depths). */
function demoDirectory(): string {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth++) {
    const candidate = path.join(directory, 'examples', 'demo');
    if (existsSync(path.join(candidate, 'eval.yaml'))) return candidate;
    const parent = path.dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  throw new Error('examples/demo/eval.yaml not found next to the switchyard package');
}
