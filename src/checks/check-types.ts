import type { ChatRequest } from '../core/chat-types.js';
import type { CheckResult, TraceEntry } from '../eval/eval-types.js';

/** One response to check. */
export interface CheckInput {
  entry: TraceEntry;
  /** The answer text; null when the request failed (every check is then skipped). */
  text: string | null;
  /** The `arguments` string of each tool call in the answer. */
  toolArguments: string[];
  /** The baseline candidate's answer to the same entry, for function checks that compare. */
  baselineText: string | null;
  /** Aborts pending judge calls (the run was cancelled). */
  signal?: AbortSignal;
}

/** Sends one judge request to a target and returns the answer text. */
export type JudgeFunction = (
  target: string,
  request: ChatRequest,
  signal: AbortSignal,
) => Promise<string>;

/** What the checks need from the outside world. */
export interface CheckDeps {
  /** Required when any check names a judge target. */
  judge?: JudgeFunction;
  /** Per judge call; default 60 s. */
  judgeTimeoutMs?: number;
  /** Per synchronous function-check call; default 1 s. */
  functionTimeoutMs?: number;
}

/** A check ready to run: a result, or null when its input is absent (the check is skipped). */
export type CompiledCheck = (input: CheckInput) => CheckResult | null | Promise<CheckResult | null>;
