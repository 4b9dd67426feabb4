import type { CheckResult, CheckSpec, TraceEntry } from '../eval/eval-types.js';
import { buildGroundingRequest, buildJudgeRequest } from './build-judge-request.js';
import { CheckSpecError } from './check-spec-error.js';
import type { CheckDeps, CheckInput, CompiledCheck } from './check-types.js';
import { compileFunctionCheck, DEFAULT_FUNCTION_TIMEOUT_MS } from './compile-function-check.js';
import { contentWords, findUnsupportedClaims } from './grounding-heuristic.js';
import {
  compileJsonSchema,
  describeSchemaErrors,
  extractJsonText,
} from './json-schema-validator.js';
import { parseGroundingVerdict, parseJudgeReason, parseJudgeScore } from './parse-judge-reply.js';
import { tokenF1, wordTokens } from './text-similarity.js';

/** Default bound on one judge call. */
export const DEFAULT_JUDGE_TIMEOUT_MS = 60_000;
const MAX_DETAIL_CHARS = 240;

/**
 * Turn a CheckSpec into a function of one response. Everything that can be prepared once is
 * prepared here (regexes, ajv validators, function sources), so running a check costs only the
 * check itself. Throws CheckSpecError when the spec cannot work (bad pattern, schema or source,
 * or a judge check without a judge).
 */
export function compileCheck(spec: CheckSpec, deps: CheckDeps): CompiledCheck {
  try {
    return compile(spec, deps);
  } catch (error) {
    if (error instanceof CheckSpecError) throw error;
    throw new CheckSpecError(`check "${spec.name}" (${spec.kind}): ${messageOf(error)}`);
  }
}

function compile(spec: CheckSpec, deps: CheckDeps): CompiledCheck {
  switch (spec.kind) {
    case 'equals': {
      const expected = fold(spec.value.trim(), spec.ignoreCase);
      return ({ text }) => {
        if (text === null) return null;
        const pass = fold(text.trim(), spec.ignoreCase) === expected;
        return result(spec.name, pass, null, pass ? null : `expected exactly ${quote(spec.value)}`);
      };
    }
    case 'contains': {
      const needle = fold(spec.value, spec.ignoreCase);
      return ({ text }) => {
        if (text === null) return null;
        const pass = fold(text, spec.ignoreCase).includes(needle);
        return result(spec.name, pass, null, pass ? null : `does not contain ${quote(spec.value)}`);
      };
    }
    case 'regex': {
      // g and y make test() stateful across calls; a check only asks "is there a match".
      const pattern = new RegExp(spec.pattern, (spec.flags ?? '').replace(/[gy]/g, ''));
      return ({ text }) => {
        if (text === null) return null;
        const match = pattern.exec(text);
        if (spec.negate) {
          return match
            ? result(
                spec.name,
                false,
                null,
                `matches forbidden /${spec.pattern}/: ${quote(match[0])}`,
              )
            : result(spec.name, true, null, null);
        }
        return match
          ? result(spec.name, true, null, null)
          : result(spec.name, false, null, `no match for /${spec.pattern}/`);
      };
    }
    case 'json_schema':
      return compileJsonSchemaCheck(spec);
    case 'function':
      return compileFunction(spec, deps);
    case 'reference':
      return compileReferenceCheck(spec);
    case 'judge':
      if (!deps.judge) {
        throw new CheckSpecError(
          `check "${spec.name}" needs judge target "${spec.target}", but no judge is configured`,
        );
      }
      return compileJudgeCheck(spec, deps);
    case 'grounding':
      if (spec.target !== null && !deps.judge) {
        throw new CheckSpecError(
          `check "${spec.name}" needs judge target "${spec.target}", but no judge is configured`,
        );
      }
      return spec.target === null
        ? compileGroundingHeuristic(spec)
        : compileGroundingJudge({ ...spec, target: spec.target }, deps);
  }
}

function compileJsonSchemaCheck(spec: Extract<CheckSpec, { kind: 'json_schema' }>): CompiledCheck {
  const validate = compileJsonSchema(spec.schema);
  if (spec.on === 'answer') {
    return ({ text }) => {
      if (text === null) return null;
      let value: unknown;
      try {
        value = JSON.parse(extractJsonText(text));
      } catch (error) {
        return result(spec.name, false, null, `answer is not JSON: ${messageOf(error)}`);
      }
      return validate(value)
        ? result(spec.name, true, null, null)
        : result(spec.name, false, null, describeSchemaErrors(validate.errors));
    };
  }
  return ({ text, toolArguments }) => {
    if (text === null || toolArguments.length === 0) return null;
    for (const [index, argumentsText] of toolArguments.entries()) {
      const label = toolArguments.length === 1 ? 'tool call' : `tool call ${index + 1}`;
      let value: unknown;
      try {
        value = JSON.parse(argumentsText);
      } catch (error) {
        return result(
          spec.name,
          false,
          null,
          `${label} arguments are not JSON: ${messageOf(error)}`,
        );
      }
      if (!validate(value)) {
        return result(spec.name, false, null, `${label}: ${describeSchemaErrors(validate.errors)}`);
      }
    }
    return result(spec.name, true, null, null);
  };
}

function compileFunction(
  spec: Extract<CheckSpec, { kind: 'function' }>,
  deps: CheckDeps,
): CompiledCheck {
  const timeoutMs = deps.functionTimeoutMs ?? DEFAULT_FUNCTION_TIMEOUT_MS;
  const run = compileFunctionCheck(spec.source, { timeoutMs, filename: `check:${spec.name}` });
  return (input) => {
    if (input.text === null) return null;
    let returned: unknown;
    try {
      returned = run({
        text: input.text,
        entry: input.entry,
        toolArguments: input.toolArguments,
        baselineText: input.baselineText,
      });
    } catch (error) {
      return result(spec.name, false, null, describeThrow(error, timeoutMs));
    }
    if (isThenable(returned)) {
      return settleWithin(returned, timeoutMs).then(
        (value) => interpretReturn(spec.name, value),
        (error: unknown) => result(spec.name, false, null, describeThrow(error, timeoutMs)),
      );
    }
    return interpretReturn(spec.name, returned);
  };
}

/** boolean, a 0..1 number (pass at 0.5), or `{ pass, score?, detail? }`. */
function interpretReturn(name: string, value: unknown): CheckResult {
  if (typeof value === 'boolean') return result(name, value, null, null);
  if (typeof value === 'number' && value >= 0 && value <= 1) {
    return result(name, value >= 0.5, value, null);
  }
  if (typeof value === 'object' && value !== null && 'pass' in value) {
    const record = value as { pass: unknown; score?: unknown; detail?: unknown };
    const score =
      typeof record.score === 'number' && Number.isFinite(record.score)
        ? Math.min(1, Math.max(0, record.score))
        : null;
    const detail =
      record.detail === undefined || record.detail === null ? null : String(record.detail);
    return result(name, record.pass === true, score, detail);
  }
  return result(
    name,
    false,
    null,
    `returned ${describeValue(value)}; expected true/false, a 0..1 number or { pass }`,
  );
}

/*
 * The reference check normalizes both sides SQuAD-style (lower case, no punctuation, no
 * articles). An exact match, or the whole reference appearing word for word inside the answer,
 * scores 1 ("Paris" in "The capital is Paris."); otherwise the score is token F1.
 */
const ARTICLES = new Set(['a', 'an', 'the']);
const referenceTokens = new WeakMap<TraceEntry, string[]>();

function normalizedTokens(text: string): string[] {
  return wordTokens(text).filter((token) => !ARTICLES.has(token));
}

function compileReferenceCheck(spec: Extract<CheckSpec, { kind: 'reference' }>): CompiledCheck {
  return ({ entry, text }) => {
    if (text === null || entry.expected === null) return null;
    let expected = referenceTokens.get(entry);
    if (!expected) {
      expected = normalizedTokens(entry.expected);
      referenceTokens.set(entry, expected);
    }
    const answer = normalizedTokens(text);
    if (expected.length > 0 && ` ${answer.join(' ')} `.includes(` ${expected.join(' ')} `)) {
      return result(spec.name, true, 1, null);
    }
    const score = tokenF1(expected, answer);
    const pass = score >= spec.threshold;
    return result(
      spec.name,
      pass,
      score,
      pass ? null : `similarity ${score.toFixed(2)} < ${spec.threshold}`,
    );
  };
}

function compileJudgeCheck(
  spec: Extract<CheckSpec, { kind: 'judge' }>,
  deps: CheckDeps,
): CompiledCheck {
  return async (input) => {
    if (input.text === null) return null;
    const request = buildJudgeRequest(spec.target, spec.rubric, input.entry, input.text);
    let reply: string;
    try {
      reply = await callJudge(spec.target, request, input, deps);
    } catch (error) {
      return result(spec.name, false, null, `judge failed: ${messageOf(error)}`);
    }
    const score = parseJudgeScore(reply);
    if (score === null) {
      return result(spec.name, false, null, `judge reply not understood: ${quote(reply)}`);
    }
    const pass = score >= spec.threshold;
    const reason = parseJudgeReason(reply);
    const detail = pass
      ? reason
      : `judge score ${score.toFixed(2)} < ${spec.threshold}${reason ? `: ${reason}` : ''}`;
    return result(spec.name, pass, score, detail);
  };
}

const contextWordSets = new WeakMap<TraceEntry, Set<string>>();

function compileGroundingHeuristic(spec: Extract<CheckSpec, { kind: 'grounding' }>): CompiledCheck {
  return ({ entry, text }) => {
    if (text === null || entry.context === null) return null;
    let contextWords = contextWordSets.get(entry);
    if (!contextWords) {
      contextWords = new Set(contentWords(entry.context));
      contextWordSets.set(entry, contextWords);
    }
    const { checked, unsupported } = findUnsupportedClaims(text, contextWords);
    if (checked === 0) return result(spec.name, true, 1, 'no checkable claims');
    const score = (checked - unsupported.length) / checked;
    const pass = score >= spec.threshold;
    const detail =
      unsupported.length === 0
        ? null
        : `${unsupported.length} of ${checked} claims unsupported: ${unsupported.map(quote).join('; ')}`;
    return result(spec.name, pass, score, detail);
  };
}

function compileGroundingJudge(
  spec: Extract<CheckSpec, { kind: 'grounding' }> & { target: string },
  deps: CheckDeps,
): CompiledCheck {
  return async (input) => {
    if (input.text === null || input.entry.context === null) return null;
    const request = buildGroundingRequest(spec.target, input.entry.context, input.text);
    let reply: string;
    try {
      reply = await callJudge(spec.target, request, input, deps);
    } catch (error) {
      return result(spec.name, false, null, `judge failed: ${messageOf(error)}`);
    }
    const verdict = parseGroundingVerdict(reply);
    if (verdict === null) {
      return result(spec.name, false, null, `judge reply not understood: ${quote(reply)}`);
    }
    const score = verdict.score ?? (verdict.supported ? 1 : 0);
    const pass = score >= spec.threshold;
    const detail =
      verdict.claims.length > 0
        ? `unsupported: ${verdict.claims.map(quote).join('; ')}`
        : verdict.supported
          ? null
          : 'judge found unsupported claims';
    return result(spec.name, pass, score, detail);
  };
}

async function callJudge(
  target: string,
  request: Parameters<NonNullable<CheckDeps['judge']>>[1],
  input: CheckInput,
  deps: CheckDeps,
): Promise<string> {
  const judge = deps.judge;
  if (!judge) throw new Error('no judge is configured');
  const timeout = AbortSignal.timeout(deps.judgeTimeoutMs ?? DEFAULT_JUDGE_TIMEOUT_MS);
  const signal = input.signal ? AbortSignal.any([input.signal, timeout]) : timeout;
  const reply = await judge(target, request, signal);
  if (typeof reply !== 'string') throw new Error(`judge returned ${describeValue(reply)}`);
  return reply;
}

function result(
  name: string,
  pass: boolean,
  score: number | null,
  detail: string | null,
): CheckResult {
  return {
    name,
    pass,
    score,
    detail:
      detail === null || detail.length <= MAX_DETAIL_CHARS
        ? detail
        : `${detail.slice(0, MAX_DETAIL_CHARS - 1)}…`,
  };
}

function fold(text: string, ignoreCase: boolean | undefined): string {
  return ignoreCase ? text.toLowerCase() : text;
}

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > 80 ? `${flat.slice(0, 77)}...` : flat);
}

function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}

function describeThrow(error: unknown, timeoutMs: number): string {
  const message = messageOf(error);
  if (/timed out/i.test(message)) return `timed out after ${timeoutMs} ms`;
  return `threw: ${message}`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** An async function check gets the same time bound as a synchronous one. */
function settleWithin(promise: PromiseLike<unknown>, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    Promise.resolve(promise).then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
