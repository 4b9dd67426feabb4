import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createLatencyHistogram, type LoadRunStats, runLoad } from '../src/loadgen/index.js';
import {
  canPin,
  createPoolSender,
  pinSelf,
  probeSchedulerNoise,
  round,
  spawnReady,
} from './loadgen-support.js';

/*
 * Rate accuracy of the load generator: can it hold 5,000 req/s, on one core, within 1% of the
 * target, with its own send lag at p99 ≤ 1 ms?
 *
 *   core 1: this process, the generator (runLoad + an undici Pool), pinned with taskset -a
 *   core 0: bench/instant-upstream.ts, a node:http server answering a small JSON body, keep-alive
 *
 * A warm-up run (not reported) lets V8 optimize the hot path first. Everything is bounded: the
 * measured run is rate × duration requests with maxDurationMs = 3 × duration + 10 s.
 *
 *   node --import tsx bench/loadgen-rate.ts [--rate 5000] [--duration 10] [--connections 128]
 *     [--spin-ms 2] [--poll-sleep-ms 0.05] [--no-pin]
 */

const BODY = JSON.stringify({
  model: 'instant-1',
  messages: [{ role: 'user', content: 'What is the capital of France?' }],
  max_tokens: 16,
});

interface RateResult {
  targetRps: number;
  requests: number;
  achievedRps: number;
  errorPercent: number;
  lagP50Ms: number;
  lagP90Ms: number;
  lagP99Ms: number;
  lagP999Ms: number;
  maxLagMs: number;
  completedRps: number;
  ok: number;
  errors: number;
  errorSamples: string[];
  latencyP50Ms: number;
  latencyP99Ms: number;
  serviceP99Ms: number;
  generatorCpuPercent: number;
  timedOut: boolean;
}

async function measure(
  url: string,
  rate: number,
  seconds: number,
  connections: number,
  spinMs: number,
  pollSleepMs: number,
): Promise<RateResult> {
  const sender = createPoolSender(url, BODY, connections);
  // Every send here is due at its intended time (no sessions, no maxInFlight wait), so
  // sentAt − intendedAt is exactly the dispatcher's lag; kept whole for the percentiles below p99.
  const lag = createLatencyHistogram();
  const count = Math.round(rate * seconds);
  const cpuBefore = process.cpuUsage();
  let stats: LoadRunStats;
  try {
    stats = await runLoad<number>({
      items: Array.from({ length: count }, (_, index) => index),
      model: { kind: 'constant', rate },
      sessionOf: () => null,
      tsOf: () => null,
      send: (_item, timing, signal) => {
        lag.record(timing.sentAt - timing.intendedAt);
        return sender.send(timing, signal);
      },
      maxDurationMs: seconds * 3_000 + 10_000,
      spinMs,
      pollSleepMs,
    });
  } finally {
    await sender.close();
  }
  const cpu = process.cpuUsage(cpuBefore);
  const { results } = sender;
  return {
    targetRps: rate,
    requests: count,
    achievedRps: round(stats.achievedRps),
    errorPercent: round(((stats.achievedRps - rate) / rate) * 100),
    lagP50Ms: round(lag.percentile(50)),
    lagP90Ms: round(lag.percentile(90)),
    lagP99Ms: round(stats.lagP99Ms),
    lagP999Ms: round(lag.percentile(99.9)),
    maxLagMs: round(stats.maxLagMs),
    completedRps: round((stats.completed * 1_000) / stats.durationMs),
    ok: results.ok,
    errors: results.errors,
    errorSamples: results.errorSamples,
    latencyP50Ms: round(results.latency.percentile(50)),
    latencyP99Ms: round(results.latency.percentile(99)),
    serviceP99Ms: round(results.service.percentile(99)),
    generatorCpuPercent: round(((cpu.user + cpu.system) / 1_000 / stats.durationMs) * 100),
    timedOut: stats.timedOut,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '5000' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '128' },
      'spin-ms': { type: 'string', default: '2' },
      'poll-sleep-ms': { type: 'string', default: '0.05' },
      'no-pin': { type: 'boolean', default: false },
    },
  });
  const rate = Number(values.rate);
  const seconds = Number(values.duration);
  const connections = Number(values.connections);
  const spinMs = Number(values['spin-ms']);
  const pollSleepMs = Number(values['poll-sleep-ms']);
  const pinned = !values['no-pin'] && canPin();
  if (pinned) pinSelf(1);
  const upstream = await spawnReady('bench/instant-upstream.ts', pinned ? 0 : null);
  try {
    const url = `${String(upstream.ready.baseUrl)}/chat/completions`;
    await measure(url, rate, Number(values.warmup), connections, spinMs, pollSleepMs);
    const noiseBefore = await probeSchedulerNoise();
    const result = await measure(url, rate, seconds, connections, spinMs, pollSleepMs);
    const pass = Math.abs(result.errorPercent) <= 1 && result.lagP99Ms <= 1 && result.errors === 0;
    process.stdout.write(
      `${JSON.stringify(
        {
          pinned: pinned ? 'generator core 1, upstream core 0' : 'not pinned',
          loadAverage: loadavg().map(round),
          schedulerNoiseBefore: noiseBefore,
          durationSeconds: seconds,
          ...result,
        },
        null,
        2,
      )}\n`,
    );
    process.stdout.write(
      `\n${pass ? 'PASS' : 'FAIL'}: ${result.achievedRps} req/s sent for a target of ${rate} (${result.errorPercent}%), send lag p99 ${result.lagP99Ms} ms, max ${result.maxLagMs} ms; ${result.errors} errors\n`,
    );
  } finally {
    await upstream.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `loadgen-rate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
