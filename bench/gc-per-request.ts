import { type ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { createInstantUpstream } from './instant-upstream.js';
import { benchRequestBody, runOpenLoop } from './open-loop.js';

/*
 * Garbage and CPU per request, measured so that a busy machine does not change the answer: how
 * many bytes each request allocates, how many of them V8 promotes to the old generation, how fast
 * the old generation grows (that decides how often a mark-compact pauses the loop), and the
 * scavenge time and CPU per request. Wall-clock latency is not measured here (see run.ts).
 *
 *   npm run build && node --import tsx bench/gc-per-request.ts [--stream] [--no-request-log]
 *     [--requests 10000] [--warmup 5000] [--concurrency 8] [--log-batch-size N] [--bare-hop]
 *     [--cpu-prof] (writes the gateway's V8 CPU profile to bench/profiles/)
 *     [--rate N] (open loop at N req/s instead of the closed loop)
 *
 * The gateway (dist/, as in run.ts) runs in a child process with --trace-gc-nvp; this process is
 * the instant upstream plus a closed-loop client with a fixed number of requests in flight. The
 * figures are sums over the GC trace lines of the gateway's main isolate between two marks; the
 * request log's WAL checkpointer is a worker with its own heap and is left out.
 */

const CHILD_ROLE = 'GC_BENCH_ROLE';
const MARK_START = '@@gc-bench start';
const MARK_STOP = '@@gc-bench stop';
const RUN_TIMEOUT_MS = 600_000;
/** V8 prints a wrapped-around `allocated=` on some lines; anything this large is not a byte count. */
const IMPLAUSIBLE_BYTES = 1e12;

/** What one measured window says, per request unless named otherwise. */
interface GcReport {
  requests: number;
  errors: number;
  allocatedBytes: number;
  promotedBytes: number;
  /** Old-generation growth between scavenges with no mark-compact in between. */
  oldGrowthBytes: number | null;
  scavenges: number;
  markCompacts: number;
  scavengeMs: number;
  cpuMicros: number;
  rssMiB: number;
}

async function runChild(): Promise<void> {
  const upstream = process.env.UPSTREAM_BASE_URL ?? '';
  let baseUrl: string;
  if (process.env.GC_BENCH_BARE_HOP === '1') {
    const { startBareHop } = await import('./bare-hop.js');
    baseUrl = (await startBareHop(upstream)).baseUrl;
  } else {
    const { startBenchGateway } = await import('./gateway-server.js');
    baseUrl = (await startBenchGateway(upstream)).baseUrl;
  }
  const collect = (globalThis as { gc?: () => void }).gc;
  let cpuAtStart = process.cpuUsage();
  process.on('message', (message: { command: string }) => {
    if (message.command === 'start') {
      collect?.();
      collect?.();
      process.stdout.write(`${MARK_START}\n`);
      cpuAtStart = process.cpuUsage();
      process.send?.({ started: true });
    } else if (message.command === 'stop') {
      const cpu = process.cpuUsage(cpuAtStart);
      process.stdout.write(`${MARK_STOP}\n`);
      process.send?.({ cpuMicros: cpu.user + cpu.system, rss: process.memoryUsage().rss });
    } else if (message.command === 'exit') {
      process.exit(0);
    }
  });
  process.send?.({ baseUrl });
}

function numberField(line: string, name: string): number {
  const match = new RegExp(`\\b${name}=(\\d+(?:\\.\\d+)?)`).exec(line);
  const value = match ? Number(match[1]) : 0;
  return value > IMPLAUSIBLE_BYTES ? 0 : value;
}

/** Sum the GC trace lines of the isolate that printed most of them (the gateway's main thread). */
function summarize(
  lines: string[],
  requests: number,
  errors: number,
  cpuMicros: number,
  rss: number,
): GcReport {
  const isolateOf = (line: string) => /^\[\d+:(0x[0-9a-f]+)\]/.exec(line)?.[1] ?? '';
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(isolateOf(line), (counts.get(isolateOf(line)) ?? 0) + 1);
  const main = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  let allocated = 0;
  let promoted = 0;
  let scavenges = 0;
  let markCompacts = 0;
  let scavengeMs = 0;
  let growth = 0;
  let growthAllocated = 0;
  let previousSize: number | null = null;
  for (const line of lines) {
    if (isolateOf(line) !== main) continue;
    allocated += numberField(line, 'allocated');
    if (/\bgc=s\b/.test(line)) {
      scavenges += 1;
      promoted += numberField(line, 'promoted');
      scavengeMs += numberField(line, 'pause');
      const size = numberField(line, 'total_size_after');
      if (previousSize !== null) {
        growth += size - previousSize;
        growthAllocated += numberField(line, 'allocated');
      }
      previousSize = size;
    } else {
      if (/\bgc=m[cs]\b/.test(line)) markCompacts += 1;
      previousSize = null;
    }
  }
  const perRequest = (value: number) => Math.round(value / requests);
  return {
    requests,
    errors,
    allocatedBytes: perRequest(allocated),
    promotedBytes: perRequest(promoted),
    oldGrowthBytes:
      growthAllocated > 0 ? Math.round((growth / growthAllocated) * (allocated / requests)) : null,
    scavenges,
    markCompacts,
    scavengeMs: Math.round((scavengeMs / requests) * 1000) / 1000,
    cpuMicros: Math.round((cpuMicros / requests) * 10) / 10,
    rssMiB: Math.round((rss / 2 ** 20) * 10) / 10,
  };
}

async function runParent(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '10000' },
      warmup: { type: 'string', default: '5000' },
      concurrency: { type: 'string', default: '8' },
      stream: { type: 'boolean', default: false },
      'no-request-log': { type: 'boolean', default: false },
      'log-batch-size': { type: 'string' },
      'bare-hop': { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      rate: { type: 'string' },
    },
  });
  // Open loop at a fixed rate instead of a closed loop: what survives a scavenge depends on how
  // much is allocated between scavenges, so promotion at 1,000 req/s differs from flat out.
  const rate = values.rate === undefined ? null : Number(values.rate);
  if (rate !== null && !(rate > 0)) throw new Error('--rate must be a positive number');
  const requests = Math.max(1, Math.trunc(Number(values.requests)));
  const warmup = Math.max(0, Math.trunc(Number(values.warmup)));
  const concurrency = Math.max(1, Math.trunc(Number(values.concurrency)));
  const upstream = await createInstantUpstream().listen(0, '127.0.0.1');
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], {
    execArgv: [
      '--import',
      'tsx',
      '--expose-gc',
      '--trace-gc-nvp',
      // A V8 CPU profile of the gateway process, written on exit (inflates its CPU figure).
      ...(values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir=bench/profiles'] : []),
    ],
    env: {
      ...process.env,
      [CHILD_ROLE]: 'gateway',
      NODE_ENV: 'production',
      UPSTREAM_BASE_URL: upstream.baseUrl,
      ...(values['no-request-log'] ? { BENCH_REQUEST_LOG: 'off' } : {}),
      ...(values['log-batch-size'] ? { BENCH_LOG_BATCH_SIZE: values['log-batch-size'] } : {}),
      ...(values['bare-hop'] ? { GC_BENCH_BARE_HOP: '1' } : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const deadline = setTimeout(() => {
    child.kill();
    process.stderr.write('gc-per-request: timed out\n');
    process.exit(1);
  }, RUN_TIMEOUT_MS);
  child.once('exit', (code) => {
    if (code !== 0 && code !== null) process.exit(1);
  });
  const traced: string[] = [];
  let inWindow = false;
  createInterface({ input: child.stdout as NonNullable<typeof child.stdout> }).on(
    'line',
    (line) => {
      if (line === MARK_START) inWindow = true;
      else if (line === MARK_STOP) inWindow = false;
      else if (inWindow && line.includes(' gc=')) traced.push(line);
    },
  );
  const reply = <T>(message?: { command: string }) =>
    new Promise<T>((resolve) => {
      child.once('message', (answer) => resolve(answer as T));
      if (message) child.send(message);
    });
  const { baseUrl } = await reply<{ baseUrl: string }>();
  const pool = new Pool(new URL(baseUrl).origin, { connections: concurrency });
  const body = benchRequestBody('auto', values.stream);
  let sent = 0;
  let errors = 0;
  const send = async (): Promise<void> => {
    const response = await pool.request({
      path: '/v1/chat/completions',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body(sent++),
    });
    if (response.statusCode !== 200) errors += 1;
    await response.body.dump({ limit: 1 << 20 });
  };
  const run = async (count: number): Promise<void> => {
    if (rate !== null) {
      const result = await runOpenLoop({
        url: `${baseUrl}/chat/completions`,
        body,
        rate,
        count,
        stream: values.stream,
      });
      errors += result.errors;
      return;
    }
    let started = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (started < count) {
          started += 1;
          await send().catch(() => {
            errors += 1;
          });
        }
      }),
    );
  };
  await run(warmup);
  errors = 0;
  await reply({ command: 'start' });
  await run(requests);
  const { cpuMicros, rss } = await reply<{ cpuMicros: number; rss: number }>({ command: 'stop' });
  child.send({ command: 'exit' });
  await new Promise((resolve) => child.once('exit', resolve));
  clearTimeout(deadline);
  await pool.close();
  await upstream.close();
  const report = summarize(traced, requests, errors, cpuMicros, rss);
  const load = rate === null ? { concurrency } : { rate };
  process.stdout.write(`${JSON.stringify({ stream: values.stream, ...load, ...report })}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const role = process.env[CHILD_ROLE] === 'gateway' ? runChild : runParent;
  role().catch((error: unknown) => {
    process.stderr.write(`gc-per-request: ${String(error)}\n`);
    process.exit(1);
  });
}
