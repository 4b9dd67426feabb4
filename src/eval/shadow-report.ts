import { randomUUID } from 'node:crypto';
import { lexicalDrift } from '../checks/index.js';
import type { LogStore, RecordQuery } from '../telemetry/log-store.js';
import type { RequestRecord } from '../telemetry/request-record.js';
import { type DiffRow, REPORT_SCHEMA_VERSION, type RunReport } from './run-report.js';
import { NO_CHECKS, type SampleRow } from './sample-row.js';
import { summarizeRows } from './summarize-rows.js';

/** How many of the largest-drift pairs the report shows. */
const DIFF_LIMIT = 200;

/**
 * Build an eval-style report from shadow traffic: every shadow record is paired with the client
 * request it mirrored (`shadowOf`), the live answers are the baseline and the shadow target's the
 * candidate. Metrics come from what was recorded in production, not from a replay.
 */
export async function buildShadowReport(
  store: LogStore,
  query: RecordQuery,
  options: { simulatedTargets?: ReadonlySet<string> } = {},
): Promise<RunReport> {
  const simulated = options.simulatedTargets ?? new Set<string>();
  const originals = new Map<string, RequestRecord>();
  const shadows: RequestRecord[] = [];
  for await (const record of store.query(query)) {
    if (record.shadow && record.shadowOf) shadows.push(record);
    else if (!record.shadow) originals.set(record.id, record);
  }
  const pairs = shadows
    .map((shadow) => ({ live: originals.get(shadow.shadowOf ?? ''), shadow }))
    .filter(
      (pair): pair is { live: RequestRecord; shadow: RequestRecord } => pair.live !== undefined,
    );
  if (pairs.length === 0) {
    throw new Error(
      'no shadow records with their original requests in this period; is a route shadow configured?',
    );
  }
  const shadowTarget =
    pairs[0]?.shadow.servedTarget ?? pairs[0]?.shadow.attempts[0]?.target ?? 'shadow';
  const candidates = ['live', `shadow:${shadowTarget}`];
  const liveRows: SampleRow[] = [];
  const shadowRows: SampleRow[] = [];
  const diff: DiffRow[] = [];
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  pairs.forEach(({ live, shadow }, index) => {
    first = Math.min(first, live.ts);
    last = Math.max(last, live.ts + live.latencyMs);
    const drift =
      live.responseText !== null && shadow.responseText !== null
        ? lexicalDrift(live.responseText, shadow.responseText)
        : live.responseSha256 !== null && live.responseSha256 === shadow.responseSha256
          ? 0
          : null;
    liveRows.push(toRow(live, index, 0, null, simulated));
    shadowRows.push(toRow(shadow, index, 1, drift, simulated));
    if (drift !== null) {
      diff.push({
        entryId: live.id,
        candidate: candidates[1] ?? 'shadow',
        slices: live.tags,
        prompt: promptOf(live),
        baselineText: live.responseText,
        candidateText: shadow.responseText,
        drift,
        failedChecks: [],
      });
    }
  });
  diff.sort((a, b) => b.drift - a.drift);
  const durationMs = Math.max(1, last - first);
  const monthlyScale = (30 * 24 * 3600_000) / durationMs;
  const liveSummary = summarizeRows(liveRows, {
    candidate: 'live',
    durationMs,
    monthlyScale,
    isBaseline: true,
    baselineQuality: null,
  });
  const shadowSummary = summarizeRows(shadowRows, {
    candidate: candidates[1] ?? 'shadow',
    durationMs,
    monthlyScale,
    isBaseline: false,
    baselineQuality: liveSummary.qualityScore,
  });
  const now = new Date().toISOString();
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    id: randomUUID(),
    name: `shadow report: ${shadowTarget} vs live`,
    startedAt: new Date(first).toISOString(),
    finishedAt: now,
    simulated: liveSummary.simulated || shadowSummary.simulated,
    trace: { source: 'request log (shadow pairs)', entries: pairs.length, skipped: [] },
    load: {
      model: 'production',
      description: 'recorded production traffic mirrored to the shadow target',
      intendedRps: null,
      achievedRps: pairs.length / (durationMs / 1000),
      maxLagMs: 0,
    },
    baseline: 'live',
    candidates: [liveSummary, shadowSummary],
    slices: [],
    gates: [],
    passed: true,
    capacity: { bySize: [], byLoad: [] },
    diff: diff.slice(0, DIFF_LIMIT),
    advice: null,
  };
}

function toRow(
  record: RequestRecord,
  entry: number,
  candidate: number,
  drift: number | null,
  simulatedTargets: ReadonlySet<string>,
): SampleRow {
  const failed = record.status !== 200 || record.errorCode !== null;
  return {
    entry,
    candidate,
    repeat: 0,
    level: 0,
    intendedAt: 0,
    sentAt: 0,
    latencyMs: record.latencyMs,
    serviceMs: record.latencyMs,
    ttftMs: record.ttftMs,
    interTokenMs: null,
    tokensIn: record.tokensIn,
    tokensOut: record.tokensOut,
    outputTokensPerSecond: null,
    contextUse: null,
    costUsd: record.costUsd,
    attempts: record.attempts.length,
    errorClass: failed ? (record.attempts.at(-1)?.errorClass ?? 'server_error') : null,
    servedTarget: record.servedTarget,
    passedChecks: NO_CHECKS,
    failedChecks: NO_CHECKS,
    drift,
    meetsSlo: !failed,
    simulated: record.servedTarget !== null && simulatedTargets.has(record.servedTarget),
  };
}

function promptOf(record: RequestRecord): string {
  const request = record.request as {
    messages?: Array<{ role?: string; content?: unknown }>;
  } | null;
  const last = request?.messages?.filter((message) => message.role === 'user').at(-1);
  return typeof last?.content === 'string' ? last.content.slice(0, 500) : '';
}
