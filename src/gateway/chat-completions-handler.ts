import { createHash, hash as digestOf } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatRequest,
  Usage,
} from '../core/chat-types.js';
import { createLeanAbortController, nativeAbortSignal } from '../core/lean-abort-controller.js';
import { SwitchyardError, UpstreamError } from '../core/switchyard-error.js';
import { timeOrderedId } from '../core/time-ordered-id.js';
import { completionChunks, staticFallbackCompletion } from '../limits/index.js';
import { SIMULATED_HEADER } from '../providers/index.js';
import {
  type Classification,
  classifyRequest,
  countPromptTokens,
  countPromptTokensYielding,
  countTextTokens,
  findExplicitIntent,
  promptTokenUpperBound,
  smallestTokenThreshold,
} from '../routing/classify/index.js';
import type { RouteConfig, TargetConfig } from '../routing/policy/policy-types.js';
import {
  type CompletionOutcome,
  type ExecutionTrace,
  executeCompletion,
  executeStream,
  type RoutePlan,
} from '../routing/route-executor.js';
import { RouteFailedError } from '../routing/route-failed-error.js';
import { selectRoute } from '../routing/select-route.js';
import { computeCostUsd } from '../telemetry/index.js';
import type { RequestRecord } from '../telemetry/request-record.js';
import { verifyOutcome } from './answer-verifier.js';
import { checkApiKey } from './check-api-key.js';
import type { GatewayContext } from './gateway-context.js';
import { errorBody, sendError, toSwitchyardError } from './http-error.js';
import { readJsonBody } from './read-json-body.js';
import { SseWriter } from './sse-writer.js';
import { baseRouteName, type CanaryArmChoice, type TrafficControl } from './traffic-control.js';
import { validateChatRequest } from './validate-chat-request.js';
import { executeBufferedStream, replayVerifiedStream } from './verified-stream.js';

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
  // Lean, not an AbortController: a native AbortSignal per request is ~1 KB of old-generation
  // garbage on Node 20. Whatever needs a native one gets it from nativeAbortSignal().
  const clientGone = createLeanAbortController();
  response.once('close', () => {
    if (!response.writableFinished) clientGone.abort();
  });

  let served: Served | null = null;
  let target: TargetConfig | null = null;
  // Redacting the request body for the log is deferred to after the answer is sent (see finally):
  // it is log work, and the client should not wait for it.
  let bodyToRedact: { redactor: GatewayContext['redactor']; chat: ChatRequest } | null = null;
  const traffic = context.traffic;
  const releases: Array<() => void> = [];
  let arm: CanaryArmChoice = null;
  let shed = false;
  let servedCompletion: ChatCompletion | null = null;
  let servedText: string | null = null;
  try {
    const policy = context.runtime.policy;
    checkApiKey(request.headers, policy.server.apiKeys, policy.server.adminToken);
    const body = await readJsonBody(request, policy.server.bodyLimitBytes);
    const chat = validateChatRequest(body);
    record.stream = chat.stream === true;
    // The model-based classifier costs an upstream call: skip it when the client named the intent.
    const classifierIntent =
      context.intentClassifier && !findExplicitIntent(chat, request.headers, policy.classification)
        ? await context.intentClassifier.classify(chat)
        : null;
    // Counted now only if a rule or a window could decide differently on the count than on the
    // bound (token-threshold.ts); otherwise when accounting needs it, if it ever does.
    const bound = promptTokenUpperBound(chat);
    let promptTokens = bound;
    let promptTokensExact = false;
    if (bound >= smallestTokenThreshold(policy) || bound > DEFERRED_COUNT_MAX_TOKENS) {
      // A long prompt is counted in slices so it does not hold other requests (token-counter.ts).
      const counted = countPromptTokensYielding(chat);
      promptTokens = typeof counted === 'number' ? counted : await counted;
      promptTokensExact = true;
    }
    const classification = classifyRequest(chat, request.headers, policy.classification, {
      classifierIntent,
      promptTokens,
      promptTokensExact,
    });
    const selection = selectRoute(policy, chat.model, classification);
    if (!selection) {
      throw new SwitchyardError(
        'model_not_found',
        `The model "${chat.model}" is not a route or target of this gateway; GET /v1/models lists them, or use "auto".`,
        { param: 'model' },
      );
    }
    let route =
      'route' in selection ? selection.route : context.runtime.bareRoute(selection.target);
    served = { route, rule: 'route' in selection ? selection.rule : null, classification, chat };
    fillClassification(record, served, null);
    if (context.runtime.policy.log.captureBodies)
      bodyToRedact = { redactor: context.redactor, chat };

    if (traffic) {
      const admission = await traffic.admit(clientGone.signal);
      if (!admission.admitted) {
        if (admission.reason === 'aborted')
          throw new SwitchyardError('client_closed', 'client left while queued');
        shed = true;
        throw new SwitchyardError(
          'overloaded',
          `The gateway is at capacity (${admission.reason.replace('_', ' ')}); retry shortly.`,
          {
            retryAfterMs: 1000,
          },
        );
      }
      releases.push(admission.release);
      const steered = traffic.steer(route, classification);
      route = steered.route;
      arm = steered.arm;
      record.canary = arm === 'canary';
      if (!steered.killed) {
        const decision = await traffic.checkBudget(route, classification.tenant);
        if (decision.action === 'downgrade') {
          route = policy.routes.get(decision.route) ?? route;
          arm = null;
          record.canary = false;
        } else if (decision.action === 'reject') {
          throw new SwitchyardError(
            'budget_exceeded',
            `The budget "${decision.budget}" is spent for this window.`,
            {
              retryAfterMs: decision.retryAfterMs,
            },
          );
        }
      }
      const tenantAdmission = await traffic.admitTenant(classification.tenant);
      if (!tenantAdmission.ok) {
        throw new SwitchyardError(
          'rate_limited',
          `The limit "${tenantAdmission.limit}" is reached.`,
          {
            retryAfterMs: tenantAdmission.retryAfterMs,
          },
        );
      }
      releases.push(() => void tenantAdmission.release());
      served.route = route;
      record.route = route.name;
    }

    const plan = {
      route,
      request: chat,
      promptTokens: classification.promptTokens,
      signal: clientGone.signal,
    };
    if (chat.stream === true && route.verifier) {
      // No unverified token may reach the client: buffer, verify, then replay (verified-stream.ts).
      const buffered = await executeBufferedStream(plan, context.routeRuntime);
      const outcome = await verifyOutcome(
        buffered,
        withNativeSignal(plan),
        route.verifier,
        context.runtime,
        context.routeRuntime,
      );
      target = outcome.target;
      record.ttftMs = performance.now() - startedAt;
      const { usage, answer } = settleCompletion(record, outcome, served);
      record.overheadMs = overheadOf(outcome, startedAt);
      servedCompletion = asServed(outcome.completion, target.name, usage);
      await replayVerifiedStream(
        response,
        servedCompletion,
        servedHeaders(context, baseHeaders, route, target, outcome, record.overheadMs),
        chat,
      );
      record.status = 200;
      record.responseSha256 = sha256(answer);
      record.responseText = context.runtime.policy.log.captureBodies
        ? context.redactor.redactText(answer)
        : null;
      servedText = answer;
    } else if (chat.stream === true) {
      const outcome = await executeStream(plan, context.routeRuntime);
      target = outcome.target;
      servedText = await writeStream(
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
      const answered = await executeCompletion(plan, context.routeRuntime);
      const outcome = route.verifier
        ? await verifyOutcome(
            answered,
            withNativeSignal(plan),
            route.verifier,
            context.runtime,
            context.routeRuntime,
          )
        : answered;
      target = outcome.target;
      const { usage, answer } = settleCompletion(record, outcome, served);
      const completion = asServed(outcome.completion, target.name, usage);
      const captureAnswer = context.runtime.policy.log.captureBodies;
      const redactor = context.redactor;
      record.overheadMs = overheadOf(outcome, startedAt);
      const payload = JSON.stringify(completion);
      const headers: Record<string, string | number> = servedHeaders(
        context,
        baseHeaders,
        route,
        target,
        outcome,
        record.overheadMs,
      );
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
      response.writeHead(200, headers);
      response.end(payload);
      record.status = 200;
      // Hashing and redacting the answer only feed the log: done once the client has it.
      record.responseSha256 = sha256(answer);
      record.responseText = captureAnswer ? redactor.redactText(answer) : null;
      servedCompletion = completion;
      servedText = answer;
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
    const headers = Object.assign({}, baseHeaders);
    if (served) headers['x-switchyard-route'] = served.route.name;
    if (caught instanceof RouteFailedError) {
      headers['x-switchyard-attempts'] = String(caught.attempts.length);
    }
    // Every target failed, or the request was shed: a cached or static answer beats an error.
    const degradable = shed || (caught instanceof RouteFailedError && DEGRADABLE.has(caught.code));
    if (traffic && served && degradable && !clientGone.signal.aborted) {
      const degraded = await traffic.degradedAnswer(served.chat, served.route);
      if (degraded) {
        await writeDegraded(response, degraded, served.chat, headers);
        record.status = 200;
        record.degraded = degraded.kind;
        record.errorCode = null;
        return;
      }
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
    for (const release of releases) release();
    if (traffic && served && !record.degraded) {
      const ok = record.status === 200 && record.errorCode === null;
      void traffic
        .served({
          route: served.route,
          arm,
          tenant: served.classification.tenant,
          target: record.servedTarget,
          ok,
          latencyMs: performance.now() - startedAt,
          costUsd: record.costUsd,
          text: servedText ?? record.responseText,
          completion: servedCompletion,
          request: served.chat,
        })
        .catch((error: unknown) => context.logger.warn({ err: error }, 'traffic report failed'));
      if (ok) mirrorToShadow(context, traffic, served, requestId);
    }
    if (bodyToRedact) record.request = bodyToRedact.redactor.redactValue(bodyToRedact.chat);
    // No usage was settled (every target failed, a degraded answer, an error): the prompt's
    // count, made now if routing did not need it.
    if (served && record.servedTarget === null) record.tokensIn = exactPromptTokens(served);
    record.latencyMs = performance.now() - startedAt;
    if (!target) record.overheadMs = record.latencyMs - sumAttempts(record);
    context.log?.record(record);
    context.metrics.observeRequest(record);
    context.liveTraffic.observe(record);
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
): Promise<string> {
  const { target } = outcome;
  const writer = new SseWriter(response);
  const overheadAtOpen = overheadOf(outcome, startedAt);
  writer.open(servedHeaders(context, baseHeaders, served.route, target, outcome, overheadAtOpen));
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
  // Returns a promise only under backpressure (see SseWriter.chunk): an async function here
  // would allocate one per chunk.
  const forward = (chunk: ChatCompletionChunk): Promise<void> | undefined => {
    if (chunk.usage) usage = chunk.usage;
    let finishes = false;
    for (const choice of chunk.choices) {
      if (choice.delta.content) {
        hash.update(choice.delta.content);
        text += choice.delta.content;
      }
      if (choice.delta.tool_calls) hash.update(JSON.stringify(choice.delta.tool_calls));
      if (choice.finish_reason) {
        finishReason = choice.finish_reason;
        finishes = true;
      }
    }
    if (!includeUsage) {
      if (chunk.choices.length === 0) return undefined;
      if (chunk.usage !== undefined) chunk = { ...chunk, usage: undefined };
    }
    chunk.model = target.name;
    if (finishes || tail.length > 0) {
      tail.push(chunk);
      return undefined;
    }
    return writer.chunk(chunk);
  };

  try {
    for (const chunk of outcome.head) await forward(chunk);
    for await (const chunk of outcome.rest) {
      if (clientGone.aborted) break;
      const backpressure = forward(chunk);
      if (backpressure !== undefined) await backpressure;
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
  const finalUsage: Usage = usage ?? countedStreamUsage(exactPromptTokens(served), text);
  settleRecord(record, outcome, target, finalUsage, usage ? 'upstream' : 'counted');
  record.finishReason = finishReason;
  record.responseSha256 = hash.digest('hex');
  record.responseText = capture ? context.redactor.redactText(text) : null;
  record.overheadMs = overheadAtOpen;
  return text;
}

/** Usage for a stream whose upstream reported none: the answer's tokens counted once. */
function countedStreamUsage(promptTokens: number, text: string): Usage {
  const completionTokens = countTextTokens(text);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
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
  // A bound is no count: settleRecord fills tokensIn from usage, or the finally block counts.
  record.tokensIn = classification.promptTokensExact ? classification.promptTokens : 0;
  record.request = redactedRequest;
}

/**
 * The prompt's token count for accounting. Classification may hold only an upper bound (enough
 * to route on); the count is made here the first time it is needed, and kept.
 */
function exactPromptTokens(served: Served): number {
  const classification = served.classification;
  if (!classification.promptTokensExact) {
    classification.promptTokens = countPromptTokens(served.chat);
    classification.promptTokensExact = true;
  }
  return classification.promptTokens;
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

/**
 * Fill a record from a completed non-streaming outcome: attempts, usage (the upstream's, else
 * counted), cost and finish reason. Returns the usage and the answer text (content, then tool
 * calls as JSON) that the hash and the log use.
 */
function settleCompletion(
  record: RequestRecord,
  outcome: CompletionOutcome,
  served: Served,
): { usage: Usage; answer: string } {
  const reported = outcome.completion.usage;
  const usage = reported ?? countedUsage(exactPromptTokens(served), outcome.completion);
  settleRecord(record, outcome, outcome.target, usage, reported ? 'upstream' : 'counted');
  const choice = outcome.completion.choices[0];
  record.finishReason = choice?.finish_reason ?? null;
  const message = choice?.message;
  const answer =
    (message?.content ?? '') + (message?.tool_calls ? JSON.stringify(message.tool_calls) : '');
  return { usage, answer };
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

/**
 * The base headers plus the served route, target, attempts and overhead, in a new object. An
 * answer its upstream labelled simulated is labelled here too, and the runtime remembers the
 * target as simulated for the views that list targets.
 *
 * Object.assign onto a fresh literal, then keys added one by one, instead of `{ ...base, ...more }`:
 * on Node 20 a spread followed by more keys gives every response's headers object its own hidden
 * class (~1 KB of old-generation garbage per request, .notes/perf-findings.md).
 */
function servedHeaders(
  context: GatewayContext,
  base: Record<string, string>,
  route: RouteConfig,
  target: TargetConfig,
  trace: ExecutionTrace & { simulated?: boolean },
  overheadMs: number,
): Record<string, string> {
  const headers: Record<string, string> = Object.assign({}, base);
  headers['x-switchyard-route'] = route.name;
  headers['x-switchyard-target'] = target.name;
  headers['x-switchyard-attempts'] = String(trace.attempts.length);
  headers['x-switchyard-overhead-ms'] = overheadMs.toFixed(3);
  if (trace.simulated === true) context.runtime.noteSimulatedAnswer(target);
  if (target.provider === 'sim' || trace.simulated === true) headers[SIMULATED_HEADER] = 'true';
  return headers;
}

/** The upstream's completion as served: the serving target as `model`, the settled usage. */
function asServed(completion: ChatCompletion, model: string, usage: Usage): ChatCompletion {
  // Same keys and order as `{ ...completion, model, usage }`, without its per-object hidden class.
  const served = Object.assign({}, completion);
  served.model = model;
  served.usage = usage;
  return served;
}

/** One-shot digest: half the cost of a createHash() object for a short answer. */
function sha256(text: string): string {
  return digestOf('sha256', text, 'hex');
}

/**
 * Prompts bounded above this many tokens are counted up front even when routing would not need
 * it: counting later, for accounting, runs in one go on the event loop (~1 ms for 64 KB of prose),
 * while up front a long prompt is counted in slices.
 */
const DEFERRED_COUNT_MAX_TOKENS = 65_536;

/** Route failures that a degraded answer may stand in for; a bad request never is. */
const DEGRADABLE: ReadonlySet<string> = new Set([
  'all_targets_failed',
  'deadline_exceeded',
  'rate_limited',
]);

/** Answer from the cache or the static message, flagged in a header so no one mistakes it for fresh. */
async function writeDegraded(
  response: ServerResponse,
  degraded: NonNullable<Awaited<ReturnType<TrafficControl['degradedAnswer']>>>,
  chat: ChatRequest,
  headers: Record<string, string>,
): Promise<void> {
  const includeUsage = chat.stream_options?.include_usage === true;
  const completion =
    degraded.kind === 'cache' && degraded.completion
      ? degraded.completion
      : staticFallbackCompletion(degraded.message ?? '', { includeUsage: true });
  const flagged = { ...headers, 'x-switchyard-degraded': degraded.kind };
  if (chat.stream === true) {
    const writer = new SseWriter(response);
    writer.open(flagged);
    for (const chunk of completionChunks(completion, { includeUsage })) await writer.chunk(chunk);
    writer.done();
    return;
  }
  const payload = JSON.stringify(completion);
  response.writeHead(200, {
    ...flagged,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  response.end(payload);
}

/**
 * Mirror a served request to the route's shadow target, off the client's path: the mirror runs
 * after the answer was sent, bounded by the shadow's concurrency and queue, and its result is
 * only recorded (as a shadow record pointing at the original), never returned.
 */
function mirrorToShadow(
  context: GatewayContext,
  traffic: TrafficControl,
  served: Served,
  requestId: string,
): void {
  const shadow = traffic.shadowFor(served.route);
  if (!shadow) return;
  const target = context.runtime.target(shadow.target);
  if (!target) return;
  const routeName = baseRouteName(served.route.name);
  const accepted = shadow.mirror.mirror(async (signal) => {
    const startedAt = performance.now();
    const mirroredAt = Date.now();
    const record = newRecord(timeOrderedId(mirroredAt), mirroredAt);
    record.shadow = true;
    record.shadowOf = requestId;
    record.route = routeName;
    record.rule = served.rule;
    record.intent = served.classification.intent;
    record.tags = served.classification.tags;
    record.userId = served.classification.userId;
    record.sessionId = served.classification.sessionId;
    record.tenant = served.classification.tenant;
    try {
      const outcome = await executeCompletion(
        {
          route: context.runtime.bareRoute(target),
          request: nonStreaming(served.chat),
          promptTokens: served.classification.promptTokens,
          signal,
        },
        context.runtime,
      );
      const { answer } = settleCompletion(record, outcome, served);
      record.status = 200;
      record.responseSha256 = sha256(answer);
      record.responseText = context.runtime.policy.log.captureBodies
        ? context.redactor.redactText(answer)
        : null;
      traffic.countShadow(routeName, 'sent');
    } catch (caught) {
      const error = toSwitchyardError(caught);
      if (caught instanceof RouteFailedError) record.attempts = [...caught.attempts];
      record.status = error.status;
      record.errorCode = error.code;
      traffic.countShadow(routeName, 'failed');
    } finally {
      record.latencyMs = performance.now() - startedAt;
      context.log?.record(record);
    }
  });
  if (!accepted) traffic.countShadow(routeName, 'dropped');
}

/** The request as a non-streaming one (what a shadow mirror sends), keys in the client's order. */
function nonStreaming(chat: ChatRequest): ChatRequest {
  const request = Object.assign({}, chat);
  request.stream = false;
  request.stream_options = undefined;
  return request;
}

/**
 * The plan with a native AbortSignal: the verifier combines it with AbortSignal.any(), which
 * never hears a lean signal abort.
 */
function withNativeSignal(plan: RoutePlan): RoutePlan {
  return {
    route: plan.route,
    request: plan.request,
    promptTokens: plan.promptTokens,
    signal: nativeAbortSignal(plan.signal),
  };
}
