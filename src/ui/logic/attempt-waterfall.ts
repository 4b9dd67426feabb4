import type { AttemptRecord } from '../../telemetry/request-record.js';

/** One attempt's bar, as shares (0..100) of the request's timeline. */
export interface WaterfallBar {
  target: string;
  /** Where the bar starts, percent of the span. */
  offsetPercent: number;
  /** How long the bar is, percent of the span (at least a sliver, so a 0 ms attempt shows). */
  widthPercent: number;
  /** Where the first token arrived, percent of the bar's own width; null without a TTFT. */
  ttftPercent: number | null;
  /** Milliseconds from the request's arrival to the attempt's start. */
  startMs: number;
  latencyMs: number;
  ttftMs: number | null;
  ok: boolean;
}

/** The timeline every bar is placed on. */
export interface WaterfallLayout {
  spanMs: number;
  bars: WaterfallBar[];
}

const MIN_WIDTH_PERCENT = 0.5;

/**
 * Lays attempts out on one timeline from the request's arrival (`requestTs`) to whichever ends
 * later, the request or its last attempt, so retries and fallbacks show as the staircase they
 * were. Attempts that started before the recorded arrival (clock skew) are clamped to zero.
 */
export function attemptWaterfall(
  requestTs: number,
  requestLatencyMs: number,
  attempts: readonly AttemptRecord[],
): WaterfallLayout {
  const ends = attempts.map(
    (attempt) => Math.max(0, attempt.startedAt - requestTs) + Math.max(0, attempt.latencyMs),
  );
  const spanMs = Math.max(requestLatencyMs, ...ends, 1);
  const bars = attempts.map((attempt): WaterfallBar => {
    const startMs = Math.max(0, attempt.startedAt - requestTs);
    const latencyMs = Math.max(0, attempt.latencyMs);
    const offsetPercent = Math.min(100, (startMs / spanMs) * 100);
    const widthPercent = Math.min(
      100 - offsetPercent,
      Math.max(MIN_WIDTH_PERCENT, (latencyMs / spanMs) * 100),
    );
    const ttftPercent =
      attempt.ttftMs === null || latencyMs === 0
        ? null
        : Math.min(100, (Math.max(0, attempt.ttftMs) / latencyMs) * 100);
    return {
      target: attempt.target,
      offsetPercent,
      widthPercent,
      ttftPercent,
      startMs,
      latencyMs,
      ttftMs: attempt.ttftMs,
      ok: attempt.errorClass === null,
    };
  });
  return { spanMs, bars };
}
