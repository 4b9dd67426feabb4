import type { AttemptErrorClass, ErrorCode } from '../core/error-codes.js';

/** One upstream call made while serving a request. */
export interface AttemptRecord {
  target: string;
  /** Upstream HTTP status, or null when no response arrived (reset, timeout, skipped). */
  status: number | null;
  /** Null when the attempt succeeded. */
  errorClass: AttemptErrorClass | null;
  /** Wall time of this attempt, including the body or stream. */
  latencyMs: number;
  /** Time to the first content chunk (streaming) or to headers (non-streaming); null if none. */
  ttftMs: number | null;
  /** When the attempt started, ms since epoch. */
  startedAt: number;
}

/**
 * One client request and everything the gateway did for it: the unit of the request log and,
 * exported as JSONL, of a replayable trace. Field names follow docs/formats.md.
 */
export interface RequestRecord {
  id: string;
  /** Arrival time, ms since epoch. */
  ts: number;
  userId: string | null;
  sessionId: string | null;
  tenant: string | null;
  route: string | null;
  rule: string | null;
  intent: string | null;
  tags: string[];
  /** Whether the client asked for a stream. */
  stream: boolean;
  tokensIn: number;
  tokensOut: number;
  /** Whether token counts came from the upstream's usage or from Switchyard's tokenizer. */
  usageSource: 'upstream' | 'counted';
  servedTarget: string | null;
  attempts: AttemptRecord[];
  /** HTTP status the client received. */
  status: number;
  /** Set when the client received an error (or an in-band stream error). */
  errorCode: ErrorCode | null;
  finishReason: string | null;
  latencyMs: number;
  ttftMs: number | null;
  /** Gateway time not spent waiting on upstreams. */
  overheadMs: number;
  /** Cost of the served completion only; failed attempts are never billed as completions. */
  costUsd: number;
  /** sha256 (hex) of the answer text, for drift checks without storing the text. */
  responseSha256: string | null;
  /** Served by a route's canary arm. */
  canary: boolean;
  /** A mirrored copy whose answer was recorded, never returned; see `shadowOf`. */
  shadow: boolean;
  /** For a shadow record: the id of the client request it mirrors. */
  shadowOf?: string | null;
  /** When the answer was degraded instead of fresh: from the cache, or the static message. */
  degraded?: 'cache' | 'static' | null;
  /** What context fitting did, e.g. "dropped 6 turns"; null when nothing. */
  contextFit: string | null;
  /** The request body, redacted; null when body capture is off. */
  request: unknown | null;
  /** The answer text, redacted; null when body capture is off. */
  responseText: string | null;
}
