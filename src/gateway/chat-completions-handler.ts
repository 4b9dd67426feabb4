import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatCompletionChunk, ChatRequest, Usage } from '../core/chat-types.js';
import { SwitchyardError, UpstreamError } from '../core/switchyard-error.js';
import {
  type Classification,
  classifyRequest,
  countTextTokens,
  findExplicitIntent,
} from '../routing/classify/index.js';
import type { RouteConfig, TargetConfig } from '../routing/policy/policy-types.js';
import {
  type ExecutionTrace,
  executeCompletion,
  executeStream,
} from '../routing/route-executor.js';
import { RouteFailedError } from '../routing/route-failed-error.js';
import { selectRoute } from '../routing/select-route.js';
import { computeCostUsd } from '../telemetry/index.js';
import type { RequestRecord } from '../telemetry/request-record.js';
import { checkApiKey } from './check-api-key.js';
import type { GatewayContext } from './gateway-context.js';
import { errorBody, sendError, toSwitchyardError } from './http-error.js';
import { readJsonBody } from './read-json-body.js';
import { SseWriter } from './sse-writer.js';
import { validateChatRequest } from './validate-chat-request.js';

/** Per-request state that ends up in the request record. */
interface Served {
  route: RouteConfig;
  rule: string | null;
  classification: Classification;
  chat: ChatRequest;
}

/**
 * POST /v1/chat/completions. Whatever happens (bad input, every upstream failing, the client
 * leaving), exactly one request record is written for the request.
 */
export async function handleChatCompletions(
  request: IncomingMessage,
  response: ServerResponse,
  context: GatewayContext,
  requestId: string,
  arrivedAt: number,
): Promise<void> {
  const startedAt = performance.now();
  const record = newRecord(requestId, arrivedAt);
  const baseHeaders: Record<string, string> = { 'x-switchyard-request-id': requestId };
  const clientGone = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) clientGone.abort();
  });

  let served: Served | null = null;
  let target: TargetConfig | null = null;
  try {
    const policy = context.runtime.policy;
    checkApiKey(request.headers, policy.server.apiKeys);
    const body = await readJsonBody(request, policy.server.bodyLimitBytes);
    const chat = validateChatRequest(body);
    record.stream = chat.stream === true;
    // The model-based classifier costs an upstream call: skip it when the client named the intent.
    const classifierIntent =
      context.intentClassifier && !findExplicitIntent(chat, request.headers, policy.classification)
        ? await context.intentClassifier.classify(chat)
        : null;
    const classification = classifyRequest(chat, request.headers, policy.classification, {
      classifierIntent,
    });
    const selection = selectRoute(policy, chat.model, classification);
    if (!selection) {
      throw new SwitchyardError(
        'model_not_found',
        `The model "${chat.model}" is not a route or target of this gateway; GET /v1/models lists them, or use "auto".`,
        { param: 'model' },
      );
    }
    const route =
      'route' in selection ? selection.route : context.runtime.bareRoute(selection.target);
    served = { route, rule: 'route' in selection ? selection.rule : null, classification, chat };
    fillClassification(
      record,
      served,
      context.runtime.policy.log.captureBodies ? context.redactor.redactValue(chat) : null,
    );

    const plan = {
      route,
      request: chat,
      promptTokens: classification.promptTokens,
      signal: clientGone.signal,
    };
    if (chat.stream === true) {
      const outcome = await executeStream(plan, context.runtime);
      target = outcome.target;
      await writeStream(
        response,
        outcome,
        served,
        record,
        baseHeaders,
        startedAt,
        context,
        clientGone.signal,
      );
    } else {
      const outcome = await executeCompletion(plan, context.runtime);
      target = outcome.target;
      const usage =
        outcome.completion.usage ?? countedUsage(classification.promptTokens, outcome.completion);
      const completion = { ...outcome.completion, model: target.name, usage };
      const message = completion.choices[0]?.message;
      const answer =
        (message?.content ?? '') + (message?.tool_calls ? JSON.stringify(message.tool_calls) : '');
      settleRecord(
        record,
        outcome,
        target,
        usage,
        outcome.completion.usage ? 'upstream' : 'counted',
      );
      record.finishReason = completion.choices[0]?.finish_reason ?? null;
      record.responseSha256 = sha256(answer);
      record.responseText = context.runtime.policy.log.captureBodies
        ? context.redactor.redactText(answer)
        : null;
      record.overheadMs = overheadOf(outcome, startedAt);
      const payload = JSON.stringify(completion);
      response.writeHead(200, {
        ...baseHeaders,
        ...servedHeaders(route, target, outcome, record.overheadMs),
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
      });
      response.end(payload);
      record.status = 200;
    }
  } catch (caught) {
    // Whatever was not read of the body is discarded so the connection stays usable.
    if (!request.readableEnded) request.resume();
    const error = toSwitchyardError(caught);
    if (!(caught instanceof SwitchyardError))
      context.logger.error({ err: caught, requestId }, 'unhandled error');
    if (caught instanceof RouteFailedError) {
      record.attempts = [...caught.attempts];
      record.servedTarget = null;
    }
    const headers = { ...baseHeaders };
    if (served) Object.assign(headers, { 'x-switchyard-route': served.route.name });
    if (caught instanceof RouteFailedError) {
      headers['x-switchyard-attempts'] = String(caught.attempts.length);
      if (caught.retryAfterMs !== null)
        headers['retry-after'] = String(Math.ceil(caught.retryAfterMs / 1000));
    }
    const clientError =
      caught instanceof RouteFailedError && caught.upstreamMessage
        ? new SwitchyardError(
            error.code,
            `${error.message}. Upstream said: ${caught.upstreamMessage}`,
          )
        : error;
    record.status = clientGone.signal.aborted ? 499 : error.status;
    record.errorCode = clientGone.signal.aborted ? 'client_closed' : error.code;
    if (!clientGone.signal.aborted) sendError(response, clientError, headers);
    if (record.status >= 400 && served)
      context.logger.debug({ requestId, code: error.code }, error.message);
  } finally {
    record.latencyMs = performance.now() - startedAt;
    if (!target) record.overheadMs = record.latencyMs - sumAttempts(record);
    context.log?.record(record);
    context.metrics.observeRequest(record);
  }
}

/**
 * Relay a committed stream. The first chunks were already read by the executor (that is what
 * committing means); from here every chunk is forwarded as it arrives, with `model` rewritten
 * to the serving target and the usage-only chunk dropped unless the client asked for it.
 */
async function writeStream(
  response: ServerResponse,
  outcome: Awaited<ReturnType<typeof executeStream>>,
  served: Served,
  record: RequestRecord,
  baseHeaders: Record<string, string>,
  startedAt: number,
  context: GatewayContext,
  clientGone: AbortSignal,
): Promise<void> {
  const { target } = outcome;
  const writer = new SseWriter(response);
  const overheadAtOpen = overheadOf(outcome, startedAt);
  writer.open({ ...baseHeaders, ...servedHeaders(served.route, target, outcome, overheadAtOpen) });
  record.status = 200;
  record.servedTarget = target.name;
  record.ttftMs = performance.now() - startedAt;

  const includeUsage = served.chat.stream_options?.include_usage === true;
  const capture = context.runtime.policy.log.captureBodies;
  const hash = createHash('sha256');
  let text = '';
  let usage: Usage | null = null;
  let finishReason: string | null = null;

  // The chunk carrying finish_reason (and the usage chunk after it) is held back until the
  // upstream's terminal marker confirms the answer is complete. If the stream dies in between,
  // the client never sees a finish_reason: a truncated answer must not look finished.
  let tail: ChatCompletionChunk[] = [];
  const forward = async (chunk: ChatCompletionChunk): Promise<void> => {
    if (chunk.usage) usage = chunk.usage;
    let finishes = false;
    for (const choice of chunk.choices) {
      if (choice.delta.content) {
        hash.update(choice.delta.content);
        if (capture) text += choice.delta.content;
      }
      if (choice.delta.tool_calls) hash.update(JSON.stringify(choice.delta.tool_calls));
      if (choice.finish_reason) {
        finishReason = choice.finish_reason;
        finishes = true;
      }
    }
    if (!includeUsage) {
      if (chunk.choices.length === 0) return;
      if (chunk.usage !== undefined) chunk = { ...chunk, usage: undefined };
    }
    chunk.model = target.name;
    if (finishes || tail.length > 0) tail.push(chunk);
    else await writer.chunk(chunk);
  };

  try {
    for (const chunk of outcome.head) await forward(chunk);
    for await (const chunk of outcome.rest) {
      if (clientGone.aborted) break;
      await forward(chunk);
    }
    if (clientGone.aborted) {
      outcome.cancel();
      record.status = 499;
      record.errorCode = 'client_closed';
    } else {
      for (const chunk of tail) await writer.chunk(chunk);
      writer.done();
    }
  } catch (caught) {
    tail = [];
    finishReason = null;
    if (clientGone.aborted) {
      // The client left and the upstream was stopped on its behalf: nobody to tell.
      record.status = 499;
      record.errorCode = 'client_closed';
    } else {
      const reason = caught instanceof UpstreamError ? ` (${caught.errorClass})` : '';
      const detail = caught instanceof Error ? caught.message : String(caught);
      const message = `the upstream stream from ${target.name} failed after the answer started${reason}: ${detail}`;
      writer.fail(errorBody(new SwitchyardError('stream_interrupted', message)));
      record.status = 200;
      record.errorCode = 'stream_interrupted';
    }
  }
  const finalUsage: Usage = usage ?? {
    prompt_tokens: served.classification.promptTokens,
    completion_tokens: countTextTokens(text),
    total_tokens: served.classification.promptTokens + countTextTokens(text),
  };
  settleRecord(record, outcome, target, finalUsage, usage ? 'upstream' : 'counted');
  record.finishReason = finishReason;
  record.responseSha256 = hash.digest('hex');
  record.responseText = context.runtime.policy.log.captureBodies
    ? context.redactor.redactText(text)
    : null;
  record.overheadMs = overheadAtOpen;
}

function newRecord(id: string, ts: number): RequestRecord {
  return {
    id,
    ts,
    userId: null,
    sessionId: null,
    tenant: null,
    route: null,
    rule: null,
    intent: null,
    tags: [],
    stream: false,
    tokensIn: 0,
    tokensOut: 0,
    usageSource: 'counted',
    servedTarget: null,
    attempts: [],
    status: 0,
    errorCode: null,
    finishReason: null,
    latencyMs: 0,
    ttftMs: null,
    overheadMs: 0,
    costUsd: 0,
    responseSha256: null,
    canary: false,
    shadow: false,
    contextFit: null,
    request: null,
    responseText: null,
  };
}

function fillClassification(record: RequestRecord, served: Served, redactedRequest: unknown): void {
  const { classification } = served;
  record.route = served.route.name;
  record.rule = served.rule;
  record.intent = classification.intent;
  record.tags = classification.tags;
  record.tenant = classification.tenant;
  record.userId = classification.userId;
  record.sessionId = classification.sessionId;
  record.tokensIn = classification.promptTokens;
  record.request = redactedRequest;
}

/** Copy attempts and usage; only the served completion is billed, never failed attempts. */
function settleRecord(
  record: RequestRecord,
  trace: ExecutionTrace,
  target: TargetConfig,
  usage: Usage,
  source: RequestRecord['usageSource'],
): void {
  record.attempts = trace.attempts;
  record.contextFit = trace.contextFit;
  record.servedTarget = target.name;
  record.tokensIn = usage.prompt_tokens;
  record.tokensOut = usage.completion_tokens;
  record.usageSource = source;
  record.costUsd = computeCostUsd(usage.prompt_tokens, usage.completion_tokens, target);
  const winning = trace.attempts.at(-1);
  if (record.ttftMs === null && winning?.ttftMs != null) record.ttftMs = winning.ttftMs;
}

function countedUsage(
  promptTokens: number,
  completion: { choices: Array<{ message: { content: string | null } }> },
): Usage {
  const completionTokens = countTextTokens(completion.choices[0]?.message.content ?? '');
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

/** Gateway time: elapsed minus time inside upstream attempts and policy backoff. */
function overheadOf(trace: ExecutionTrace, startedAt: number): number {
  let upstream = 0;
  for (const attempt of trace.attempts) upstream += attempt.latencyMs || attempt.ttftMs || 0;
  return Math.max(0, performance.now() - startedAt - upstream - trace.backoffMs);
}

function sumAttempts(record: RequestRecord): number {
  let total = 0;
  for (const attempt of record.attempts) total += attempt.latencyMs;
  return Math.max(0, total);
}

function servedHeaders(
  route: RouteConfig,
  target: TargetConfig,
  trace: ExecutionTrace,
  overheadMs: number,
): Record<string, string> {
  const headers: Record<string, string> = {
    'x-switchyard-route': route.name,
    'x-switchyard-target': target.name,
    'x-switchyard-attempts': String(trace.attempts.length),
    'x-switchyard-overhead-ms': overheadMs.toFixed(3),
  };
  if (target.provider === 'sim') headers['x-switchyard-simulated'] = 'true';
  return headers;
}

function sha256(text: string): string {
  return (createHash('sha256') as Hash).update(text).digest('hex');
}
