import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createInstantUpstream } from './instant-upstream.js';
import { canPin } from './loadgen-support.js';
import {
  benchRequestBody,
  type OpenLoopResult,
  runOpenLoop,
  runPairedOpenLoop,
} from './open-loop.js';
import type { ServerStats } from './report-stats-on-signal.js';

/*
 * The benchmark orchestrator. Process layout on a 2-core machine:
 *
 *   core 1: this process = the load generator + the instant upstream, one event loop
 *   core 0: the gateway (or the bare hop), a child process started under `taskset -c 0`
 *
 * Generator and upstream share one event loop on purpose: the generator polls with setImmediate
 * for sub-millisecond send accuracy, and polling in a separate process on the same core would
 * steal the upstream's time slices. In one loop every poll also serves the upstream's sockets.
 * The work this process does per request is the same whichever path is measured (one client
 * exchange, one upstream exchange), so subtracting the direct path is fair.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const CLOCK_TICKS_PER_SECOND = 100;
const CHILD_START_TIMEOUT_MS = 30_000;
const CHILD_STOP_TIMEOUT_MS = 15_000;

interface Settings {
  rate: number;
  /** Measured seconds per scenario at the base rate. */
  durationSeconds: number;
  /** Measured seconds per throughput step. */
  stepSeconds: number;
  warmupSeconds: number;
  steps: number[];
  soak: boolean;
  soakRequests: number;
  soakRate: number;
  soakWarmupRequests: number;
  pin: boolean;
  profile: boolean;
  jsonPath: string | null;
  quick: boolean;
  /** Parts to run: json (1k non-streaming), stream (1k streaming), steps (throughput), soak. */
  parts: Set<string>;
  /** False runs the gateway without its request log (experiments: what logging costs). */
  requestLog: boolean;
  /** Overrides the policy's log.batch_size (experiments). */
  logBatchSize: string | null;
  /** Extra node flags for the gateway process, e.g. `--max-semi-space-size=64` (experiments). */
  gatewayNodeFlags: string[];
  /**
   * Node flags of both servers (gateway and bare hop) as docs/deploy.md says to run a pinned
   * process: `--v8-pool-size=0`. Empty with --v8-default-pool (node's default pool of 4 threads).
   */
  serverNodeFlags: string[];
  /** The 1k scenarios send each path together with the direct path (see runScenario). */
  paired: boolean;
}

function readSettings(): Settings {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      soak: { type: 'boolean', default: false },
      duration: { type: 'string' },
      rate: { type: 'string', default: '1000' },
      steps: { type: 'string' },
      'soak-requests': { type: 'string', default: '500000' },
      'soak-rate': { type: 'string', default: '2000' },
      'no-pin': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      json: { type: 'string' },
      only: { type: 'string', default: 'json,stream,steps' },
      'log-batch-size': { type: 'string' },
      'no-request-log': { type: 'boolean', default: false },
      'gateway-node-flags': { type: 'string', default: '' },
      'v8-default-pool': { type: 'boolean', default: false },
      sequential: { type: 'boolean', default: false },
    },
  });
  const quick = values.quick;
  // A minute per 1,000 req/s window: its p99 then counts the gateway's periodic pauses (a
  // mark-compact comes every 30-100 s at that rate) at their real frequency instead of by the
  // luck of whether one lands in a short window; the table also gives the worst 10 s slice.
  const durationSeconds = Number(values.duration ?? (quick ? 3 : 60));
  const defaultSteps = quick ? '2000,4000' : '1000,2000,3000,4000,5000,6000,7000,8000';
  const steps = (values.steps ?? defaultSteps)
    .split(',')
    .map(Number)
    .filter((rate) => Number.isFinite(rate) && rate > 0)
    .slice(0, 20);
  const pin = !values['no-pin'] && cpus().length >= 2 && canPin();
  return {
    rate: Number(values.rate),
    durationSeconds,
    stepSeconds: quick ? 2 : 5,
    warmupSeconds: quick ? 1 : 3,
    steps,
    soak: values.soak,
    soakRequests: Number(values['soak-requests']),
    soakRate: Number(values['soak-rate']),
    soakWarmupRequests: 50_000,
    pin,
    profile: values.profile,
    jsonPath: values.json ?? null,
    quick,
    parts: new Set(values.only.split(',')),
    logBatchSize: values['log-batch-size'] ?? null,
    requestLog: !values['no-request-log'],
    gatewayNodeFlags: values['gateway-node-flags'].split(' ').filter((flag) => flag !== ''),
    serverNodeFlags: values['v8-default-pool'] ? [] : ['--v8-pool-size=0'],
    paired: !values.sequential,
  };
}

/** A benchmarked server running in a child process. */
interface Child {
  name: string;
  pid: number;
  baseUrl: string;
  process: ChildProcess;
  /** Lines the child printed after "ready", parsed as JSON where possible. */
  events: unknown[];
  /** Called with every later line; used to wait for a reply to SIGUSR2. */
  listeners: Set<(event: unknown) => void>;
}

/** What a child reports on SIGUSR2 (see report-stats-on-signal.ts). */
type ChildStats = ServerStats;

/**
 * Time the hypervisor ran something else while core `cpu` wanted to run us (the steal column of
 * /proc/stat), in ms; NaN where the kernel does not report it. USER_HZ is 100: 10 ms steps.
 */
function stealMs(cpu: number): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((candidate) => candidate.startsWith(`cpu${cpu} `));
    const steal = Number(line?.trim().split(/\s+/)[8]);
    return Number.isFinite(steal) ? steal * 10 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Ask a child for its stats since the last ask; null if it does not answer within 2 s. */
async function childStats(child: Child): Promise<ChildStats | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.listeners.delete(listener);
      resolve(null);
    }, 2_000);
    const listener = (event: unknown) => {
      if ((event as { event?: string }).event !== 'stats') return;
      clearTimeout(timer);
      child.listeners.delete(listener);
      resolve(event as ChildStats);
    };
    child.listeners.add(listener);
    child.process.kill('SIGUSR2');
  });
}

async function startChild(
  name: string,
  script: string,
  env: Record<string, string>,
  settings: Settings,
): Promise<Child> {
  const nodeArgs = ['--import', 'tsx', ...settings.serverNodeFlags];
  if (name === 'gateway') {
    nodeArgs.push(...settings.gatewayNodeFlags);
    if (settings.profile) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${join(HERE, 'profiles')}`);
  }
  nodeArgs.push(join(HERE, script));
  const command = settings.pin ? 'taskset' : process.execPath;
  const args = settings.pin ? ['-c', '0', process.execPath, ...nodeArgs] : nodeArgs;
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      ...env,
      NODE_ENV: 'production',
      ...(settings.logBatchSize ? { BENCH_LOG_BATCH_SIZE: settings.logBatchSize } : {}),
      ...(settings.requestLog ? {} : { BENCH_REQUEST_LOG: 'off' }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const events: unknown[] = [];
  const listeners = new Set<(event: unknown) => void>();
  const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start in ${CHILD_START_TIMEOUT_MS} ms`)),
      CHILD_START_TIMEOUT_MS,
    );
    child.once('exit', (code) => reject(new Error(`${name} exited early with code ${code}`)));
    lines.on('line', (line) => {
      let parsed: unknown = line;
      try {
        parsed = JSON.parse(line);
      } catch {
        // Not JSON: kept as text.
      }
      const event = parsed as { event?: string; baseUrl?: string };
      if (event.event === 'ready' && typeof event.baseUrl === 'string') {
        clearTimeout(timer);
        resolve(event.baseUrl);
      } else {
        events.push(parsed);
        for (const listener of listeners) listener(parsed);
      }
    });
  });
  if (child.pid === undefined) throw new Error(`${name} has no pid`);
  return { name, pid: child.pid, baseUrl, process: child, events, listeners };
}

/** SIGTERM the child we started (by its pid), wait for it, SIGKILL if it hangs. */
async function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.process.once('exit', () => resolve()));
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), CHILD_STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: field 14 (utime) and 15 (stime) of proc(5) are indexes 11 and 12.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Busy CPU-seconds of the whole machine so far (all cores), from /proc/stat. */
function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU used on this machine by processes that are not part of the benchmark, in cores, over a
 * window: machine busy time minus this process and the server children. Other work on a 2-core
 * machine (a test run, a compiler) steals the cores the benchmark pinned, so a window with any
 * is measured again.
 */
class ForeignLoad {
  #machine = 0;
  #ours = 0;
  #startedAt = 0;
  readonly #children: () => Child[];

  constructor(children: () => Child[]) {
    this.#children = children;
  }

  start(): void {
    this.#machine = machineBusySeconds();
    this.#ours = this.#oursNow();
    this.#startedAt = performance.now();
  }

  /** Foreign cores since start(): 0.1 means a tenth of a core was busy with other work. */
  read(): number {
    const seconds = (performance.now() - this.#startedAt) / 1_000;
    const foreign = machineBusySeconds() - this.#machine - (this.#oursNow() - this.#ours);
    return Math.max(0, foreign / seconds);
  }

  #oursNow(): number {
    const self = process.cpuUsage();
    let total = (self.user + self.system) / 1e6;
    for (const child of this.#children()) total += cpuSeconds(child.pid);
    return total;
  }
}

/** More foreign load than this (in cores) during a measured window gets the window redone. */
const FOREIGN_LOAD_LIMIT = 0.05;
/** Measured windows tried per scenario before keeping the least disturbed one. */
const MAX_TRIES = 3;
/** Longest wait for the machine to go quiet before a window. */
const QUIET_WAIT_MS = 60_000;

let liveChildren: Child[] = [];
const foreignLoad = new ForeignLoad(() => liveChildren);

/** Wait (bounded) until a one-second sample shows no foreign load. */
async function waitForQuiet(): Promise<void> {
  const deadline = performance.now() + QUIET_WAIT_MS;
  while (performance.now() < deadline) {
    foreignLoad.start();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    if (foreignLoad.read() <= FOREIGN_LOAD_LIMIT) return;
  }
}

/** One measured scenario. */
interface Measurement {
  path: string;
  stream: boolean;
  result: OpenLoopResult;
  /** CPU used by the server process (gateway or bare hop) per wall second; NaN for direct. */
  serverCpu: number;
  serverStats: ChildStats | null;
  /** Cores used by other processes during the window (see ForeignLoad). */
  foreignLoad: number;
  /** Hypervisor steal on the server's core during the window, ms (see stealMs). */
  stealMs: number;
  /** Measured windows run before this one was kept. */
  tries: number;
}

/** Requests each fresh server gets before anything is measured (see warmUpServers). */
const INITIAL_WARMUP_SECONDS = 12;

/**
 * Load each fresh server at the base rate for a while before the first window, mixed JSON and
 * streaming. A new Node process runs one large full GC in its first seconds of load, clearing
 * what start-up left (module loading, the policy, JIT): 15–35 ms on the pinned core, once in the
 * process's life. Without this it lands in the first measured window and sets that window's p99.
 * The per-window warm-ups stay as they were.
 */
async function warmUpServers(servers: readonly Child[], settings: Settings): Promise<void> {
  const seconds = settings.quick ? 2 : INITIAL_WARMUP_SECONDS;
  for (const server of servers) {
    process.stderr.write(`warming up ${server.name} (${seconds} s at ${settings.rate} req/s)\n`);
    const url = `${server.baseUrl}/chat/completions`;
    for (const stream of [false, true]) {
      await runOpenLoop({
        url,
        body: benchRequestBody('auto', stream),
        rate: settings.rate,
        count: Math.round((settings.rate * seconds) / 2),
        stream,
      });
    }
  }
}

/** A path to measure: where to send, and the server process behind it (none for direct). */
interface PathEntry {
  path: string;
  baseUrl: string;
  server: Child | null;
}

/**
 * Measure `entries` in one window: one path alone, or several sent the same schedule at once
 * (runPairedOpenLoop). Returns one measurement per entry, in order; the window is redone (up to
 * MAX_TRIES) when other processes loaded the machine during it.
 */
async function measure(
  entries: readonly PathEntry[],
  rate: number,
  seconds: number,
  stream: boolean,
  warmupSeconds: number,
): Promise<Measurement[]> {
  const urls = entries.map((entry) => `${entry.baseUrl}/chat/completions`);
  const body = benchRequestBody('auto', stream);
  const options = { url: urls[0] as string, body, rate, stream };
  // Warm-up: JIT, connection pools on both sides, SQLite pages. Discarded.
  await runPairedOpenLoop({ ...options, count: Math.max(rate * warmupSeconds, 1_000) }, urls);
  let kept: Measurement[] | null = null;
  for (let tries = 1; tries <= MAX_TRIES; tries++) {
    await waitForQuiet();
    for (const entry of entries) if (entry.server) await childStats(entry.server);
    foreignLoad.start();
    const cpuBefore = entries.map((entry) =>
      entry.server === null ? Number.NaN : cpuSeconds(entry.server.pid),
    );
    const stealBefore = stealMs(0);
    const results = await runPairedOpenLoop(
      { ...options, count: Math.round(rate * seconds) },
      urls,
    );
    const cpuAfter = entries.map((entry) =>
      entry.server === null ? Number.NaN : cpuSeconds(entry.server.pid),
    );
    const foreign = foreignLoad.read();
    const steal = stealMs(0) - stealBefore;
    const measurements: Measurement[] = [];
    for (const [index, entry] of entries.entries()) {
      const result = results[index] as OpenLoopResult;
      const serverStats = entry.server === null ? null : await childStats(entry.server);
      const serverCpu =
        ((cpuAfter[index] as number) - (cpuBefore[index] as number)) / result.elapsedSeconds;
      const label = entries.length > 1 && entry.server === null ? `${entry.path}*` : entry.path;
      process.stderr.write(
        `  ${label.padEnd(9)} ${stream ? 'stream' : 'json  '} ${rate} req/s: p50 ${fmt(result.latency.p50)} p99 ${fmt(result.latency.p99)}${result.ttft ? ` TTFT p99 ${fmt(result.ttft.p99)}` : ''} ms, errors ${result.errors}, generator max lateness ${fmt(result.sendLateness.max)} ms, server CPU ${percent(serverCpu)}, server loop delay max ${fmt(serverStats?.eventLoopDelayMs.max ?? Number.NaN)} ms, server GC max ${fmt(serverStats?.gc.maxMs ?? Number.NaN)} ms (${serverStats?.gc.majors ?? 'n/a'} full), preempted ${serverStats?.involuntarySwitches ?? 'n/a'}×, steal ${fmt(steal, 0)} ms, foreign load ${fmt(foreign, 2)} cores\n`,
      );
      measurements.push({
        path: entry.path,
        stream,
        result,
        serverCpu,
        serverStats,
        foreignLoad: foreign,
        stealMs: steal,
        tries,
      });
    }
    if (kept === null || foreign < (kept[0] as Measurement).foreignLoad) kept = measurements;
    if (foreign <= FOREIGN_LOAD_LIMIT) break;
  }
  return kept as Measurement[];
}

function fmt(value: number, digits = 3): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

function percent(value: number): string {
  return Number.isFinite(value) ? `${Math.round(value * 100)}%` : '–';
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function latencyTable(measurements: Measurement[], ttft: boolean): string {
  return table(
    [
      'path',
      ttft ? 'TTFT p50' : 'p50',
      ttft ? 'TTFT p90' : 'p90',
      ttft ? 'TTFT p99' : 'p99',
      ttft ? 'TTFT p99.9' : 'p99.9',
      ttft ? 'TTFT max' : 'max',
      'service p99',
      'ok',
      'errors',
      'achieved req/s',
      'generator max lateness',
      'server CPU',
      'server loop delay max',
      'server GC pause max (full GCs)',
      'main thread preempted',
      'steal on core 0 (ms)',
      'foreign load (cores)',
    ],
    measurements.map(
      ({ path, result, serverCpu, serverStats, foreignLoad: foreign, stealMs: steal }) => {
        const summary = ttft && result.ttft ? result.ttft : result.latency;
        return [
          path,
          fmt(summary.p50),
          fmt(summary.p90),
          fmt(summary.p99),
          fmt(summary.p999),
          fmt(summary.max),
          fmt(result.service.p99),
          String(result.ok),
          String(result.errors),
          result.achievedRate.toFixed(0),
          fmt(result.sendLateness.max),
          percent(serverCpu),
          fmt(serverStats?.eventLoopDelayMs.max ?? Number.NaN, 1),
          serverStats ? `${fmt(serverStats.gc.maxMs, 1)} (${serverStats.gc.majors})` : '–',
          serverStats?.involuntarySwitches != null ? `${serverStats.involuntarySwitches}×` : '–',
          fmt(steal, 0),
          fmt(foreign, 2),
        ];
      },
    ),
  );
}

function pick(measurement: Measurement, ttft: boolean) {
  return ttft && measurement.result.ttft ? measurement.result.ttft : measurement.result.latency;
}

/** One path's figures and the direct path's from the same window (paired) or the same run. */
interface Compared {
  direct: Measurement;
  other: Measurement;
}

/**
 * The largest p99 overhead of any slice of a paired window (slice by slice against the direct
 * path's same slice), with how many slices there were; null when the window was not paired or
 * had a single slice.
 */
function worstSliceOverhead(
  { direct, other }: Compared,
  ttft: boolean,
  paired: boolean,
): { worst: number; slices: number } | null {
  const slicesOf = (measurement: Measurement) =>
    ttft && measurement.result.slices.ttftP99
      ? measurement.result.slices.ttftP99
      : measurement.result.slices.latencyP99;
  const base = slicesOf(direct);
  const path = slicesOf(other);
  if (!paired || path.length < 2) return null;
  const overheads = path.map((p99, slice) => p99 - (base[slice] ?? Number.NaN));
  return { worst: Math.max(...overheads), slices: path.length };
}

function overheadTable(
  compared: Compared[],
  ttft: boolean,
  targets: { p50: number | null; p99: number },
  paired: boolean,
): string {
  const sliceSeconds = compared[0]?.other.result.slices.seconds ?? 10;
  return table(
    [
      'overhead vs direct (ms)',
      'p50',
      'p90',
      'p99',
      'p99.9',
      `worst ${sliceSeconds} s slice p99`,
      'target',
      'met',
    ],
    compared.map((pair) => {
      const { direct, other } = pair;
      const base = pick(direct, ttft);
      const summary = pick(other, ttft);
      const slices = worstSliceOverhead(pair, ttft, paired);
      const p50 = summary.p50 - base.p50;
      const p99 = summary.p99 - base.p99;
      const met =
        other.path !== 'gateway'
          ? '–'
          : (targets.p50 === null || p50 <= targets.p50) && p99 <= targets.p99
            ? 'yes'
            : 'no';
      return [
        `${other.path} − direct`,
        fmt(p50),
        fmt(summary.p90 - base.p90),
        fmt(p99),
        fmt(summary.p999 - base.p999),
        slices ? `${fmt(slices.worst)} (of ${slices.slices})` : '–',
        `${targets.p50 === null ? '' : `p50 ≤ ${targets.p50}, `}p99 ≤ ${targets.p99}`,
        met,
      ];
    }),
  );
}

interface Step {
  rate: number;
  direct: Measurement;
  bare: Measurement;
  gateway: Measurement;
  /** Windows measured for the gateway: more than one when a stalled window was redone. */
  windows: number;
  /** Met the target: no errors and p99 overhead ≤ 5 ms. */
  passed: boolean;
  /** Kept up with the offered rate: no errors, ≥ 97% of it achieved, p99 under 250 ms. */
  keptUp: boolean;
  why: string;
}

/** The throughput target: p99 overhead at most this (ms), with no errors. */
const STEP_P99_OVERHEAD_TARGET_MS = 5;

/** A direct-path p99 above this (ms) says the window was disturbed; see stepVerdict. */
const DISTURBED_DIRECT_P99_MS = 5;

/** The generator sending this late (ms) says the machine stalled during the window. */
const STALLED_GENERATOR_MS = 5;

/** Windows tried per path and step before a stalled one is kept (and reported as such). */
const STEP_WINDOWS = 3;

/** Whether a step window was disturbed by the machine rather than measured the path. */
function stalled(measurement: Measurement): boolean {
  return (
    measurement.result.sendLateness.max > STALLED_GENERATOR_MS ||
    (measurement.path === 'direct' && measurement.result.latency.p99 > DISTURBED_DIRECT_P99_MS)
  );
}

/** p99 past this means the gateway is queueing without bound: the steps stop there. */
const SATURATED_P99_MS = 250;

function stepVerdict(
  step: Omit<Step, 'passed' | 'keptUp' | 'why'>,
): Pick<Step, 'passed' | 'keptUp' | 'why'> {
  // The target compares the gateway's window with the direct path's; a stall in the bare hop's
  // window changes neither figure.
  const late = [step.direct, step.gateway].find(
    (measurement) => measurement.result.sendLateness.max > STALLED_GENERATOR_MS,
  );
  const gateway = step.gateway.result;
  const overheadP99 = gateway.latency.p99 - step.direct.result.latency.p99;
  const keptUp =
    gateway.errors === 0 &&
    gateway.achievedRate >= 0.97 * step.rate &&
    gateway.latency.p99 < SATURATED_P99_MS;
  if (step.direct.result.errors > 0)
    return { passed: false, keptUp, why: 'direct path had errors' };
  // Latency counts from the intended send, so a stall can only raise the gateway's p99: at or
  // under the target, its overhead (that minus the direct p99) is under it too, however the
  // direct window went.
  if (gateway.errors === 0 && gateway.latency.p99 <= STEP_P99_OVERHEAD_TARGET_MS)
    return {
      passed: true,
      keptUp,
      why:
        step.direct.result.latency.p99 > DISTURBED_DIRECT_P99_MS || late !== undefined
          ? `the gateway's own p99 (${fmt(gateway.latency.p99, 2)} ms) is within the target`
          : '',
    };
  // The instant upstream answers in microseconds: a direct p99 this high means the generator or
  // the machine stalled in that window, and subtracting it would hide the gateway's own tail.
  if (step.direct.result.latency.p99 > DISTURBED_DIRECT_P99_MS) {
    return {
      passed: false,
      keptUp,
      why: `not judged: the direct path's p99 was ${fmt(step.direct.result.latency.p99, 1)} ms (a stalled window)`,
    };
  }
  if (late !== undefined) {
    return {
      passed: false,
      keptUp,
      why: `not judged: the generator ran ${fmt(late.result.sendLateness.max, 1)} ms late in the ${late.path} window (a stalled machine)`,
    };
  }
  if (gateway.errors > 0) return { passed: false, keptUp, why: 'gateway errors' };
  if (overheadP99 > STEP_P99_OVERHEAD_TARGET_MS) {
    return {
      passed: false,
      keptUp,
      why: `p99 overhead ${fmt(overheadP99, 2)} ms > ${STEP_P99_OVERHEAD_TARGET_MS}`,
    };
  }
  return { passed: true, keptUp, why: '' };
}

function stepsTable(steps: Step[]): string {
  return table(
    [
      'offered req/s',
      'direct p50 / p99',
      'bare hop p50 / p99',
      'gateway p50 / p99',
      'gateway overhead p50 / p99',
      'gateway errors',
      'gateway CPU',
      'bare hop CPU',
      'generator max lateness',
      'max foreign load',
      'gateway windows',
      'meets target',
    ],
    steps.map((step) => {
      const direct = step.direct.result.latency;
      const bare = step.bare.result.latency;
      const gateway = step.gateway.result.latency;
      const lateness = Math.max(
        step.direct.result.sendLateness.max,
        step.bare.result.sendLateness.max,
        step.gateway.result.sendLateness.max,
      );
      return [
        String(step.rate),
        `${fmt(direct.p50)} / ${fmt(direct.p99)}`,
        `${fmt(bare.p50)} / ${fmt(bare.p99)}`,
        `${fmt(gateway.p50)} / ${fmt(gateway.p99)}`,
        `${fmt(gateway.p50 - direct.p50)} / ${fmt(gateway.p99 - direct.p99)}`,
        String(step.gateway.result.errors),
        percent(step.gateway.serverCpu),
        percent(step.bare.serverCpu),
        fmt(lateness),
        fmt(Math.max(step.direct.foreignLoad, step.bare.foreignLoad, step.gateway.foreignLoad), 2),
        String(step.windows),
        step.passed ? (step.why ? `yes (${step.why})` : 'yes') : `no (${step.why})`,
      ];
    }),
  );
}

interface SoakResult {
  requests: number;
  rate: number;
  warmupRequests: number;
  result: OpenLoopResult;
  rssAfterWarmupMiB: number;
  rssMaxMiB: number;
  rssEndMiB: number;
  rssSamples: number[];
  requestLog: unknown;
  foreignLoad: number;
}

async function soak(upstreamBaseUrl: string, settings: Settings): Promise<SoakResult> {
  const gateway = await startChild(
    'gateway',
    'gateway-server.ts',
    { UPSTREAM_BASE_URL: upstreamBaseUrl },
    settings,
  );
  liveChildren = [gateway];
  try {
    const url = `${gateway.baseUrl}/chat/completions`;
    const body = benchRequestBody('auto', false);
    process.stderr.write(`soak: warm-up ${settings.soakWarmupRequests} requests\n`);
    await runOpenLoop({
      url,
      body,
      rate: settings.soakRate,
      count: settings.soakWarmupRequests,
      stream: false,
    });
    const samples: number[] = [rssMiB(gateway.pid)];
    const sampler = setInterval(() => samples.push(rssMiB(gateway.pid)), 1_000);
    foreignLoad.start();
    process.stderr.write(`soak: ${settings.soakRequests} requests at ${settings.soakRate} req/s\n`);
    const result = await runOpenLoop({
      url,
      body,
      rate: settings.soakRate,
      count: settings.soakRequests,
      stream: false,
      timeoutMs: 30_000,
    });
    clearInterval(sampler);
    const foreign = foreignLoad.read();
    samples.push(rssMiB(gateway.pid));
    await stopChild(gateway);
    const closed = gateway.events.find(
      (event) => (event as { event?: string }).event === 'closed',
    ) as { requestLog?: unknown } | undefined;
    return {
      requests: settings.soakRequests,
      rate: settings.soakRate,
      warmupRequests: settings.soakWarmupRequests,
      result,
      rssAfterWarmupMiB: samples[0] ?? Number.NaN,
      rssMaxMiB: Math.max(...samples),
      rssEndMiB: samples.at(-1) ?? Number.NaN,
      rssSamples: samples,
      requestLog: closed?.requestLog ?? null,
      foreignLoad: foreign,
    };
  } finally {
    await stopChild(gateway);
  }
}

function soakTable(soakResult: SoakResult): string {
  const growth =
    (soakResult.rssMaxMiB - soakResult.rssAfterWarmupMiB) / soakResult.rssAfterWarmupMiB;
  return table(
    [
      'requests (after warm-up)',
      'offered req/s',
      'errors',
      'p50 / p99 ms',
      'RSS after warm-up',
      'RSS max',
      'RSS end',
      'max growth',
      'within 10%',
      'foreign load (cores)',
    ],
    [
      [
        `${soakResult.requests} (${soakResult.warmupRequests})`,
        String(soakResult.rate),
        String(soakResult.result.errors),
        `${fmt(soakResult.result.latency.p50)} / ${fmt(soakResult.result.latency.p99)}`,
        `${soakResult.rssAfterWarmupMiB.toFixed(1)} MiB`,
        `${soakResult.rssMaxMiB.toFixed(1)} MiB`,
        `${soakResult.rssEndMiB.toFixed(1)} MiB`,
        `${(growth * 100).toFixed(1)}%`,
        growth <= 0.1 ? 'yes' : 'no',
        fmt(soakResult.foreignLoad, 2),
      ],
    ],
  );
}

function pinSelf(settings: Settings): void {
  if (!settings.pin) return;
  // -a: every thread of this process (libuv pool, V8 helpers), not just the main one.
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
}

async function main(): Promise<void> {
  const settings = readSettings();
  pinSelf(settings);
  const upstream = await createInstantUpstream().listen(0, '127.0.0.1');
  const env = { UPSTREAM_BASE_URL: upstream.baseUrl };
  const bare = await startChild('bare-hop', 'bare-hop.ts', env, settings);
  const gateway = await startChild('gateway', 'gateway-server.ts', env, settings);
  liveChildren = [bare, gateway];
  if (settings.parts.has('json') || settings.parts.has('stream') || settings.parts.has('steps')) {
    await warmUpServers([bare, gateway], settings);
  }
  const report: Record<string, unknown> = { settings, date: new Date().toISOString() };
  const output: string[] = [];
  try {
    const paths: PathEntry[] = [
      { path: 'direct', baseUrl: upstream.baseUrl, server: null },
      { path: 'bare hop', baseUrl: bare.baseUrl, server: bare },
      { path: 'gateway', baseUrl: gateway.baseUrl, server: gateway },
    ];
    const [directPath, barePath, gatewayPath] = paths as [PathEntry, PathEntry, PathEntry];
    const runAll = async (rate: number, seconds: number, stream: boolean, warmup: number) => {
      const measured: Measurement[] = [];
      for (const entry of paths) {
        measured.push(...(await measure([entry], rate, seconds, stream, warmup)));
      }
      return measured;
    };
    /**
     * The 1,000 req/s scenarios. Paired (the default): the bare hop and the gateway each share
     * their window with the direct path, same schedule, and are compared with that window's
     * direct figures. Sequential (--sequential): one window per path, all compared with one
     * direct window.
     */
    const runScenario = async (stream: boolean) => {
      const { rate, durationSeconds, warmupSeconds } = settings;
      if (!settings.paired) {
        const [direct, ...others] = (await runAll(
          rate,
          durationSeconds,
          stream,
          warmupSeconds,
        )) as [Measurement, ...Measurement[]];
        return {
          rows: [direct, ...others],
          compared: others.map((other) => ({ direct, other })),
        };
      }
      const rows: Measurement[] = [];
      const compared: Compared[] = [];
      for (const entry of [barePath, gatewayPath]) {
        const [direct, other] = (await measure(
          [directPath, entry],
          rate,
          durationSeconds,
          stream,
          warmupSeconds,
        )) as [Measurement, Measurement];
        rows.push({ ...direct, path: `direct (with ${entry.path})` }, other);
        compared.push({ direct, other });
      }
      return { rows, compared };
    };
    /**
     * One path's window of a throughput step. The generator's own lateness says whether the
     * machine stalled during the window (the generator and the instant upstream have a core to
     * themselves, so no path's load makes them late): a window in which it was late by more than
     * STALLED_GENERATOR_MS, or whose direct p99 passed DISTURBED_DIRECT_P99_MS, is measured
     * again, up to STEP_WINDOWS in all, and the table says how many the gateway took.
     */
    const measureStepWindow = async (entry: PathEntry, rate: number) => {
      let measurement: Measurement | null = null;
      let windows = 0;
      while (windows < STEP_WINDOWS) {
        windows += 1;
        [measurement] = (await measure(
          [entry],
          rate,
          settings.stepSeconds,
          false,
          settings.warmupSeconds,
        )) as [Measurement];
        if (!stalled(measurement)) break;
      }
      return { measurement: measurement as Measurement, windows };
    };
    const scenarioNote = settings.paired
      ? "paired: each path shares its window with the direct path, same schedule; overhead is against that window's direct figures"
      : 'sequential: one window per path';

    if (settings.parts.has('json')) {
      process.stderr.write(`non-streaming at ${settings.rate} req/s\n`);
      const json = await runScenario(false);
      output.push(
        `### Non-streaming, ${settings.rate} req/s open loop, ${Math.round(settings.rate * settings.durationSeconds)} requests per path (latency from intended send, ms; ${scenarioNote})`,
        '',
        latencyTable(json.rows, false),
        '',
        overheadTable(json.compared, false, { p50: 0.3, p99: 2 }, settings.paired),
        '',
      );

      report.json = json.rows;
    }

    if (settings.parts.has('stream')) {
      process.stderr.write(`streaming at ${settings.rate} req/s\n`);
      const stream = await runScenario(true);
      output.push(
        `### Streaming, ${settings.rate} req/s open loop, ${Math.round(settings.rate * settings.durationSeconds)} requests per path (TTFT from intended send, ms; ${scenarioNote})`,
        '',
        latencyTable(stream.rows, true),
        '',
        overheadTable(stream.compared, true, { p50: null, p99: 2 }, settings.paired),
        '',
      );

      report.stream = stream.rows;
    }

    if (settings.parts.has('steps')) {
      process.stderr.write('throughput steps\n');
      const steps: Step[] = [];
      for (const rate of settings.steps) {
        // Each path idles through the other paths' windows, and V8 shrinks an idle heap (young
        // generation included); a short warm-up then measures the heap regrowing, with extra
        // promotion and full GCs, rather than the rate. The warm-up is the base scenarios' length.
        const direct = await measureStepWindow(directPath, rate);
        const bareHop = await measureStepWindow(barePath, rate);
        const gatewayStep = await measureStepWindow(gatewayPath, rate);
        const partial = {
          rate,
          direct: direct.measurement,
          bare: bareHop.measurement,
          gateway: gatewayStep.measurement,
          windows: gatewayStep.windows,
        };
        const step = { ...partial, ...stepVerdict(partial) };
        steps.push(step);
        // Past saturation every further step only queues more: stop.
        if (!step.keptUp) break;
      }
      const sustained = steps.filter((step) => step.passed).at(-1)?.rate ?? 0;
      const keptUp = steps.filter((step) => step.keptUp).at(-1)?.rate ?? 0;
      output.push(
        `### Throughput steps, non-streaming, ${settings.stepSeconds} s per path per step (ms; a window in which the generator ran more than ${STALLED_GENERATOR_MS} ms late, or the direct p99 passed ${DISTURBED_DIRECT_P99_MS} ms, is measured again, up to ${STEP_WINDOWS} windows)`,
        '',
        stepsTable(steps),
        '',
        `Highest offered rate with p99 overhead ≤ 5 ms and no errors: **${sustained} req/s** (target ≥ 5,000). Highest rate the gateway kept up with (no errors, ≥ 97% achieved, p99 < ${SATURATED_P99_MS} ms): **${keptUp} req/s**.`,
        '',
      );
      report.steps = { steps, sustained, keptUp };
    }
  } finally {
    await stopChild(bare);
    await stopChild(gateway);
  }
  const closed = gateway.events.find((event) => (event as { event?: string }).event === 'closed');
  if (closed) {
    output.push(
      `Request log at gateway shutdown: \`${JSON.stringify((closed as { requestLog: unknown }).requestLog)}\``,
      '',
    );
  }

  if (settings.soak || settings.parts.has('soak')) {
    const soakResult = await soak(upstream.baseUrl, settings);
    output.push(
      `### RSS soak: ${settings.soakRequests} requests after ${settings.soakWarmupRequests} warm-up, gateway RSS sampled every second`,
      '',
      soakTable(soakResult),
      '',
      `Request log at shutdown: \`${JSON.stringify(soakResult.requestLog)}\``,
      '',
    );
    report.soak = soakResult;
  }
  await upstream.close();

  const header = [
    `## Switchyard benchmark, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}). ${
      settings.pin
        ? 'Gateway and bare hop pinned to core 0 (taskset -c 0); generator and instant upstream share one process pinned to core 1.'
        : 'No CPU pinning (taskset unavailable or --no-pin).'
    } ${
      settings.serverNodeFlags.length > 0
        ? `Gateway and bare hop started with \`${settings.serverNodeFlags.join(' ')}\` (docs/deploy.md).`
        : "Gateway and bare hop on node's default V8 pool (--v8-default-pool)."
    }${
      settings.gatewayNodeFlags.length > 0
        ? ` Gateway also started with \`${settings.gatewayNodeFlags.join(' ')}\`.`
        : ''
    } Request logging on (SQLite file, bodies captured). Overhead = path percentile − direct percentile at the same offered load.`,
    '',
  ];
  process.stdout.write(`${[...header, ...output].join('\n')}\n`);
  if (settings.jsonPath) writeFileSync(settings.jsonPath, `${JSON.stringify(report, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
