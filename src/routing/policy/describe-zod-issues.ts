import type { z } from 'zod';

/** A schema problem in policy words: where in the document, and what was expected. */
export interface PolicyFieldIssue {
  path: PropertyKey[];
  message: string;
  /** Point at the field's key rather than its value (unknown fields, misplaced secrets). */
  atKey?: boolean;
}

/** Fields that hold secrets; their literal form is refused with a pointer to the env form. */
const SECRET_FIELDS: Record<string, string> = {
  api_key:
    'keys are not allowed in the policy file; put the key in an environment variable and name it with api_key_env',
  admin_token:
    'tokens are not allowed in the policy file; put the token in an environment variable and name it with admin_token_env',
};

/**
 * Turn zod issues into messages a policy author can act on ("expected a number, got \"fast\"")
 * instead of zod's generic ones. Union failures are narrowed to the branch that matched the
 * value's shape, so `targets[1]` written as a mapping reports the mapping's problem.
 */
export function describeZodIssues(
  issues: readonly z.core.$ZodIssue[],
  knownFields: readonly string[] = [],
): PolicyFieldIssue[] {
  const described: PolicyFieldIssue[] = [];
  for (const issue of issues) describeIssue(issue, [], knownFields, described, 0);
  return described;
}

function describeIssue(
  issue: z.core.$ZodIssue,
  prefix: PropertyKey[],
  knownFields: readonly string[],
  out: PolicyFieldIssue[],
  depth: number,
): void {
  const path = [...prefix, ...issue.path];
  switch (issue.code) {
    case 'invalid_type':
      out.push({
        path,
        message:
          issue.input === undefined
            ? `missing required field (expected ${describeType(issue.expected)})`
            : `expected ${describeType(issue.expected)}, got ${describeValue(issue.input)}`,
      });
      return;
    case 'invalid_value':
      out.push({
        path,
        message:
          issue.values.length === 1
            ? `expected ${describeValue(issue.values[0])}, got ${describeValue(issue.input)}`
            : `expected one of ${issue.values.map((value) => String(value)).join(', ')}, got ${describeValue(issue.input)}`,
      });
      return;
    case 'unrecognized_keys':
      for (const key of issue.keys) {
        const suggestion = closestField(key, knownFields);
        out.push({
          path: [...path, key],
          atKey: true,
          message:
            SECRET_FIELDS[key] ??
            (suggestion
              ? `unknown field "${key}" (did you mean "${suggestion}"?)`
              : `unknown field "${key}"`),
        });
      }
      return;
    case 'too_small':
      out.push({
        path,
        message: describeBound('at least', 'more than', issue.origin, issue.minimum, issue),
      });
      return;
    case 'too_big':
      out.push({
        path,
        message: describeBound('at most', 'less than', issue.origin, issue.maximum, issue),
      });
      return;
    case 'invalid_format':
      out.push({
        path,
        message:
          issue.format === 'url'
            ? `expected an http(s) URL, got ${describeValue(issue.input)}`
            : issue.message,
      });
      return;
    case 'invalid_union':
      describeUnion(issue, path, knownFields, out, depth);
      return;
    default:
      out.push({ path, message: issue.message });
  }
}

/*
 * A union fails with one list of issues per branch. The branch worth reporting is the one whose
 * shape matched (its issues are deeper than the value itself); when no branch matched the shape,
 * report what shapes were acceptable.
 */
function describeUnion(
  issue: z.core.$ZodIssueInvalidUnion,
  path: PropertyKey[],
  knownFields: readonly string[],
  out: PolicyFieldIssue[],
  depth: number,
): void {
  const branches = issue.errors;
  const shapeMatched = branches.find(
    (branch) =>
      branch.length > 0 &&
      !branch.some(
        (inner) =>
          inner.path.length === 0 &&
          (inner.code === 'invalid_type' || inner.code === 'invalid_value'),
      ),
  );
  if (shapeMatched && depth < 8) {
    for (const inner of shapeMatched) describeIssue(inner, path, knownFields, out, depth + 1);
    return;
  }
  const expected: string[] = [];
  for (const branch of branches) {
    for (const inner of branch) {
      if (inner.path.length !== 0) continue;
      if (inner.code === 'invalid_type') expected.push(describeType(inner.expected));
      if (inner.code === 'invalid_value')
        for (const value of inner.values) expected.push(String(value));
    }
  }
  const unique = [...new Set(expected)];
  const got = describeValue(issue.input);
  const shapesOnly = unique.every((word) => Object.values(TYPE_WORDS).includes(word));
  let message = issue.message;
  if (unique.length === 1) message = `expected ${unique[0]}, got ${got}`;
  else if (unique.length > 1 && shapesOnly) message = `expected ${unique.join(' or ')}, got ${got}`;
  else if (unique.length > 1) message = `expected one of ${unique.join(', ')}, got ${got}`;
  out.push({ path, message });
}

function describeBound(
  inclusiveWord: string,
  exclusiveWord: string,
  origin: string,
  bound: number | bigint,
  issue: { inclusive?: boolean; input?: unknown },
): string {
  const word = issue.inclusive === false ? exclusiveWord : inclusiveWord;
  const got = issue.input === undefined ? '' : `, got ${describeValue(issue.input)}`;
  if (origin === 'array') return `expected ${word} ${bound} item${bound === 1 ? '' : 's'}${got}`;
  if (origin === 'string') {
    return bound === 1 && word === inclusiveWord
      ? 'expected a non-empty string'
      : `expected ${word} ${bound} characters${got}`;
  }
  if (origin === 'number' || origin === 'int') {
    // Integers are bounded by MAX_SAFE_INTEGER; that bound is not worth saying.
    return `expected a number ${word} ${bound}${got}`;
  }
  return `expected ${word} ${bound}${got}`;
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  null: 'null',
};

function describeType(expected: string): string {
  return TYPE_WORDS[expected] ?? expected;
}

/** A value as the author would recognise it from their file. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return JSON.stringify(shown);
  }
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function closestField(key: string, knownFields: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const field of knownFields) {
    const distance = editDistance(key, field, bestDistance);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = field;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `limit`) once it cannot be below `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      current.push(value);
      if (value < rowMin) rowMin = value;
    }
    if (rowMin >= limit) return limit;
    previous = current;
  }
  return previous[b.length] ?? limit;
}
