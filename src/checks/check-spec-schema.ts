import { z } from 'zod';
import type { CheckSpec } from '../eval/eval-types.js';
import { describeZodIssues } from '../routing/policy/describe-zod-issues.js';
import { formatFieldPath } from '../routing/policy/locate-yaml-path.js';
import { CheckSpecError } from './check-spec-error.js';
import { checkFunctionSyntax } from './compile-function-check.js';
import { compileJsonSchema } from './json-schema-validator.js';

/** Pass thresholds used when a check does not set one, on the check's 0..1 score. */
export const DEFAULT_THRESHOLDS = { reference: 0.6, judge: 0.7, grounding: 0.8 } as const;

/** Every check kind, as written in `kind:`. */
export const CHECK_KINDS = [
  'equals',
  'contains',
  'regex',
  'json_schema',
  'function',
  'reference',
  'judge',
  'grounding',
] as const;

const threshold = z.number().min(0).max(1);
const literalText = z
  .union([z.string(), z.number(), z.boolean()])
  .transform((value) => String(value));
const common = { name: z.string().min(1).optional(), description: z.string().optional() };

/*
 * The YAML (and trace-file) form is snake_case; CheckSpec is camelCase. `ignoreCase` is accepted
 * too because a JSONL suite written by a program may well use the TypeScript spelling.
 */
const checkInput = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      ...common,
      kind: z.literal('equals'),
      value: literalText,
      ignore_case: z.boolean().optional(),
      ignoreCase: z.boolean().optional(),
    }),
    z.strictObject({
      ...common,
      kind: z.literal('contains'),
      value: literalText,
      ignore_case: z.boolean().optional(),
      ignoreCase: z.boolean().optional(),
    }),
    z.strictObject({
      ...common,
      kind: z.literal('regex'),
      pattern: z.string().min(1),
      flags: z
        .string()
        .regex(/^[dgimsuvy]*$/, 'flags may only use the letters d, g, i, m, s, u, v, y')
        .optional(),
      negate: z.boolean().optional(),
    }),
    z.strictObject({
      ...common,
      kind: z.literal('json_schema'),
      schema: z.record(z.string(), z.unknown()),
      on: z.enum(['answer', 'tool_arguments']).optional(),
    }),
    z.strictObject({ ...common, kind: z.literal('function'), source: z.string().min(1) }),
    z.strictObject({ ...common, kind: z.literal('reference'), threshold: threshold.optional() }),
    z.strictObject({
      ...common,
      kind: z.literal('judge'),
      target: z.string().min(1),
      rubric: z.string().min(1),
      threshold: threshold.optional(),
    }),
    z.strictObject({
      ...common,
      kind: z.literal('grounding'),
      target: z.string().min(1).nullable().optional(),
      threshold: threshold.optional(),
    }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `expected kind to be one of ${CHECK_KINDS.join(', ')}, got ${describeKind(issue.input)}`
        : undefined,
  },
);

type CheckFields = z.infer<typeof checkInput>;

function describeKind(input: unknown): string {
  const kind =
    typeof input === 'object' && input !== null ? (input as { kind?: unknown }).kind : input;
  return kind === undefined ? 'nothing' : JSON.stringify(kind);
}

function toCheckSpec(input: CheckFields, name: string): CheckSpec {
  switch (input.kind) {
    case 'equals':
    case 'contains': {
      const ignoreCase = input.ignore_case ?? input.ignoreCase;
      return ignoreCase === undefined
        ? { name, kind: input.kind, value: input.value }
        : { name, kind: input.kind, value: input.value, ignoreCase };
    }
    case 'regex': {
      const spec: CheckSpec = { name, kind: 'regex', pattern: input.pattern };
      if (input.flags !== undefined) spec.flags = input.flags;
      if (input.negate !== undefined) spec.negate = input.negate;
      return spec;
    }
    case 'json_schema':
      return { name, kind: 'json_schema', schema: input.schema, on: input.on ?? 'answer' };
    case 'function':
      return { name, kind: 'function', source: input.source };
    case 'reference':
      return {
        name,
        kind: 'reference',
        threshold: input.threshold ?? DEFAULT_THRESHOLDS.reference,
      };
    case 'judge':
      return {
        name,
        kind: 'judge',
        target: input.target,
        rubric: input.rubric,
        threshold: input.threshold ?? DEFAULT_THRESHOLDS.judge,
      };
    case 'grounding':
      return {
        name,
        kind: 'grounding',
        target: input.target ?? null,
        threshold: input.threshold ?? DEFAULT_THRESHOLDS.grounding,
      };
  }
}

/** Problems zod cannot see: a pattern, schema or function source that does not compile. */
function compileProblem(input: CheckFields): { field: string; message: string } | null {
  try {
    if (input.kind === 'regex') new RegExp(input.pattern, input.flags);
    else if (input.kind === 'json_schema') compileJsonSchema(input.schema);
    else if (input.kind === 'function') checkFunctionSyntax(input.source);
    else return null;
  } catch (error) {
    const field =
      input.kind === 'regex' ? 'pattern' : input.kind === 'function' ? 'source' : 'schema';
    const reason = error instanceof Error ? error.message : String(error);
    if (input.kind === 'regex') return { field, message: reason };
    const what =
      input.kind === 'function' ? 'the function does not compile' : 'invalid JSON Schema';
    return { field, message: `${what}: ${reason}` };
  }
  return null;
}

/*
 * An unnamed check is named after its kind, then `kind-2`, `kind-3` for later unnamed checks of
 * the same kind. Two checks with the same explicit name would be tallied as one, so that is an
 * error.
 */
function nameChecks(inputs: CheckFields[], context: z.RefinementCtx): CheckSpec[] {
  const taken = new Set<string>();
  inputs.forEach((input, index) => {
    if (input.name === undefined) return;
    if (taken.has(input.name)) {
      context.addIssue({
        code: 'custom',
        path: [index, 'name'],
        message: `duplicate check name "${input.name}"`,
      });
    }
    taken.add(input.name);
  });
  return inputs.map((input) => {
    let name = input.name;
    if (name === undefined) {
      name = input.kind;
      for (let suffix = 2; taken.has(name); suffix++) name = `${input.kind}-${suffix}`;
      taken.add(name);
    }
    return toCheckSpec(input, name);
  });
}

/** One check as written in YAML or a trace file (snake_case), validated and compiled once. */
export const checkSpecInputSchema = checkInput.superRefine((input, context) => {
  const problem = compileProblem(input);
  if (problem)
    context.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
});

/**
 * A `checks:` list → CheckSpec[]: snake_case fields mapped, defaults filled (`on: answer`,
 * thresholds from DEFAULT_THRESHOLDS, `target: null` for grounding), names given to unnamed checks.
 * Embed it in a config schema to get located errors.
 */
export const checkSpecListSchema = z.array(checkSpecInputSchema).transform(nameChecks);

/** Parse a `checks:` list; throws CheckSpecError naming the first bad field (`checks[1].pattern`). */
export function parseCheckSpecs(value: unknown, fieldPrefix = 'checks'): CheckSpec[] {
  const parsed = checkSpecListSchema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issues = describeZodIssues(parsed.error.issues, CHECK_FIELD_NAMES);
  // An unknown field usually explains a missing one ("patern" → pattern missing): report it first.
  const first = issues.find((issue) => issue.atKey) ?? issues[0];
  const path = fieldPrefix === '' ? (first?.path ?? []) : [fieldPrefix, ...(first?.path ?? [])];
  throw new CheckSpecError(first?.message ?? 'invalid checks', formatFieldPath(path));
}

const CHECK_FIELD_NAMES = [
  'name',
  'description',
  'kind',
  'value',
  'ignore_case',
  'pattern',
  'flags',
  'negate',
  'schema',
  'on',
  'source',
  'threshold',
  'target',
  'rubric',
];
