import type { CheckResult, CheckSpec, TraceEntry } from '../eval/eval-types.js';
import type { CheckDeps, CheckInput, CompiledCheck } from './check-types.js';
import { compileCheck } from './compile-check.js';

/** Runs a run's checks, plus each entry's own, on one response at a time. */
export interface CheckRunner {
  /**
   * Results in order: the run's checks, then the entry's `checks`. A check whose input is absent
   * (no answer, no `expected` for a reference check, no `context` for grounding, no tool calls
   * for a tool-arguments schema) is skipped: it emits no result rather than a failure. Judge and
   * function failures are failed results, never exceptions.
   */
  run(input: CheckInput): Promise<CheckResult[]>;
}

/*
 * Per-entry checks (from a curated suite) are compiled on first use and shared by spec text:
 * a suite that repeats one function check on every entry compiles one V8 context, not thousands.
 */
const MAX_ENTRY_CHECK_CACHE = 1_000;

/**
 * Compile the run's checks once (throws CheckSpecError for a spec that cannot work, before any
 * load starts) and return a runner.
 */
export function createCheckRunner(specs: CheckSpec[], deps: CheckDeps = {}): CheckRunner {
  const runChecks = specs.map((spec) => ({ name: spec.name, check: compileCheck(spec, deps) }));
  const bySpec = new Map<string, { name: string; check: CompiledCheck }>();
  const byEntry = new WeakMap<TraceEntry, Array<{ name: string; check: CompiledCheck }>>();

  function entryChecks(entry: TraceEntry): Array<{ name: string; check: CompiledCheck }> {
    if (entry.checks.length === 0) return [];
    let compiled = byEntry.get(entry);
    if (compiled) return compiled;
    compiled = entry.checks.map((spec) => {
      const key = JSON.stringify(spec);
      let cached = bySpec.get(key);
      if (!cached) {
        if (bySpec.size >= MAX_ENTRY_CHECK_CACHE) bySpec.clear();
        cached = { name: spec.name, check: compileOrFail(spec, deps) };
        bySpec.set(key, cached);
      }
      return cached;
    });
    byEntry.set(entry, compiled);
    return compiled;
  }

  return {
    async run(input) {
      const checks = [...runChecks, ...entryChecks(input.entry)];
      const outcomes: Array<CheckResult | null | Promise<CheckResult | null>> = [];
      // Start every check first so a response's judge calls run concurrently.
      for (const { name, check } of checks) outcomes.push(runOne(name, check, input));
      const results: CheckResult[] = [];
      for (const outcome of outcomes) {
        const settled = outcome instanceof Promise ? await outcome : outcome;
        if (settled !== null) results.push(settled);
      }
      return results;
    },
  };
}

function runOne(
  name: string,
  check: CompiledCheck,
  input: CheckInput,
): CheckResult | null | Promise<CheckResult | null> {
  try {
    const outcome = check(input);
    if (outcome instanceof Promise) {
      return outcome.catch((error: unknown) => crashed(name, error));
    }
    return outcome;
  } catch (error) {
    return crashed(name, error);
  }
}

function crashed(name: string, error: unknown): CheckResult {
  const message = error instanceof Error ? error.message : String(error);
  return { name, pass: false, score: null, detail: `check failed to run: ${message}` };
}

/** An entry's check that cannot compile fails on every response instead of stopping the run. */
function compileOrFail(spec: CheckSpec, deps: CheckDeps): CompiledCheck {
  try {
    return compileCheck(spec, deps);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return () => ({ name: spec.name, pass: false, score: null, detail });
  }
}
