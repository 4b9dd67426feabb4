import type { Random } from './sim-random.js';

type Schema = Record<string, unknown>;

const MAX_DEPTH = 6;
const FORMAT_EXAMPLES: Record<string, string> = {
  date: '2024-01-15',
  'date-time': '2024-01-15T12:00:00Z',
  time: '12:00:00',
  email: 'simulated@example.com',
  uri: 'https://example.com/simulated',
  url: 'https://example.com/simulated',
  uuid: '00000000-0000-4000-8000-000000000000',
};
const WORDS = ['alpha', 'bravo', 'delta', 'echo', 'kilo', 'lima', 'oscar', 'tango'];

/**
 * A value that satisfies a JSON Schema in the simple cases tools use: objects with their
 * required properties (all properties when `required` is absent), strings (enum, const,
 * common formats, minLength/maxLength), numbers and integers within their bounds, booleans,
 * arrays of minItems (at least one) items, and the first branch of anyOf/oneOf. Patterns,
 * $ref and conditional keywords are not interpreted.
 */
export function sampleSchemaValue(schema: unknown, random: Random, depth = 0): unknown {
  if (!isSchema(schema)) return {};
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    return schema.enum[Math.floor(random() * schema.enum.length)];
  }
  const branches = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (Array.isArray(branches) && branches.length > 0) {
    const nonNull = branches.find((branch) => !isSchema(branch) || branch.type !== 'null');
    return sampleSchemaValue(nonNull ?? branches[0], random, depth + 1);
  }
  switch (typeOf(schema)) {
    case 'object':
      return depth >= MAX_DEPTH ? {} : sampleObject(schema, random, depth);
    case 'array': {
      if (depth >= MAX_DEPTH) return [];
      const minItems = typeof schema.minItems === 'number' ? schema.minItems : 1;
      const count = Math.min(Math.max(minItems, 1), 8);
      return Array.from({ length: count }, () =>
        sampleSchemaValue(schema.items, random, depth + 1),
      );
    }
    case 'integer':
    case 'number':
      return sampleNumber(schema, random, typeOf(schema) === 'integer');
    case 'boolean':
      return random() < 0.5;
    case 'null':
      return null;
    default:
      return sampleString(schema, random);
  }
}

function sampleObject(schema: Schema, random: Random, depth: number): Record<string, unknown> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const names = Array.isArray(schema.required)
    ? schema.required.filter((name): name is string => typeof name === 'string')
    : Object.keys(properties);
  const value: Record<string, unknown> = {};
  for (const name of names)
    value[name] = sampleSchemaValue(properties[name] ?? {}, random, depth + 1);
  return value;
}

function sampleNumber(schema: Schema, random: Random, integer: boolean): number {
  const low = numberOr(schema.minimum, numberOr(schema.exclusiveMinimum, 0, 1), 0);
  const high = numberOr(schema.maximum, numberOr(schema.exclusiveMaximum, low + 100, -1), 0);
  const value = low + random() * Math.max(0, high - low);
  if (!integer) return Math.round(value * 100) / 100;
  const rounded = Math.round(value);
  return Math.min(Math.max(rounded, Math.ceil(low)), Math.floor(Math.max(low, high)));
}

function sampleString(schema: Schema, random: Random): string {
  const example = typeof schema.format === 'string' ? FORMAT_EXAMPLES[schema.format] : undefined;
  let text = example ?? `sim-${WORDS[Math.floor(random() * WORDS.length)]}`;
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  if (text.length < minLength) text = text.padEnd(minLength, 'x');
  if (typeof schema.maxLength === 'number' && text.length > schema.maxLength) {
    text = text.slice(0, schema.maxLength);
  }
  return text;
}

/** `value` shifted by `step` when it is a number (exclusive bounds), else `fallback`. */
function numberOr(value: unknown, fallback: number, step: number): number {
  return typeof value === 'number' ? value + step : fallback;
}

function typeOf(schema: Schema): string {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (typeof type === 'string') return type;
  if (isSchema(schema.properties)) return 'object';
  if ('items' in schema) return 'array';
  return 'string';
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
