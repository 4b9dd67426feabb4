import { createLatencyHistogram } from '../loadgen/index.js';
import type { CandidateSummary, CheckTally, DeterminismSummary } from './run-report.js';
import type { SampleRow } from './sample-row.js';

/** What summarizeRows needs besides the rows. */
export interface SummaryContext {
  candidate: string;
  /** Wall time of the run the rows came from, for throughput and goodput. */
  durationMs: number;
  /**
   * Monthly requests / the candidate's requests in the whole run: multiplies a cost total into a
   * monthly projection (for a slice, its share of the monthly spend).
   */
  monthlyScale: number;
  isBaseline: boolean;
  /** The baseline's quality score on the same rows (slice), for accuracyDelta. */
  baselineQuality: number | null;
  tokenShift?: number | null;
  determinism?: DeterminismSummary | null;
  /** Points in the latency CDF; default 60. */
  cdfPoints?: number;
}

/**
 * Aggregate one candidate's rows (the whole run or one slice) into a CandidateSummary.
 * Percentiles come from HDR histograms. Latency and service time cover the requests that were
 * answered: a request refused in 2 ms is not a fast answer, and counting it would let a config
 * that fails fast look quick. Failures are counted in the error rate and the error histogram,
 * and a request that succeeded after retries carries all the waiting it took. TTFT covers every
 * request whose first token arrived.
 */
export function summarizeRows(
  rows: Iterable<SampleRow>,
  context: SummaryContext,
): CandidateSummary {
  const latency = createLatencyHistogram();
  const service = createLatencyHistogram();
  const ttft = createLatencyHistogram();
  const errorsByClass: Record<string, number> = {};
  const checks: Record<string, CheckTally> = {};
  let requests = 0;
  let successes = 0;
  let simulated = false;
  let goodput = 0;
  let tokensIn = 0;
  let tokensOut = 0;
  let totalCost = 0;
  let interTokenSum = 0;
  let interTokenCount = 0;
  let tpsSum = 0;
  let tpsCount = 0;
  let judged = 0;
  let passedAll = 0;
  let driftSum = 0;
  let driftCount = 0;

  for (const row of rows) {
    requests += 1;
    if (row.simulated) simulated = true;
    if (row.ttftMs !== null) ttft.record(row.ttftMs);
    if (row.errorClass === null) {
      successes += 1;
      latency.record(row.latencyMs);
      service.record(row.serviceMs);
    } else {
      errorsByClass[row.errorClass] = (errorsByClass[row.errorClass] ?? 0) + 1;
    }
    if (row.meetsSlo) goodput += 1;
    tokensIn += row.tokensIn;
    tokensOut += row.tokensOut;
    totalCost += row.costUsd;
    if (row.interTokenMs !== null) {
      interTokenSum += row.interTokenMs;
      interTokenCount += 1;
    }
    if (row.outputTokensPerSecond !== null) {
      tpsSum += row.outputTokensPerSecond;
      tpsCount += 1;
    }
    if (row.passedChecks.length > 0 || row.failedChecks.length > 0) {
      judged += 1;
      if (row.failedChecks.length === 0) passedAll += 1;
      for (const name of row.passedChecks) tally(checks, name, true);
      for (const name of row.failedChecks) tally(checks, name, false);
    }
    if (row.drift !== null) {
      driftSum += row.drift;
      driftCount += 1;
    }
  }

  const seconds = context.durationMs / 1000;
  const qualityScore = judged === 0 ? null : passedAll / judged;
  // The baseline has no delta to itself (null, as its drift), so a gate cannot pass on it vacuously.
  const accuracyDelta =
    qualityScore === null || context.isBaseline || context.baselineQuality === null
      ? null
      : qualityScore - context.baselineQuality;
  for (const tallied of Object.values(checks)) tallied.rate = tallied.pass / tallied.total;

  return {
    candidate: context.candidate,
    simulated,
    requests,
    successes,
    errorRate: requests === 0 ? 0 : (requests - successes) / requests,
    errorsByClass,
    latency: latency.summary(),
    service: service.summary(),
    ttft: ttft.count === 0 ? null : ttft.summary(),
    interTokenMs: interTokenCount === 0 ? null : interTokenSum / interTokenCount,
    outputTokensPerSecond: tpsCount === 0 ? null : tpsSum / tpsCount,
    throughputRps: seconds > 0 ? requests / seconds : 0,
    goodputRps: seconds > 0 ? goodput / seconds : 0,
    tokensIn,
    tokensOut,
    totalCostUsd: totalCost,
    costPerRequestUsd: requests === 0 ? 0 : totalCost / requests,
    costPerSuccessUsd: successes === 0 ? null : totalCost / successes,
    monthlyCostUsd: totalCost * context.monthlyScale,
    checks,
    qualityScore,
    accuracyDelta,
    meanDrift: driftCount === 0 ? null : driftSum / driftCount,
    tokenShift: context.tokenShift ?? null,
    determinism: context.determinism ?? null,
    latencyCdf: latency.cdf(context.cdfPoints ?? 60),
  };
}

function tally(checks: Record<string, CheckTally>, name: string, pass: boolean): void {
  let entry = checks[name];
  if (!entry) {
    entry = { pass: 0, total: 0, rate: 0 };
    checks[name] = entry;
  }
  entry.total += 1;
  if (pass) entry.pass += 1;
}
