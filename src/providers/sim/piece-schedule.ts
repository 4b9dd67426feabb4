import type { SimPlan } from './sim-engine.js';

/** Pieces due within this long of each other go out on one timer wakeup. */
export const FLUSH_TICK_MS = 10;

/** When each piece of a streamed answer may go out. */
export interface PieceSchedule {
  /** Milliseconds to wait before piece `index` is due; 0 means send it now. */
  delayBefore(index: number): number;
}

/**
 * Piece i is due at ttft + i × interTokenMs after the stream was accepted.
 *
 * A timer per token would cost 60 timers for a 60-token answer, and load tests run thousands of
 * answers a second, so wakeups are coalesced: after waking, every piece already due goes out at
 * once, and the next wakeup is at least FLUSH_TICK_MS after the previous one. The first piece
 * (the TTFT) and the last are never late by more than one tick; only the spacing in between is
 * quantized, which no client can tell from network jitter.
 */
export function createPieceSchedule(
  plan: SimPlan,
  startedAt: number,
  now: () => number,
): PieceSchedule {
  let lastWake = Number.NEGATIVE_INFINITY;
  return {
    delayBefore(index) {
      const elapsed = now() - startedAt;
      const due = plan.ttftMs + index * plan.interTokenMs;
      if (due <= elapsed) return 0;
      const wake = Math.max(due, lastWake + FLUSH_TICK_MS);
      lastWake = wake;
      return wake - elapsed;
    },
  };
}
