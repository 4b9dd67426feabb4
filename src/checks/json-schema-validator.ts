import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';

/*
 * Formats are checked with a few plain regexes rather than the ajv-formats package: a contract
 * check wants "looks like an email/date/URL", and unknown formats would otherwise fail compilation.
 */
const FORMATS: Record<string, RegExp> = {
  email: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  uri: /^[a-z][a-z0-9+.-]*:[^\s]*$/i,
  url: /^https?:\/\/[^\s]+$/i,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  date: /^\d{4}-\d{2}-\d{2}$/,
  time: /^\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i,
  'date-time': /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i,
  ipv4: /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/,
};

// strict: false accepts vendor keywords (OpenAI's `strict`, descriptions on anything).
const AJV_OPTIONS: Options = { strict: false, allErrors: false, logger: false, formats: FORMATS };

let draft07: Ajv | null = null;
let draft2019: Ajv2019 | null = null;
let draft2020: Ajv2020 | null = null;

/** The validator for the draft the schema declares (draft-07 when it declares none). */
function ajvFor(schema: Record<string, unknown>): Ajv | Ajv2019 | Ajv2020 {
  const declared = typeof schema.$schema === 'string' ? schema.$schema : '';
  if (declared.includes('2020-12')) {
    draft2020 ??= new Ajv2020(AJV_OPTIONS);
    return draft2020;
  }
  if (declared.includes('2019-09')) {
    draft2019 ??= new Ajv2019(AJV_OPTIONS);
    return draft2019;
  }
  draft07 ??= new Ajv(AJV_OPTIONS);
  return draft07;
}

/*
 * Compiled validators are kept by the schema's JSON text, so a suite whose every entry carries the
 * same schema compiles it once. The cache is bounded so a trace of all-different schemas cannot
 * grow it without limit; ajv keeps its own reference to each compiled schema, so the ajv
 * instances are recreated when the cache is cleared.
 */
const MAX_CACHED_SCHEMAS = 500;
const compiled = new Map<string, ValidateFunction>();

/** Compile a JSON Schema once; throws with ajv's reason when the schema itself is invalid. */
export function compileJsonSchema(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  const cached = compiled.get(key);
  if (cached) return cached;
  if (compiled.size >= MAX_CACHED_SCHEMAS) {
    compiled.clear();
    draft07 = null;
    draft2019 = null;
    draft2020 = null;
  }
  const validate = ajvFor(schema).compile(schema);
  compiled.set(key, validate);
  return validate;
}

/** The first validation error, as `/path must be string`. */
export function describeSchemaErrors(errors: ErrorObject[] | null | undefined): string {
  const first = errors?.[0];
  if (!first) return 'does not match the schema';
  const where = first.instancePath === '' ? '(root)' : first.instancePath;
  const extra =
    first.keyword === 'additionalProperties' && 'additionalProperty' in first.params
      ? ` (${String(first.params.additionalProperty)})`
      : '';
  return `${where} ${first.message ?? 'is invalid'}${extra}`;
}

const FENCED = /```[a-zA-Z0-9_-]*[ \t]*\r?\n([\s\S]*?)```/;

/**
 * The JSON text of an answer: the answer itself when it starts like JSON, otherwise the inside of
 * its first ``` / ```json fenced block (models often wrap JSON in one, with or without a line of
 * prose around it). Bare JSON embedded in prose is not dug out: a contract is about what a program
 * reading the answer would get.
 */
export function extractJsonText(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return trimmed;
  const fenced = FENCED.exec(trimmed);
  return fenced ? (fenced[1] ?? '').trim() : trimmed;
}
