import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { type LatencyHistogram, type LoadRunStats, runLoad } from '../src/loadgen/index.js';
import {
  canPin,
  createPoolSender,
  pinSelf,
  probeSchedulerNoise,
  round,
  spawnReady,
} from './loadgen-support.js';

/*
 * Coordinated omission, as wrk vs wrk2 show it. The upstream (bench/loadgen-stall-upstream.ts,
 * another process) answers in ~5 ms but stalls for 1 s of every 10 s; everything that arrives
 * during a stall waits for its end. The same server is measured twice for the same wall time:
 *
 * - open loop (runLoad, constant rate): requests keep going out on schedule during a stall and
 *   latency is measured from the intended send time. About 10% of requests land in a stall and
 *   wait 0–1,000 ms, so p99 should be near 900 ms: the stalls are in the numbers.
 * - closed loop (runLoad, concurrency N; latency from the actual send, like wrk): a stall holds
 *   each worker on one request, the client sends nothing else meanwhile, so only N requests per
 *   stall are slow out of thousands, and p99 stays at the service time: the stalls are hidden.
 *
 * Bounded: the open loop sends rate × duration requests; the closed loop stops at `duration`
 * (maxDurationMs) with at most 1,000 × duration items.
 *
 *   node --import tsx bench/loadgen-omission.ts [--rate 200] [--duration 30] [--concurrency 1] [--no-pin]
 */

const BODY = JSON.stringify({ model: 'stall-1', messages: [{ role: 'user', content: 'hi' }] });

interface ModeResult {
  mode: string;
  requests: number;
  ok: number;
  errors: number;
  throughputRps: number;
  measuredFrom: string;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** Share of answered requests slower than 100 ms: the ones a stall touched. */
  over100MsPercent: number;
}

function summarize(
  mode: string,
  measuredFrom: string,
  stats: LoadRunStats,
  histogram: LatencyHistogram,
  ok: number,
  errors: number,
): ModeResult {
  return {
    mode,
    requests: stats.sent,
    ok,
    errors,
    throughputRps: round((stats.completed * 1_000) / stats.durationMs),
    measuredFrom,
    p50Ms: round(histogram.percentile(50)),
    p90Ms: round(histogram.percentile(90)),
    p99Ms: round(histogram.percentile(99)),
    p999Ms: round(histogram.percentile(99.9)),
    maxMs: round(histogram.max),
    over100MsPercent: round((1 - histogram.fractionAtOrBelow(100)) * 100),
  };
}

async function reset(url: string): Promise<void> {
  const response = await request(url, { method: 'POST' });
  await response.body.dump();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: '200' },
      duration: { type: 'string', default: '30' },
      concurrency: { type: 'string', default: '1' },
      connections: { type: 'string', default: '1024' },
      'no-pin': { type: 'boolean', default: false },
    },
  });
  const rate = Number(values.rate);
  const seconds = Number(values.duration);
  const concurrency = Number(values.concurrency);
  const connections = Number(values.connections);
  const pinned = !values['no-pin'] && canPin();
  if (pinned) pinSelf(1);
  const upstream = await spawnReady('bench/loadgen-stall-upstream.ts', pinned ? 0 : null);
  const url = String(upstream.ready.url);
  const resetUrl = String(upstream.ready.resetUrl);
  const results: ModeResult[] = [];
  let openStats: LoadRunStats | null = null;
  const noiseBefore = await probeSchedulerNoise();
  try {
    {
      const sender = createPoolSender(url, BODY, connections);
      await reset(resetUrl);
      const stats = await runLoad<number>({
        items: Array.from({ length: Math.round(rate * seconds) }, (_, index) => index),
        model: { kind: 'constant', rate },
        sessionOf: () => null,
        tsOf: () => null,
        send: (_item, timing, signal) => sender.send(timing, signal),
        maxDurationMs: seconds * 1_000 + 15_000,
      });
      await sender.close();
      openStats = stats;
      const { ok, errors } = sender.results;
      results.push(
        summarize(
          `open loop, constant ${rate} req/s`,
          'intended send',
          stats,
          sender.results.latency,
          ok,
          errors,
        ),
      );
      results.push(
        summarize(
          `open loop, constant ${rate} req/s`,
          'actual send',
          stats,
          sender.results.service,
          ok,
          errors,
        ),
      );
    }
    {
      const sender = createPoolSender(url, BODY, Math.max(concurrency, 1));
      await reset(resetUrl);
      const stats = await runLoad<number>({
        items: Array.from({ length: Math.round(seconds * 1_000) }, (_, index) => index),
        model: { kind: 'concurrency', concurrency },
        sessionOf: () => null,
        tsOf: () => null,
        send: (_item, timing, signal) => sender.send(timing, signal),
        maxDurationMs: seconds * 1_000,
        abortGraceMs: 100,
      });
      await sender.close();
      const { ok, errors } = sender.results;
      results.push(
        summarize(
          `closed loop, ${concurrency} concurrent`,
          'actual send',
          stats,
          sender.results.service,
          ok,
          errors,
        ),
      );
    }
  } finally {
    await upstream.stop();
  }
  process.stdout.write(
    `${JSON.stringify(
      {
        pinned: pinned ? 'generator core 1, upstream core 0' : 'not pinned',
        loadAverage: loadavg().map(round),
        schedulerNoiseBefore: noiseBefore,
        upstream: 'answers in 5 ms; stalls 1 s of every 10 s (5–6 s, 15–16 s, 25–26 s)',
        durationSeconds: seconds,
        openLoopSendLag: openStats
          ? { p99Ms: round(openStats.lagP99Ms), maxMs: round(openStats.maxLagMs) }
          : null,
        results,
      },
      null,
      2,
    )}\n\n`,
  );
  process.stdout.write(
    '| mode | latency from | requests | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | > 100 ms |\n',
  );
  process.stdout.write('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n');
  for (const row of results) {
    process.stdout.write(
      `| ${row.mode} | ${row.measuredFrom} | ${row.requests} | ${row.throughputRps} | ${row.p50Ms} | ${row.p90Ms} | ${row.p99Ms} | ${row.p999Ms} | ${row.maxMs} | ${row.over100MsPercent}% |\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `loadgen-omission: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
