import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import {
  createLatencyHistogram,
  type LatencyHistogram,
  type SendTiming,
} from '../src/loadgen/index.js';

/** The repository root, for spawning the bench's helper processes. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Whether `taskset` works here. */
export function canPin(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pin every thread of this process (event loop, V8 and libuv helpers) to one core. */
export function pinSelf(core: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], {
    stdio: 'ignore',
  });
}

/** A helper process that printed `{"event":"ready",...}` on its first stdout line. */
export interface ReadyChild {
  child: ChildProcess;
  ready: Record<string, unknown>;
  stop(): Promise<void>;
}

/**
 * Start `node --import tsx <script>` (under `taskset -c <core>` when `core` is set) and wait for
 * its ready line; bounded by a 30 s start timeout.
 */
export function spawnReady(
  script: string,
  core: number | null,
  env: Record<string, string> = {},
): Promise<ReadyChild> {
  const nodeArgs = ['--import', 'tsx', join(ROOT, script)];
  const child =
    core === null
      ? spawn(process.execPath, nodeArgs, {
          cwd: ROOT,
          env: { ...process.env, ...env },
          stdio: ['ignore', 'pipe', 'inherit'],
        })
      : spawn('taskset', ['-c', String(core), process.execPath, ...nodeArgs], {
          cwd: ROOT,
          env: { ...process.env, ...env },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 5_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${script} did not become ready within 30 s`));
    }, 30_000);
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve({ child, ready: JSON.parse(line) as Record<string, unknown>, stop });
      } catch (error) {
        void stop();
        reject(new Error(`${script} printed ${line}: ${String(error)}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready`));
    });
  });
}

/** What a PoolSender measured. */
export interface PoolSenderResults {
  ok: number;
  errors: number;
  /** Cut short by the run's end (maxDurationMs): neither answered nor an error. */
  aborted: number;
  errorSamples: string[];
  /** From the intended send time to the end of the body. */
  latency: LatencyHistogram;
  /** From the actual send to the end of the body: what a closed-loop tool reports. */
  service: LatencyHistogram;
}

/**
 * An undici Pool that POSTs one fixed JSON body and records both latencies. Completion time is
 * put on runLoad's clock as sentAt + (time since the call), since `send` is called right after
 * sentAt is read.
 */
export function createPoolSender(url: string, body: string, connections: number) {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections, keepAliveTimeout: 60_000, pipelining: 1 });
  const payload = Buffer.from(body);
  const headers = { 'content-type': 'application/json' };
  const results: PoolSenderResults = {
    ok: 0,
    errors: 0,
    aborted: 0,
    errorSamples: [],
    latency: createLatencyHistogram(),
    service: createLatencyHistogram(),
  };
  const fail = (reason: string): void => {
    results.errors += 1;
    if (results.errorSamples.length < 5 && !results.errorSamples.includes(reason))
      results.errorSamples.push(reason);
  };
  const send = async (timing: SendTiming, signal: AbortSignal): Promise<void> => {
    const calledAt = performance.now();
    try {
      const response = await pool.request({
        path: target.pathname,
        method: 'POST',
        headers,
        body: payload,
        signal,
      });
      await response.body.dump();
      if (response.statusCode !== 200) {
        fail(`HTTP ${response.statusCode}`);
        return;
      }
      const serviceMs = performance.now() - calledAt;
      results.ok += 1;
      results.service.record(serviceMs);
      results.latency.record(timing.sentAt - timing.intendedAt + serviceMs);
    } catch (error) {
      if (signal.aborted) results.aborted += 1;
      else fail(error instanceof Error ? error.message : String(error));
    }
  };
  return { send, results, close: () => pool.destroy() };
}

/** Round to 3 decimals for printing. */
export function round(value: number): number {
  return Math.round(value * 1_000) / 1_000;
}

/**
 * How much this process is kept off its core: poll with setImmediate for `durationMs` and report
 * the longest gap between polls and how many gaps exceeded 1 ms. On an idle core the longest gap
 * is well under 1 ms; other busy processes on the same core show up here, and in the send lag.
 */
export function probeSchedulerNoise(
  durationMs = 1_000,
): Promise<{ maxGapMs: number; gapsOver1Ms: number }> {
  return new Promise((resolve) => {
    const start = performance.now();
    let last = start;
    let maxGapMs = 0;
    let gapsOver1Ms = 0;
    const poll = (): void => {
      const now = performance.now();
      const gap = now - last;
      last = now;
      if (gap > maxGapMs) maxGapMs = gap;
      if (gap > 1) gapsOver1Ms += 1;
      if (now - start < durationMs) setImmediate(poll);
      else resolve({ maxGapMs: round(maxGapMs), gapsOver1Ms });
    };
    setImmediate(poll);
  });
}
