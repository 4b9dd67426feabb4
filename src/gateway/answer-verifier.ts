import {
  compileJsonSchema,
  describeSchemaErrors,
  extractJsonText,
  parseGroundingVerdict,
} from '../checks/index.js';
import type { ChatCompletion, ChatRequest } from '../core/chat-types.js';
import { contentText } from '../core/chat-types.js';
import type { VerifierConfig } from '../routing/policy/policy-types.js';
import {
  type CompletionOutcome,
  executeCompletion,
  type RoutePlan,
  type RouteRuntime,
} from '../routing/route-executor.js';
import { RouteFailedError } from '../routing/route-failed-error.js';
import type { RoutingRuntime } from '../routing/routing-runtime.js';
import { executeBufferedStream } from './verified-stream.js';

/** A verifier's verdict on one answer. */
export interface Verdict {
  pass: boolean;
  detail: string;
}

const compiled = new WeakMap<Record<string, unknown>, ReturnType<typeof compileJsonSchema>>();

/** The answer text a verifier judges: the message content, or the tool calls as JSON. */
export function answerText(completion: ChatCompletion): string {
  const message = completion.choices[0]?.message;
  if (message?.tool_calls?.length)
    return JSON.stringify(message.tool_calls.map((call) => call.function.arguments));
  return message?.content ?? '';
}

/** Check one answer: against a JSON Schema, or by asking the verifier target whether it is grounded. */
export async function verifyAnswer(
  answer: string,
  request: ChatRequest,
  config: VerifierConfig,
  runtime: RoutingRuntime,
  signal: AbortSignal,
): Promise<Verdict> {
  if (config.kind === 'schema' && config.schema) {
    let validate = compiled.get(config.schema);
    if (!validate) {
      validate = compileJsonSchema(config.schema);
      compiled.set(config.schema, validate);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(extractJsonText(answer));
    } catch {
      return { pass: false, detail: 'the answer is not JSON' };
    }
    return validate(parsed)
      ? { pass: true, detail: 'matches the schema' }
      : { pass: false, detail: describeSchemaErrors(validate.errors) };
  }
  const context = request.messages
    .filter((message) => message.role === 'system' || message.role === 'developer')
    .map((message) => contentText(message.content))
    .join('\n');
  if (!config.target || context.trim() === '')
    return { pass: true, detail: 'no context to ground against' };
  const target = runtime.target(config.target);
  if (!target) return { pass: false, detail: `verifier target ${config.target} not found` };
  const { completion } = await runtime.provider(config.target).doComplete(
    {
      model: target.model,
      temperature: 0,
      messages: [
        {
          role: 'system',
          content:
            'You check whether an answer is supported by the context. Reply with SUPPORTED or UNSUPPORTED on the first line, then list unsupported claims.',
        },
        { role: 'user', content: `Context:\n${context}\n\nAnswer:\n${answer}` },
      ],
    },
    { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) },
  );
  const verdict = parseGroundingVerdict(completion.choices[0]?.message.content ?? '');
  if (!verdict) return { pass: false, detail: 'the verifier gave no verdict' };
  return {
    pass: verdict.supported,
    detail: verdict.supported ? 'supported' : 'unsupported by the context',
  };
}

/**
 * Verify a completed answer and, when it fails, seek another: `retry` runs the route again,
 * `fallback` runs it without the targets whose answers failed. Attempts of every try are kept, the
 * rejected ones marked `verifier_rejected`. When no answer passes, the request fails with
 * `verification_failed` rather than returning an answer known to be bad. A streaming request's
 * further answers are buffered streams too (see executeBufferedStream), so their attempts keep
 * streaming timings and nothing reaches the client before a verdict.
 */
export async function verifyOutcome(
  first: CompletionOutcome,
  plan: RoutePlan,
  config: VerifierConfig,
  runtime: RoutingRuntime,
  routeRuntime: RouteRuntime,
): Promise<CompletionOutcome> {
  let outcome = first;
  const attempts = [...first.attempts];
  let route = plan.route;
  const execute = plan.request.stream === true ? executeBufferedStream : executeCompletion;
  for (let tries = 0; ; tries++) {
    const verdict = await verifyAnswer(
      answerText(outcome.completion),
      plan.request,
      config,
      runtime,
      plan.signal,
    );
    if (verdict.pass) return { ...outcome, attempts };
    const rejected = attempts.at(-1);
    if (rejected) rejected.errorClass = 'verifier_rejected';
    if (config.onFail === 'fallback') {
      const failed = outcome.target.name;
      route = { ...route, chain: route.chain.filter((step) => step.target !== failed) };
    }
    if (tries >= config.maxTries || route.chain.length === 0) {
      throw new RouteFailedError(
        'verification_failed',
        `route "${plan.route.name}": no answer passed the ${config.kind} verifier (${verdict.detail})`,
        attempts,
      );
    }
    outcome = await execute({ ...plan, route }, routeRuntime);
    attempts.push(...outcome.attempts);
  }
}
