import vm from 'node:vm';
import type { TraceEntry } from '../eval/eval-types.js';

/** What a function check receives. */
export interface FunctionCheckInput {
  text: string;
  entry: TraceEntry;
  toolArguments: string[];
  baselineText: string | null;
}

/** A compiled function check: the raw value the user's code returned (maybe a promise). */
export type FunctionCheck = (input: FunctionCheckInput) => unknown;

/** How long one synchronous call may run before it is stopped and the check fails. */
export const DEFAULT_FUNCTION_TIMEOUT_MS = 1_000;

const FUNCTION_FORM =
  /^\s*(?:async\s+)?(?:function\b|\([^()]*(?:\([^()]*\)[^()]*)*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)/;
const PARAMETERS = '{ text, entry, toolArguments, baselineText }';
const INPUT_KEY = '__switchyardCheckInput';
const CHECK_KEY = '__switchyardCheck';

/*
 * Suites are trusted code, like a test file: a function check can do anything JavaScript can do
 * in its context. It runs in its own V8 context (node:vm) so that Node's globals (process,
 * require) are not lying around to be used by accident; node:vm is not a sandbox against
 * hostile code.
 *
 * Runaway code is bounded by vm's timeout, but that timeout starts a watchdog thread per call
 * (~50-80 µs, far more than a typical check), which a 100,000-request replay cannot pay on every
 * response while it is also generating load. So each check is on probation: its first
 * GUARDED_CALLS calls run under the timeout, and once they have all finished well inside it
 * (under a tenth) the rest run directly. A check that loops on its first calls fails them with
 * "timed out"; one that loops only on a rare input late in a run is not caught.
 *
 * Three forms are accepted:
 *   - a function: `({ text }) => text.length < 500`, `function ({ text, entry }) { ... }`
 *   - a body with `return`: `const words = text.split(' '); return words.length < 100;`
 *   - an expression: `text.includes('refund')`
 * Bodies and expressions see `text`, `entry`, `toolArguments` and `baselineText` as variables.
 */

/** Calls of each function check that always run under the timeout. */
export const GUARDED_CALLS = 100;

/** Compile a function check's source; throws when it does not parse or is not a function. */
export function compileFunctionCheck(
  source: string,
  options?: { timeoutMs?: number; filename?: string },
): FunctionCheck {
  const timeout = options?.timeoutMs ?? DEFAULT_FUNCTION_TIMEOUT_MS;
  const filename = options?.filename ?? 'function-check';
  const context = vm.createContext({});
  const compiled: unknown = new vm.Script(wrapSource(source), { filename }).runInContext(context, {
    timeout,
  });
  if (typeof compiled !== 'function') {
    throw new TypeError(`the source evaluates to ${typeof compiled}, not a function`);
  }
  const direct = compiled as FunctionCheck;
  context[CHECK_KEY] = compiled;
  const call = new vm.Script(`${CHECK_KEY}(${INPUT_KEY})`, { filename });
  let guardedCalls = 0;
  let slowest = 0;
  return (input) => {
    if (guardedCalls >= GUARDED_CALLS && slowest < timeout / 10) return direct(input);
    context[INPUT_KEY] = input;
    const started = performance.now();
    try {
      return call.runInContext(context, { timeout });
    } finally {
      context[INPUT_KEY] = undefined;
      guardedCalls += 1;
      slowest = Math.max(slowest, performance.now() - started);
    }
  };
}

/** Throw the SyntaxError a function check's source would raise, without creating a context. */
export function checkFunctionSyntax(source: string): void {
  new vm.Script(wrapSource(source), { filename: 'function-check' });
}

function wrapSource(source: string): string {
  if (FUNCTION_FORM.test(source)) return `(${source}\n)`;
  if (/\breturn\b/.test(source)) return `(function (${PARAMETERS}) {\n${source}\n})`;
  return `(function (${PARAMETERS}) {\nreturn (\n${source}\n);\n})`;
}
