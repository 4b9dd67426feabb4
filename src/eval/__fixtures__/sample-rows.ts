import { NO_CHECKS, type SampleRow } from '../sample-row.js';

/** A successful 100 ms sample row; override what a test is about. */
export function makeRow(overrides: Partial<SampleRow> = {}): SampleRow {
  return {
    entry: 0,
    candidate: 0,
    repeat: 0,
    level: 0,
    intendedAt: 0,
    sentAt: 0,
    latencyMs: 100,
    serviceMs: 90,
    ttftMs: 30,
    interTokenMs: 2,
    tokensIn: 100,
    tokensOut: 20,
    outputTokensPerSecond: 50,
    contextUse: 0.01,
    costUsd: 0.01,
    attempts: 1,
    errorClass: null,
    servedTarget: 'small',
    passedChecks: NO_CHECKS,
    failedChecks: NO_CHECKS,
    drift: null,
    meetsSlo: true,
    simulated: true,
    ...overrides,
  };
}
