import type { ServerResponse } from 'node:http';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatRequest,
  FinishReason,
  ToolCall,
  Usage,
} from '../core/chat-types.js';
import { UpstreamError } from '../core/switchyard-error.js';
import { completionChunks } from '../limits/index.js';
import {
  type CompletionOutcome,
  executeStream,
  type RoutePlan,
  type RouteRuntime,
  type StreamOutcome,
} from '../routing/route-executor.js';
import {
  describeAttempts,
  finalErrorCode,
  RouteFailedError,
} from '../routing/route-failed-error.js';
import type { AttemptRecord } from '../telemetry/request-record.js';
import { SseWriter } from './sse-writer.js';

/**
 * Run a streaming request through the route and read the whole answer before anything reaches
 * the client, for a route whose verifier must pass an answer first. Attempts keep their
 * streaming timings (TTFT, idle and total timeouts apply as for a relayed stream).
 *
 * Because nothing has been sent, a stream that breaks after its first token is just one more
 * failed attempt: when the failing step's `fallback_on` covers the error, the rest of the chain
 * (without that target) is tried within what is left of the route's deadline, as it would be
 * for a failure before the first token. Each pass drops a target, so the loop is bounded by the
 * chain's length.
 */
export async function executeBufferedStream(
  plan: RoutePlan,
  runtime: RouteRuntime,
): Promise<CompletionOutcome> {
  const attempts: AttemptRecord[] = [];
  const startedAt = performance.now();
  let backoffMs = 0;
  let contextFit: string | null = null;
  let route = plan.route;
  for (let pass = 0; pass <= plan.route.chain.length; pass++) {
    let outcome: StreamOutcome;
    try {
      outcome = await executeStream({ ...plan, route }, runtime);
    } catch (error) {
      if (!(error instanceof RouteFailedError) || attempts.length === 0) throw error;
      throw new RouteFailedError(error.code, error.message, [...attempts, ...error.attempts], {
        retryAfterMs: error.retryAfterMs,
        upstreamMessage: error.upstreamMessage,
        cause: error,
      });
    }
    // The executor keeps updating these records (the winning attempt's latency and outcome are
    // settled when its stream ends), so the same objects are collected, not copies.
    attempts.push(...outcome.attempts);
    backoffMs += outcome.backoffMs;
    contextFit = outcome.contextFit ?? contextFit;
    const chunks = [...outcome.head];
    try {
      for await (const chunk of outcome.rest) chunks.push(chunk);
      return {
        attempts,
        backoffMs,
        contextFit,
        target: outcome.target,
        completion: assembleCompletion(chunks),
        simulated: outcome.simulated,
      };
    } catch (caught) {
      const failed = outcome.target.name;
      const errorClass = caught instanceof UpstreamError ? caught.errorClass : 'server_error';
      if (plan.signal.aborted) {
        throw new RouteFailedError('client_closed', 'client left during the answer', attempts, {
          cause: caught,
        });
      }
      const step = route.chain.find((candidate) => candidate.target === failed);
      const remainingMs = plan.route.deadlineMs - (performance.now() - startedAt);
      route = {
        ...route,
        chain: route.chain.filter((candidate) => candidate.target !== failed),
        deadlineMs: Math.max(1, Math.floor(remainingMs)),
      };
      const covered = step?.fallbackOn.includes(errorClass) ?? false;
      if (!covered || route.chain.length === 0 || remainingMs <= 0) {
        throw new RouteFailedError(
          remainingMs <= 0 ? 'deadline_exceeded' : finalErrorCode(errorClass),
          `route "${plan.route.name}" failed: ${describeAttempts(attempts)}`,
          attempts,
          { cause: caught },
        );
      }
    }
  }
  throw new RouteFailedError(
    'all_targets_failed',
    `route "${plan.route.name}" failed: ${describeAttempts(attempts)}`,
    attempts,
  );
}

/**
 * Send a verified answer as a well-formed stream: the role chunk, the content (or tool calls),
 * the finish_reason, the usage chunk when the client asked for it, then `[DONE]`.
 */
export async function replayVerifiedStream(
  response: ServerResponse,
  completion: ChatCompletion,
  headers: Record<string, string>,
  request: ChatRequest,
): Promise<void> {
  const includeUsage = request.stream_options?.include_usage === true;
  const writer = new SseWriter(response);
  writer.open(headers);
  for (const chunk of completionChunks(completion, { includeUsage })) await writer.chunk(chunk);
  writer.done();
}

interface ChoiceParts {
  content: string | null;
  refusal: string | null;
  toolCalls: Map<number, ToolCall>;
  finishReason: FinishReason | null;
}

/** Put a finished stream's chunks back together as the completion a non-streaming call returns. */
export function assembleCompletion(chunks: readonly ChatCompletionChunk[]): ChatCompletion {
  const choices = new Map<number, ChoiceParts>();
  let usage: Usage | undefined;
  for (const chunk of chunks) {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      let parts = choices.get(choice.index);
      if (!parts) {
        parts = { content: null, refusal: null, toolCalls: new Map(), finishReason: null };
        choices.set(choice.index, parts);
      }
      const { delta } = choice;
      if (typeof delta.content === 'string') parts.content = (parts.content ?? '') + delta.content;
      if (typeof delta.refusal === 'string') parts.refusal = (parts.refusal ?? '') + delta.refusal;
      for (const fragment of delta.tool_calls ?? []) {
        const call = parts.toolCalls.get(fragment.index) ?? {
          id: '',
          type: 'function' as const,
          function: { name: '', arguments: '' },
        };
        if (fragment.id) call.id = fragment.id;
        if (fragment.function?.name) call.function.name += fragment.function.name;
        if (fragment.function?.arguments) call.function.arguments += fragment.function.arguments;
        parts.toolCalls.set(fragment.index, call);
      }
      if (choice.finish_reason) parts.finishReason = choice.finish_reason;
    }
  }
  if (choices.size === 0) {
    choices.set(0, { content: '', refusal: null, toolCalls: new Map(), finishReason: null });
  }
  const first = chunks[0];
  return {
    id: first?.id ?? 'chatcmpl-verified',
    object: 'chat.completion',
    created: first?.created ?? Math.floor(Date.now() / 1000),
    model: first?.model ?? '',
    choices: [...choices]
      .sort(([left], [right]) => left - right)
      .map(([index, parts]) => {
        const toolCalls = [...parts.toolCalls]
          .sort(([left], [right]) => left - right)
          .map(([, call]) => call);
        return {
          index,
          message: {
            role: 'assistant' as const,
            content: parts.content ?? (toolCalls.length > 0 ? null : ''),
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
            ...(parts.refusal !== null ? { refusal: parts.refusal } : {}),
          },
          finish_reason: parts.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
          logprobs: null,
        };
      }),
    ...(usage ? { usage } : {}),
    system_fingerprint: first?.system_fingerprint ?? null,
  };
}
