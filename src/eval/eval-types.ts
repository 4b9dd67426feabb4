import type { ChatRequest } from '../core/chat-types.js';
import type { AttemptErrorClass } from '../core/error-codes.js';

/**
 * One request to replay: a line of a trace (exported request record or plain OpenAI request) or
 * a row of a curated suite, normalized.
 */
export interface TraceEntry {
  /** Stable id: the record's id, or `line-N`. */
  id: string;
  /** Line (or row) number in the source file, 1-based, for error messages. */
  line: number;
  /** Original arrival time, ms since epoch; null when the source had none. */
  ts: number | null;
  sessionId: string | null;
  userId: string | null;
  /** Tags from the source plus those added by the slice detectors. */
  tags: string[];
  intent: string | null;
  /** The request to send; `model` is replaced per candidate. */
  request: ChatRequest;
  /** Reference answer, when known. */
  expected: string | null;
  /** Grounding context the answer must be supported by, when known. */
  context: string | null;
  /** Per-entry checks from a curated suite, in addition to the run's checks. */
  checks: CheckSpec[];
}

/** A malformed input line, reported and skipped. */
export interface SkippedLine {
  line: number;
  reason: string;
}

/** What is being evaluated: one target, or a whole policy's routing. */
export type Candidate =
  | { name: string; kind: 'target'; target: string }
  | { name: string; kind: 'policy'; policyPath: string; route: string | 'auto' };

/** A per-response quality check, as configured. */
export type CheckSpec =
  | { name: string; kind: 'equals'; value: string; ignoreCase?: boolean }
  | { name: string; kind: 'contains'; value: string; ignoreCase?: boolean }
  | { name: string; kind: 'regex'; pattern: string; flags?: string; negate?: boolean }
  | {
      name: string;
      kind: 'json_schema';
      schema: Record<string, unknown>;
      on: 'answer' | 'tool_arguments';
    }
  | { name: string; kind: 'function'; source: string }
  | { name: string; kind: 'reference'; threshold: number }
  | { name: string; kind: 'judge'; target: string; rubric: string; threshold: number }
  | { name: string; kind: 'grounding'; target: string | null; threshold: number };

/** One check's verdict on one response. */
export interface CheckResult {
  name: string;
  pass: boolean;
  /** 0..1 where the check is graded (similarity, judge score); null for plain pass/fail. */
  score: number | null;
  /** Why it failed, or what it found; short. */
  detail: string | null;
}

/** Everything measured about one response of one candidate to one entry. */
export interface ResponseSample {
  entryId: string;
  candidate: string;
  /** 0-based repeat index when a run asks for N repeats. */
  repeat: number;
  /** When the schedule meant to send it, ms from run start. */
  intendedAt: number;
  /** When it was actually sent, ms from run start. */
  sentAt: number;
  /** End-to-end latency from the intended send time: includes any queueing behind the schedule. */
  latencyMs: number;
  /** From the actual send time: the server's view. */
  serviceMs: number;
  ttftMs: number | null;
  /** Mean gap between streamed chunks after the first. */
  interTokenMs: number | null;
  tokensIn: number;
  tokensOut: number;
  outputTokensPerSecond: number | null;
  /** tokensIn / the serving target's context window. */
  contextUse: number | null;
  /** Cost of every attempt that was billed, retries included. */
  costUsd: number;
  attempts: number;
  /** Null on success. */
  errorClass: AttemptErrorClass | 'client_error' | null;
  servedTarget: string | null;
  /** The answer text (or tool calls as JSON); null on error. */
  text: string | null;
  checks: CheckResult[];
  /** 0 (same as baseline) .. 1 (nothing in common); null for the baseline itself. */
  drift: number | null;
  /** Whether this response came from a simulated target. */
  simulated: boolean;
}
