import type { ResponseSample } from './eval-types.js';

/**
 * The compact form of one ResponseSample that a run keeps for aggregation: numbers and short
 * labels only. Answer texts are dropped once checks and drift have used them (the diff keeps the
 * few it shows), so a 100,000-request run holds about a hundred bytes per response.
 */
export interface SampleRow {
  /** Index into the run's entries. */
  entry: number;
  /** Index into the run's candidates. */
  candidate: number;
  repeat: number;
  /** Sweep level index; 0 when the load is not a sweep. */
  level: number;
  intendedAt: number;
  sentAt: number;
  latencyMs: number;
  serviceMs: number;
  ttftMs: number | null;
  interTokenMs: number | null;
  tokensIn: number;
  tokensOut: number;
  outputTokensPerSecond: number | null;
  contextUse: number | null;
  costUsd: number;
  attempts: number;
  errorClass: ResponseSample['errorClass'];
  servedTarget: string | null;
  /** Names of the checks that ran and passed / failed (a shared empty array when none). */
  passedChecks: readonly string[];
  failedChecks: readonly string[];
  /** Lexical drift from the baseline's answer to the same entry; null when either failed. */
  drift: number | null;
  /** Succeeded and met every SLO (goodput). */
  meetsSlo: boolean;
  simulated: boolean;
}

/** Shared by rows with no check results, so they allocate nothing. */
export const NO_CHECKS: readonly string[] = Object.freeze([]);

/** Whether a row's response passed every check that ran; null when none ran. */
export function rowQuality(row: SampleRow): boolean | null {
  if (row.passedChecks.length === 0 && row.failedChecks.length === 0) return null;
  return row.failedChecks.length === 0;
}
