/*
 * The Workspace JSON API: every body the browser app (src/ui) reads from or sends to the
 * gateway's /api/* paths. This file is the contract between the two sides; it holds types only,
 * so the UI can import it without pulling server code into the bundle. docs/api.md documents
 * the same shapes for other clients.
 */
import type { RunListing } from '../../eval/run-store.js';
import type { LiveTrafficRow as TrafficWindowRow } from '../../telemetry/live-traffic.js';
import type { AttemptRecord, RequestRecord } from '../../telemetry/request-record.js';

/** `GET /api/info`: what this server is and which Workspace features it can serve. */
export interface WorkspaceInfo {
  /** Switchyard's package version. */
  version: string;
  /** `gateway`: a live `switchyard serve`; `offline`: `switchyard ui` on a stored database. */
  mode: 'gateway' | 'offline';
  /** The policy file in force, or null offline. */
  policy: string | null;
  /** Names a client may send as `model` (what `GET /v1/models` lists); empty offline. */
  models: string[];
  routes: string[];
  targets: WorkspaceTarget[];
  features: {
    /** `GET /api/live` is served (gateway mode). */
    live: boolean;
    /** The playground can send chats through `POST /v1/chat/completions` (gateway mode). */
    playground: boolean;
    /** An admin token is configured, so `POST /admin/traffic` (the kill-switch) exists. */
    killSwitch: boolean;
    /** The request log is readable (`GET /api/requests`). */
    requestLog: boolean;
    /** Request bodies are captured, so logged chats can be shown and replayed. */
    capturedBodies: boolean;
    /** Eval runs are readable (`GET /api/runs`). */
    runs: boolean;
    /** Where `POST /api/suite-cases` appends test cases; null when saving is off. */
    suitePath: string | null;
  };
}

/** One target as the Workspace shows it. Never carries keys or base URLs. */
export interface WorkspaceTarget {
  name: string;
  provider: string;
  model: string;
  /** A `sim` target: every answer from it is simulated and must be labelled so. */
  simulated: boolean;
  contextWindow: number;
  /** USD per 1M tokens, for cost shown next to playground answers. */
  inputPricePerMillion: number;
  outputPricePerMillion: number;
}

/** `GET /api/runs`: stored eval runs, newest first. */
export interface RunListResponse {
  runs: RunListing[];
}
// `GET /api/runs/:id` answers with the stored RunReport itself (src/eval/run-report.ts).

/**
 * `GET /api/requests` query parameters (all optional): `route`, `target` (the served model),
 * `status` (an HTTP status like `429`, or `ok` for < 400, or `error` for ≥ 400), `user`,
 * `since` and `until` (ms since epoch or ISO 8601), `limit` (1..500, default 50),
 * `cursor` (the `next` of the previous page). Newest first.
 */
export interface RequestListResponse {
  requests: RequestSummary[];
  /** Pass as `cursor` to read the next (older) page; null on the last page. */
  next: string | null;
}

/** One row of the log browser: the record without its bodies. */
export interface RequestSummary {
  id: string;
  ts: number;
  route: string | null;
  servedTarget: string | null;
  status: number;
  errorCode: string | null;
  userId: string | null;
  sessionId: string | null;
  intent: string | null;
  stream: boolean;
  latencyMs: number;
  ttftMs: number | null;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  attempts: number;
  canary: boolean;
  shadow: boolean;
  degraded: 'cache' | 'static' | null;
  /** The stored request body is present (body capture was on), so it can be shown and replayed. */
  hasBody: boolean;
}

/** `GET /api/requests/:id`: the whole stored record (bodies redacted as stored). */
export type RequestDetail = RequestRecord;
export type { AttemptRecord, RequestRecord, RunListing };

/** `GET /api/live`: live traffic over a rolling window, plus the gateway's control state. */
export interface LiveSnapshot {
  /** ms since epoch when this snapshot was taken. */
  at: number;
  /** Length of the rolling window the rates and percentiles cover. */
  windowSeconds: number;
  traffic: LiveTrafficRow[];
  breakers: Array<{ target: string; state: 'closed' | 'open' | 'half-open' }>;
  /** Null when the kill-switch has never been used. */
  killSwitch: {
    active: boolean;
    /** The route every request takes while active. */
    safeRoute: string;
    /** ISO 8601. */
    since: string;
    actor: string;
    reason: string | null;
  } | null;
  /** The route the kill-switch sends traffic to. */
  safeRoute: string;
  canaries: LiveCanary[];
  budgets: LiveBudget[];
}

/**
 * One route × served target over the window: requests, req/s, error rate, p50/p95, cost per
 * minute and `series` (requests per 5-second bucket, oldest first, for a sparkline). The target
 * is `none` when no target answered (every attempt failed, or the request was rejected).
 */
export interface LiveTrafficRow extends TrafficWindowRow {
  simulated: boolean;
}

/** A canary's progress for the live page. */
export interface LiveCanary {
  route: string;
  candidate: string;
  status: string;
  percentage: number;
  steps: number[];
  nextPercentage: number | null;
  /** Gate expressions as configured, e.g. `p95_latency_ms < 300`. */
  gates: string[];
  /** The last evaluation's verdict in words, and each gate's values; null before the first. */
  lastVerdict: {
    action: string;
    reason: string;
    detail: string;
    at: number;
    gates: Array<{
      gate: string;
      status: string;
      canary: number | null;
      baseline: number | null;
      threshold: number | null;
    }>;
  } | null;
  samples: { canary: number; baseline: number };
  /** Promotions, rollbacks and manual actions, newest first. */
  history: Array<{
    type: string;
    at: number;
    fromPercentage: number;
    toPercentage: number;
    reason: string;
    manual: boolean;
  }>;
}

/** One budget counter and how much of its current window is spent. */
export interface LiveBudget {
  /** `scope:name`, e.g. `target:gpt-large`, `route:chat`, `tenant:acme`. */
  id: string;
  limitUsd: number;
  spentUsd: number;
  windowMs: number;
  resetsInMs: number;
  exceeded: boolean;
  /** What happens when it is exceeded. */
  onExceeded: 'downgrade' | 'reject';
  downgradeRoute: string | null;
}

/** `POST /api/suite-cases` body: save a playground comparison as an eval test case. */
export interface SuiteCaseInput {
  /** The chat as sent (an OpenAI chat request body without `model`). */
  request: { messages: unknown[]; [field: string]: unknown };
  /** The answer to keep as the expected one (usually the preferred target's). */
  expected?: string;
  tags?: string[];
  /** Free text kept with the case, e.g. why the answer was preferred. */
  note?: string;
}

/** `POST /api/suite-cases` answer. */
export interface SuiteCaseSaved {
  id: string;
  /** The suite file the case was appended to (one JSON line, a trace entry eval reads). */
  path: string;
}

/** Every error from /api/* uses the gateway's OpenAI-style error body. */
export interface ApiErrorBody {
  error: { message: string; type: string; code: string; param?: string | null };
}
