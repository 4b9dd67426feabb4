import type { ValidateFunction } from 'ajv';
import {
  compileJsonSchema,
  describeSchemaErrors,
  extractJsonText,
} from '../checks/json-schema-validator.js';

/** Which cheap checks run on a sample of live answers. */
export interface OnlineChecksConfig {
  /** Share of answers checked, 0..1. */
  sampleRate: number;
  /** A JSON Schema the answer (or its fenced JSON block) must satisfy; null for none. */
  schema?: object | null;
  /** Patterns an answer must not match (e.g. product names that do not exist). */
  denyPatterns: string[];
  /** Bounds on the trimmed answer's length in characters; null for none. */
  minLength?: number | null;
  maxLength?: number | null;
  /** Patterns that mark a refusal. Omitted: DEFAULT_REFUSAL_PATTERNS; [] turns the check off. */
  refusalPatterns?: string[];
}

/** One answer's checks: `failures` holds `kind: detail` lines (kind is schema, deny, length or refusal). */
export interface OnlineCheckResult {
  pass: boolean;
  failures: string[];
  /** The schema check alone (a contract signal for canary gates); null when no schema is set. */
  contractPass: boolean | null;
}

/** Configured checks, compiled once. */
export interface OnlineChecks {
  /** Whether to check this answer (a coin flip at sampleRate). */
  sample(): boolean;
  check(text: string): OnlineCheckResult;
}

/** A check's configuration could not be compiled; the message names the culprit. */
export class OnlineCheckConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnlineCheckConfigError';
  }
}

/**
 * Phrases a refusal usually starts with, in the `/source/flags` form; apostrophes match both the
 * straight and the typographic one, since models emit either.
 */
export const DEFAULT_REFUSAL_PATTERNS: readonly string[] = [
  "/\\bI (?:can['’]?t|cannot|am unable to|['’]m unable to|am not able to|['’]m not able to) (?:help|assist|comply|provide)/i",
  "/\\bI['’]m sorry,? but I (?:can['’]?t|cannot)/i",
  '/\\bAs an AI\\b/i',
  "/\\bI (?:won[’']?t|will not) (?:be able to )?(?:help|assist) with/i",
];

const SLASHED = /^\/(.+)\/([dgimsuvy]*)$/s;

/**
 * A pattern as configured: `/source/flags` is a regular expression, anything else a literal
 * phrase matched case-insensitively. The global and sticky flags are dropped because they make
 * `test()` stateful across answers.
 */
export function compileCheckPattern(pattern: string, field: string): RegExp {
  const slashed = SLASHED.exec(pattern);
  try {
    if (slashed) {
      return new RegExp(slashed[1] ?? '', (slashed[2] ?? '').replace(/[gy]/g, ''));
    }
    return new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new OnlineCheckConfigError(`${field}: invalid pattern ${pattern}: ${reason}`);
  }
}

/**
 * Cheap per-answer checks (schema, deny-list, length, refusal), compiled once when created so
 * check() costs a few regex tests and, with a schema, one JSON.parse and ajv call.
 */
export function createOnlineChecks(
  config: OnlineChecksConfig,
  random: () => number = Math.random,
): OnlineChecks {
  if (!(config.sampleRate >= 0 && config.sampleRate <= 1)) {
    throw new OnlineCheckConfigError(`sampleRate must be within 0..1; got ${config.sampleRate}`);
  }
  const minLength = config.minLength ?? null;
  const maxLength = config.maxLength ?? null;
  for (const [name, bound] of [
    ['minLength', minLength],
    ['maxLength', maxLength],
  ] as const) {
    if (bound !== null && !(Number.isInteger(bound) && bound >= 0)) {
      throw new OnlineCheckConfigError(`${name} must be a non-negative integer; got ${bound}`);
    }
  }
  if (minLength !== null && maxLength !== null && minLength > maxLength) {
    throw new OnlineCheckConfigError(`minLength ${minLength} is above maxLength ${maxLength}`);
  }
  let validate: ValidateFunction | null = null;
  if (config.schema) {
    try {
      validate = compileJsonSchema(config.schema as Record<string, unknown>);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new OnlineCheckConfigError(`schema: ${reason}`);
    }
  }
  const deny = config.denyPatterns.map((pattern, index) => ({
    pattern,
    regex: compileCheckPattern(pattern, `denyPatterns[${index}]`),
  }));
  const refusals = (config.refusalPatterns ?? DEFAULT_REFUSAL_PATTERNS).map((pattern, index) =>
    compileCheckPattern(pattern, `refusalPatterns[${index}]`),
  );

  const checkSchema = (text: string): string | null => {
    if (!validate) return null;
    let value: unknown;
    try {
      value = JSON.parse(extractJsonText(text));
    } catch {
      return 'schema: the answer is not JSON';
    }
    return validate(value) ? null : `schema: ${describeSchemaErrors(validate.errors)}`;
  };

  return {
    sample() {
      return config.sampleRate > 0 && random() < config.sampleRate;
    },

    check(text) {
      const failures: string[] = [];
      const schemaFailure = checkSchema(text);
      if (schemaFailure) failures.push(schemaFailure);
      for (const { pattern, regex } of deny) {
        const match = regex.exec(text);
        if (match) failures.push(`deny: matched ${pattern} ("${match[0]}")`);
      }
      const length = text.trim().length;
      if (minLength !== null && length < minLength) {
        failures.push(`length: ${length} characters, below the minimum ${minLength}`);
      }
      if (maxLength !== null && length > maxLength) {
        failures.push(`length: ${length} characters, above the maximum ${maxLength}`);
      }
      const refusal = refusals.find((regex) => regex.test(text));
      if (refusal) failures.push(`refusal: matched ${refusal.source}`);
      return {
        pass: failures.length === 0,
        failures,
        contractPass: validate ? schemaFailure === null : null,
      };
    },
  };
}

/** One target's online check counts. */
export interface CheckTallyEntry {
  total: number;
  passed: number;
  /** passed / total; null before the first check. */
  passRate: number | null;
  /** Failed checks by kind (schema, deny, length, refusal); one answer may fail several. */
  failures: Record<string, number>;
}

/** Pass counts per target, for /admin/state. */
export interface CheckTally {
  record(target: string, result: Pick<OnlineCheckResult, 'pass' | 'failures'>): void;
  snapshot(): Record<string, CheckTallyEntry>;
}

/** A per-target tally of online check results since the process started. */
export function createCheckTally(): CheckTally {
  const entries = new Map<
    string,
    { total: number; passed: number; failures: Map<string, number> }
  >();
  return {
    record(target, result) {
      let entry = entries.get(target);
      if (!entry) {
        entry = { total: 0, passed: 0, failures: new Map() };
        entries.set(target, entry);
      }
      entry.total += 1;
      if (result.pass) entry.passed += 1;
      for (const failure of result.failures) {
        const separator = failure.indexOf(':');
        const kind = separator === -1 ? failure : failure.slice(0, separator);
        entry.failures.set(kind, (entry.failures.get(kind) ?? 0) + 1);
      }
    },

    snapshot() {
      const result: Record<string, CheckTallyEntry> = {};
      for (const [target, entry] of entries) {
        result[target] = {
          total: entry.total,
          passed: entry.passed,
          passRate: entry.total === 0 ? null : entry.passed / entry.total,
          failures: Object.fromEntries(entry.failures),
        };
      }
      return result;
    },
  };
}
