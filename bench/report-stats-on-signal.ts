import { readFileSync } from 'node:fs';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

/** GC pauses of this process's main isolate since the last report. */
export interface GcPauseStats {
  count: number;
  totalMs: number;
  maxMs: number;
  /** Mark-compacts (full GCs) among them. */
  majors: number;
  majorMaxMs: number;
}

/** What a server prints on SIGUSR2, as one JSON line. */
export interface ServerStats {
  event: 'stats';
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  gc: GcPauseStats;
  /**
   * Times the kernel took the main thread off its core while it could still run (another thread
   * or process wanted the core): the request log's writer and checkpointer threads share the
   * pinned core, so this shows when they stole time from requests.
   */
  involuntarySwitches: number | null;
  rss: number;
  heapUsed: number;
}

/**
 * The loop-delay timer's period. Node records each period's whole length (period + delay), so
 * the report subtracts it: a loop that never stalled reports about 0.
 */
const RESOLUTION_MS = 10;

function emptyGc(): GcPauseStats {
  return { count: 0, totalMs: 0, maxMs: 0, majors: 0, majorMaxMs: 0 };
}

/** The main thread's involuntary context switches so far, from /proc (Linux only). */
function involuntarySwitches(): number | null {
  try {
    const status = readFileSync(`/proc/self/task/${process.pid}/status`, 'utf8');
    const match = /nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * On SIGUSR2, print this process's event-loop delay since the previous report (how long ready
 * work waited for the loop: blocking calls, GC, lost CPU), its GC pauses, how often it was
 * preempted, and its memory, then start afresh. A long loop delay with no GC pause and no
 * preemption to match came from outside the process (the hypervisor, on this machine).
 */
export function reportStatsOnSignal(): void {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  let gc = emptyGc();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      gc.count += 1;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        gc.majors += 1;
        gc.majorMaxMs = Math.max(gc.majorMaxMs, entry.duration);
      }
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  let switchesAtLastReport = involuntarySwitches();
  process.on('SIGUSR2', () => {
    const toMs = (nanoseconds: number) =>
      Math.max(0, Math.round(nanoseconds / 1_000 - RESOLUTION_MS * 1_000) / 1_000);
    const round = (ms: number) => Math.round(ms * 1000) / 1000;
    const switches = involuntarySwitches();
    const { rss, heapUsed } = process.memoryUsage();
    const stats: ServerStats = {
      event: 'stats',
      eventLoopDelayMs: {
        p50: toMs(delay.percentile(50)),
        p99: toMs(delay.percentile(99)),
        max: toMs(delay.max),
      },
      gc: {
        count: gc.count,
        totalMs: round(gc.totalMs),
        maxMs: round(gc.maxMs),
        majors: gc.majors,
        majorMaxMs: round(gc.majorMaxMs),
      },
      involuntarySwitches:
        switches !== null && switchesAtLastReport !== null ? switches - switchesAtLastReport : null,
      rss,
      heapUsed,
    };
    gc = emptyGc();
    delay.reset();
    switchesAtLastReport = involuntarySwitches();
    process.stdout.write(`${JSON.stringify(stats)}\n`);
  });
}
