import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { createInstantUpstream } from './instant-upstream.js';
import { benchRequestBody } from './open-loop.js';

/*
 * What one request costs when requests come one at a time: latency percentiles and the server's
 * CPU per request (main thread and all threads, from /proc/<pid>/task/<tid>/stat), for the bare
 * hop and the gateway, each pinned to core 0 with every thread; this process (client and instant
 * upstream) runs wherever the caller pins it (`taskset -c 1`).
 *
 * It is not a latency benchmark (requests are not open-loop, so a slow one delays the next); it
 * shows how much work each path does per request when nothing amortizes it, which is what the
 * p50 at 1,000 req/s mostly pays. Linux only.
 *
 *   npm run build && taskset -c 1 node --import tsx bench/sequential-cost.ts [--requests 20000]
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
/** /proc reports CPU time in clock ticks of 10 ms on Linux. */
const MS_PER_CLOCK_TICK = 10;
const START_TIMEOUT_MS = 30_000;

interface Server {
  child: ChildProcess;
  pid: number;
  baseUrl: string;
}

async function startServer(script: string, upstreamBaseUrl: string): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, script)], {
    cwd: ROOT,
    env: { ...process.env, UPSTREAM_BASE_URL: upstreamBaseUrl, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start`)), START_TIMEOUT_MS);
    let output = '';
    child.stdout?.on('data', (data: Buffer) => {
      output += data.toString('utf8');
      const ready = /"baseUrl":"([^"]+)"/.exec(output);
      if (ready?.[1]) {
        clearTimeout(timer);
        resolve(ready[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with code ${code}`)));
  });
  const pid = child.pid as number;
  // Every thread, including the log writer and V8's helpers started so far, onto core 0.
  execFileSync('taskset', ['-a', '-p', '-c', '0', String(pid)], { stdio: 'ignore' });
  return { child, pid, baseUrl };
}

/** CPU ms used so far by the process's main thread and by all its threads. */
function cpuMs(pid: number): { main: number; all: number } {
  let main = 0;
  let all = 0;
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${thread}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state, field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(fields[11]) + Number(fields[12])) * MS_PER_CLOCK_TICK;
    all += ms;
    if (Number(thread) === pid) main = ms;
  }
  return { main, all };
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

async function measure(baseUrl: string, requests: number, pid: number | null): Promise<string> {
  const url = new URL(baseUrl);
  const pool = new Pool(url.origin, { connections: 1 });
  const body = benchRequestBody('auto', false);
  const latencies: number[] = [];
  const before = pid === null ? null : cpuMs(pid);
  for (let index = 0; index < requests; index++) {
    const started = performance.now();
    const response = await pool.request({
      path: `${url.pathname}/chat/completions`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body(index),
    });
    await response.body.text();
    latencies.push(performance.now() - started);
    // A pause now and then lets timers (the log's flush) run as they would between arrivals.
    if (index % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await pool.close();
  latencies.sort((a, b) => a - b);
  const latency = `p50 ${percentile(latencies, 0.5).toFixed(3)} p90 ${percentile(latencies, 0.9).toFixed(3)} p99 ${percentile(latencies, 0.99).toFixed(3)} ms`;
  if (pid === null || before === null) return latency;
  const after = cpuMs(pid);
  const perRequest = (ms: number) => ((ms * 1000) / requests).toFixed(0);
  return `${latency}; CPU per request: main thread ${perRequest(after.main - before.main)} µs, all threads ${perRequest(after.all - before.all)} µs`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { requests: { type: 'string', default: '20000' } } });
  const requests = Number(values.requests);
  if (!Number.isInteger(requests) || requests < 100) throw new Error('--requests: at least 100');
  const upstream = await createInstantUpstream().listen(0, '127.0.0.1');
  const hop = await startServer('bare-hop.ts', upstream.baseUrl);
  const gateway = await startServer('gateway-server.ts', upstream.baseUrl);
  try {
    // Warm-up: JIT, connection pools, the log's first batches.
    await measure(hop.baseUrl, 5_000, null);
    await measure(gateway.baseUrl, 10_000, null);
    for (let round = 1; round <= 2; round++) {
      process.stdout.write(`round ${round}\n`);
      process.stdout.write(`  direct    ${await measure(upstream.baseUrl, requests / 2, null)}\n`);
      process.stdout.write(`  bare hop  ${await measure(hop.baseUrl, requests, hop.pid)}\n`);
      process.stdout.write(
        `  gateway   ${await measure(gateway.baseUrl, requests, gateway.pid)}\n`,
      );
    }
  } finally {
    hop.child.kill('SIGTERM');
    gateway.child.kill('SIGTERM');
    await upstream.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    () => setTimeout(() => process.exit(0), 500).unref(),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
