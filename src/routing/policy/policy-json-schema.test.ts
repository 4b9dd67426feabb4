import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { policyJsonSchema } from './policy-json-schema.js';

describe('policyJsonSchema', () => {
  it('matches the committed schema/policy.schema.json (run scripts/emit-policy-schema.ts)', async () => {
    const committed = await readFile(
      path.resolve(import.meta.dirname, '../../../schema/policy.schema.json'),
      'utf8',
    );
    expect(JSON.parse(committed)).toEqual(policyJsonSchema());
  });

  it('describes what authors write: defaults optional, unknown fields refused', () => {
    const schema = policyJsonSchema() as {
      required?: string[];
      additionalProperties: boolean;
      properties: Record<string, { default?: unknown; additionalProperties?: unknown }>;
    };
    expect(schema.required).toEqual(['targets']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.server?.additionalProperties).toBe(false);
    expect(schema.properties.rules?.default).toEqual([]);
  });

  it('defines conditions once and refers to them recursively', () => {
    const schema = policyJsonSchema() as {
      $defs: Record<string, { properties: Record<string, unknown> }>;
    };
    const condition = schema.$defs.Condition;
    expect(condition?.properties.any).toEqual({
      minItems: 1,
      type: 'array',
      items: { $ref: '#/$defs/Condition' },
    });
  });
});
