import type { ChatCompletionChunk, ChatRequest, ToolCall, Usage } from '../core/chat-types.js';
import { SwitchyardError, UpstreamError } from '../core/switchyard-error.js';
import {
  classifyRequest,
  countPromptTokens,
  countTextTokens,
  type RequestHeaders,
  SESSION_HEADER,
  USER_HEADER,
} from '../routing/classify/index.js';
import { AUTO_MODEL } from '../routing/policy/normalize-policy.js';
import type { Policy, RouteConfig, TargetConfig } from '../routing/policy/policy-types.js';
import {
  type ExecutionTrace,
  executeCompletion,
  executeStream,
} from '../routing/route-executor.js';
import { RouteFailedError } from '../routing/route-failed-error.js';
import { RoutingRuntime } from '../routing/routing-runtime.js';
import { selectRoute } from '../routing/select-route.js';
import { computeCostUsd } from '../telemetry/index.js';
import type { AttemptRecord } from '../telemetry/request-record.js';
import { failedAttemptCostUsd, isSkippedAttempt } from './attempt-cost.js';
import { reachableTargets } from './eval-config.js';
import type { Candidate, ResponseSample, TraceEntry } from './eval-types.js';

/** What was measured about one answer, before checks and drift. Times are from the actual send. */
export interface MeasuredResponse {
  serviceMs: number;
  /** Send to first content chunk; null when not streaming or nothing arrived. */
  ttftMs: number | null;
  interTokenMs: number | null;
  tokensIn: number;
  tokensOut: number;
  outputTokensPerSecond: number | null;
  contextUse: number | null;
  costUsd: number;
  /** Upstream calls made (skips not counted). */
  attempts: number;
  errorClass: ResponseSample['errorClass'];
  servedTarget: string | null;
  text: string | null;
  toolArguments: string[];
  simulated: boolean;
}

/** Sends trace entries to one candidate through the production routing code. */
export interface CandidateRunner {
  readonly candidate: Candidate;
  readonly policy: Policy;
  /** Any target the candidate can reach is simulated. */
  readonly simulated: boolean;
  send(entry: TraceEntry, promptTokens: number, signal: AbortSignal): Promise<MeasuredResponse>;
  /** A temperature-0 completion from a target of this candidate's policy (judge checks). */
  complete(target: string, request: ChatRequest, signal: AbortSignal): Promise<string>;
  close(): Promise<void>;
}

/** Options of createCandidateRunner. */
export interface CandidateRunnerOptions {
  stream: boolean;
  env: NodeJS.ProcessEnv;
}

/**
 * Build the runner of one candidate: its own RoutingRuntime (providers, pools, breakers) from
 * the policy, so candidates never share connection pools, breakers or simulated capacity.
 *
 * - A target candidate gets the gateway's one-step route for a bare target.
 * - A policy candidate is classified and routed exactly as the gateway does (classifyRequest,
 *   then selectRoute on `auto` or the named route). The trace's recorded intent, session and user
 *   are passed as the headers a client would send, so the model-based classifier is not called.
 */
export function createCandidateRunner(
  candidate: Candidate,
  policy: Policy,
  options: CandidateRunnerOptions,
): CandidateRunner {
  const runtime = new RoutingRuntime(policy, options.env);
  const reachable =
    candidate.kind === 'target'
      ? [candidate.target]
      : reachableTargets(policy, candidate.route === AUTO_MODEL ? AUTO_MODEL : candidate.route);
  const simulated = reachable.some((name) => policy.targets.get(name)?.provider === 'sim');

  function resolveRoute(
    entry: TraceEntry,
    request: ChatRequest,
  ): { route: RouteConfig } | { clientError: string } {
    if (candidate.kind === 'target') {
      const target = policy.targets.get(candidate.target);
      if (!target) return { clientError: `target ${candidate.target} is not in the policy` };
      return { route: runtime.bareRoute(target) };
    }
    const headers: RequestHeaders = {};
    if (entry.intent) headers[policy.classification.intentHeader.toLowerCase()] = entry.intent;
    if (entry.sessionId) headers[SESSION_HEADER] = entry.sessionId;
    if (entry.userId) headers[USER_HEADER] = entry.userId;
    const classification = classifyRequest(request, headers, policy.classification);
    const selection = selectRoute(policy, candidate.route, classification);
    if (!selection) return { clientError: `no route for model ${candidate.route}` };
    return { route: 'route' in selection ? selection.route : runtime.bareRoute(selection.target) };
  }

  async function send(
    entry: TraceEntry,
    promptTokens: number,
    signal: AbortSignal,
  ): Promise<MeasuredResponse> {
    const startedAt = performance.now();
    const request = replayRequest(entry.request, candidate, options.stream);
    const resolved = resolveRoute(entry, request);
    const result = emptyResponse(promptTokens, simulated);
    if ('clientError' in resolved) {
      result.errorClass = 'client_error';
      result.serviceMs = performance.now() - startedAt;
      return result;
    }
    const plan = { route: resolved.route, request, promptTokens, signal };
    if (options.stream) await sendStream(plan, result, startedAt);
    else await sendCompletion(plan, result);
    result.serviceMs = performance.now() - startedAt;
    return result;
  }

  async function sendCompletion(
    plan: Parameters<typeof executeCompletion>[0],
    result: MeasuredResponse,
  ): Promise<void> {
    try {
      const outcome = await executeCompletion(plan, runtime);
      const message = outcome.completion.choices[0]?.message;
      const toolCalls = message?.tool_calls ?? [];
      const text = answerText(message?.content ?? '', toolCalls);
      settle(
        result,
        outcome,
        outcome.target,
        outcome.completion.usage ?? null,
        text,
        toolCalls,
        plan.promptTokens,
      );
    } catch (error) {
      fail(result, error, plan.promptTokens, null, 0);
    }
  }

  /*
   * The stream is read to its end the way the gateway relays it: executeStream resolves at the
   * first content chunk (TTFT), then every later chunk's arrival time feeds the inter-token
   * figure. A failure after the commit is a failed request (the user saw a broken answer), and
   * the partial output is billed with the prompt.
   */
  async function sendStream(
    plan: Parameters<typeof executeStream>[0],
    result: MeasuredResponse,
    startedAt: number,
  ): Promise<void> {
    let outcome: Awaited<ReturnType<typeof executeStream>>;
    try {
      outcome = await executeStream(plan, runtime);
    } catch (error) {
      fail(result, error, plan.promptTokens, null, 0);
      return;
    }
    const firstAt = performance.now();
    result.ttftMs = firstAt - startedAt;
    let text = '';
    const toolCalls = new Map<number, ToolCall>();
    let usage: Usage | null = null;
    let contentChunks = 0;
    let lastAt = firstAt;
    const take = (chunk: ChatCompletionChunk, at: number): void => {
      if (chunk.usage) usage = chunk.usage;
      let carried = false;
      for (const choice of chunk.choices) {
        const delta = choice.delta;
        if (delta.content) {
          text += delta.content;
          carried = true;
        }
        for (const part of delta.tool_calls ?? []) {
          carried = true;
          const existing = toolCalls.get(part.index);
          if (existing) existing.function.arguments += part.function?.arguments ?? '';
          else {
            toolCalls.set(part.index, {
              id: part.id ?? `call_${part.index}`,
              type: 'function',
              function: {
                name: part.function?.name ?? '',
                arguments: part.function?.arguments ?? '',
              },
            });
          }
        }
      }
      if (carried) {
        contentChunks += 1;
        lastAt = at;
      }
    };
    try {
      for (const chunk of outcome.head) take(chunk, firstAt);
      for await (const chunk of outcome.rest) take(chunk, performance.now());
    } catch (error) {
      const streamed = countTextTokens(text);
      fail(result, error, plan.promptTokens, outcome, streamed);
      result.servedTarget = null;
      return;
    }
    const calls = [...toolCalls.values()];
    settle(
      result,
      outcome,
      outcome.target,
      usage,
      answerText(text, calls),
      calls,
      plan.promptTokens,
    );
    if (contentChunks >= 2) result.interTokenMs = (lastAt - firstAt) / (contentChunks - 1);
    const generatingS = (lastAt - firstAt) / 1000;
    if (result.tokensOut > 1 && generatingS > 0) {
      result.outputTokensPerSecond = (result.tokensOut - 1) / generatingS;
    }
  }

  function settle(
    result: MeasuredResponse,
    trace: ExecutionTrace & { simulated?: boolean },
    target: TargetConfig,
    usage: Usage | null,
    text: string,
    toolCalls: ToolCall[],
    promptTokens: number,
  ): void {
    const tokensIn = usage?.prompt_tokens ?? promptTokens;
    const tokensOut = usage?.completion_tokens ?? countTextTokens(text);
    const failed = trace.attempts.slice(0, -1);
    result.tokensIn = tokensIn;
    result.tokensOut = tokensOut;
    result.costUsd = computeCostUsd(tokensIn, tokensOut, target) + failedCost(failed, promptTokens);
    result.attempts = countCalls(trace.attempts);
    result.servedTarget = target.name;
    result.contextUse = tokensIn / target.contextWindow;
    result.text = text;
    result.toolArguments = toolCalls.map((call) => call.function.arguments);
    // A sim target, or any target whose upstream labels its answers simulated (a sim server).
    result.simulated = target.provider === 'sim' || trace.simulated === true;
  }

  function fail(
    result: MeasuredResponse,
    error: unknown,
    promptTokens: number,
    committed: Awaited<ReturnType<typeof executeStream>> | null,
    streamedTokens: number,
  ): void {
    let attempts: readonly AttemptRecord[] = [];
    if (error instanceof RouteFailedError) attempts = error.attempts;
    else if (committed) attempts = committed.attempts;
    result.attempts = countCalls(attempts);
    result.costUsd = failedCost(attempts.slice(0, committed ? -1 : undefined), promptTokens);
    if (committed) {
      const last = attempts.at(-1);
      // The winning attempt broke after its first bytes: it was accepted, whatever its record says.
      if (last) {
        const broken = { ...last, status: 200, errorClass: last.errorClass ?? 'stream_truncated' };
        result.costUsd += failedAttemptCostUsd(
          broken,
          committed.target,
          promptTokens,
          streamedTokens,
        );
      }
      result.tokensOut = streamedTokens;
    }
    result.errorClass = errorClassOf(error, attempts);
  }

  function failedCost(attempts: readonly AttemptRecord[], promptTokens: number): number {
    let cost = 0;
    for (const attempt of attempts) {
      cost += failedAttemptCostUsd(attempt, policy.targets.get(attempt.target), promptTokens);
    }
    return cost;
  }

  async function complete(
    target: string,
    request: ChatRequest,
    signal: AbortSignal,
  ): Promise<string> {
    const config = policy.targets.get(target);
    if (!config) throw new Error(`judge target "${target}" is not in the policy`);
    const outcome = await executeCompletion(
      {
        route: runtime.bareRoute(config),
        request: { ...request, model: config.model, temperature: 0, stream: false },
        promptTokens: countPromptTokens(request),
        signal,
      },
      runtime,
    );
    return outcome.completion.choices[0]?.message.content ?? '';
  }

  return {
    candidate,
    policy,
    simulated,
    send,
    complete,
    close: () => runtime.close(),
  };
}

/** The trace's request as this candidate receives it: model and stream settings replaced. */
function replayRequest(original: ChatRequest, candidate: Candidate, stream: boolean): ChatRequest {
  const request: ChatRequest = {
    ...original,
    model: candidate.kind === 'target' ? candidate.target : candidate.route,
    stream,
  };
  if (stream) request.stream_options = { include_usage: true };
  else delete request.stream_options;
  return request;
}

function answerText(content: string, toolCalls: ToolCall[]): string {
  if (toolCalls.length === 0) return content;
  const calls = JSON.stringify(toolCalls.map((call) => call.function));
  return content === '' ? calls : `${content}\n${calls}`;
}

function countCalls(attempts: readonly AttemptRecord[]): number {
  let calls = 0;
  for (const attempt of attempts) if (!isSkippedAttempt(attempt)) calls += 1;
  return calls;
}

/** The class a failed request is counted under: the last real attempt's, or the route's code. */
function errorClassOf(
  error: unknown,
  attempts: readonly AttemptRecord[],
): NonNullable<ResponseSample['errorClass']> {
  if (error instanceof UpstreamError) return error.errorClass;
  if (error instanceof RouteFailedError) {
    if (error.code === 'deadline_exceeded') return 'timeout';
    // The upstream's own failure says more than a later skip (an open breaker, a window too
    // small): report the last attempt that made a call, else the last skip.
    const reversed = [...attempts].reverse();
    const called = reversed.find(
      (attempt) => attempt.errorClass !== null && !isSkippedAttempt(attempt),
    );
    const last = called ?? reversed.find((attempt) => attempt.errorClass !== null);
    if (last?.errorClass) return last.errorClass;
    if (error.code === 'context_length_exceeded') return 'context_length_exceeded';
    return 'server_error';
  }
  if (error instanceof SwitchyardError) return 'client_error';
  return 'server_error';
}

function emptyResponse(promptTokens: number, simulated: boolean): MeasuredResponse {
  return {
    serviceMs: 0,
    ttftMs: null,
    interTokenMs: null,
    tokensIn: promptTokens,
    tokensOut: 0,
    outputTokensPerSecond: null,
    contextUse: null,
    costUsd: 0,
    attempts: 0,
    errorClass: null,
    servedTarget: null,
    text: null,
    toolArguments: [],
    simulated,
  };
}
