import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * On SIGUSR2, print this process's event-loop delay since the previous report (how long ready
 * work waited for the loop: blocking calls, GC, lost CPU) and its memory, then start afresh.
 */
export function reportStatsOnSignal(): void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  process.on('SIGUSR2', () => {
    const toMs = (nanoseconds: number) => Math.round(nanoseconds / 1_000) / 1_000;
    const eventLoopDelayMs = {
      p50: toMs(delay.percentile(50)),
      p99: toMs(delay.percentile(99)),
      max: toMs(delay.max),
    };
    delay.reset();
    const { rss, heapUsed } = process.memoryUsage();
    process.stdout.write(
      `${JSON.stringify({ event: 'stats', eventLoopDelayMs, rss, heapUsed })}\n`,
    );
  });
}
