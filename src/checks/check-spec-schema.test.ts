import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CheckSpecError } from './check-spec-error.js';
import { parseCheckSpecs } from './check-spec-schema.js';

describe('parseCheckSpecs', () => {
  it('maps the documented YAML forms to CheckSpec', () => {
    const yaml = `
- { name: contract, kind: json_schema, schema: { type: object, required: [id] }, on: answer }
- { kind: regex, pattern: "password", flags: i, negate: true }
- { kind: function, source: "({ text }) => text.length < 500" }
- { kind: reference, threshold: 0.6 }
- { kind: judge, target: judge, rubric: "Is it polite?", threshold: 0.7 }
- { kind: grounding, target: null, threshold: 0.8 }
- { kind: equals, value: 42, ignore_case: true }
- { kind: contains, value: refund }
`;
    expect(parseCheckSpecs(parse(yaml))).toEqual([
      {
        name: 'contract',
        kind: 'json_schema',
        schema: { type: 'object', required: ['id'] },
        on: 'answer',
      },
      { name: 'regex', kind: 'regex', pattern: 'password', flags: 'i', negate: true },
      { name: 'function', kind: 'function', source: '({ text }) => text.length < 500' },
      { name: 'reference', kind: 'reference', threshold: 0.6 },
      { name: 'judge', kind: 'judge', target: 'judge', rubric: 'Is it polite?', threshold: 0.7 },
      { name: 'grounding', kind: 'grounding', target: null, threshold: 0.8 },
      { name: 'equals', kind: 'equals', value: '42', ignoreCase: true },
      { name: 'contains', kind: 'contains', value: 'refund' },
    ]);
  });

  it('fills defaults: on answer, thresholds, a null grounding target', () => {
    expect(
      parseCheckSpecs([
        { kind: 'json_schema', schema: { type: 'object' } },
        { kind: 'reference' },
        { kind: 'judge', target: 'j', rubric: 'r' },
        { kind: 'grounding' },
      ]),
    ).toEqual([
      { name: 'json_schema', kind: 'json_schema', schema: { type: 'object' }, on: 'answer' },
      { name: 'reference', kind: 'reference', threshold: 0.6 },
      { name: 'judge', kind: 'judge', target: 'j', rubric: 'r', threshold: 0.7 },
      { name: 'grounding', kind: 'grounding', target: null, threshold: 0.8 },
    ]);
  });

  it('names unnamed checks of one kind apart without taking an explicit name', () => {
    const names = parseCheckSpecs([
      { kind: 'contains', value: 'a' },
      { name: 'contains-2', kind: 'contains', value: 'b' },
      { kind: 'contains', value: 'c' },
    ]).map((spec) => spec.name);
    expect(names).toEqual(['contains', 'contains-2', 'contains-3']);
  });

  it.each([
    ['an unknown kind', [{ kind: 'regexp', pattern: 'x' }], 'checks[0].kind'],
    ['a misspelt field', [{ kind: 'regex', patern: 'x' }], 'checks[0].patern'],
    ['a bad regex', [{ kind: 'regex', pattern: '(' }], 'checks[0].pattern'],
    ['bad regex flags', [{ kind: 'regex', pattern: 'x', flags: 'q' }], 'checks[0].flags'],
    [
      'a schema ajv refuses',
      [{ kind: 'json_schema', schema: { type: 'banana' } }],
      'checks[0].schema',
    ],
    [
      'a function that does not parse',
      [{ kind: 'function', source: '({ text }) => {' }],
      'checks[0].source',
    ],
    ['a threshold above 1', [{ kind: 'reference', threshold: 4 }], 'checks[0].threshold'],
    ['a judge without a target', [{ kind: 'judge', rubric: 'r' }], 'checks[0].target'],
    [
      'a duplicate name',
      [
        { name: 'x', kind: 'contains', value: 'a' },
        { name: 'x', kind: 'contains', value: 'b' },
      ],
      'checks[1].name',
    ],
    ['something that is not a list', { kind: 'contains', value: 'a' }, 'checks'],
  ])('refuses %s, naming the field', (_label, input, field) => {
    let caught: unknown;
    try {
      parseCheckSpecs(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CheckSpecError);
    expect((caught as CheckSpecError).field).toBe(field);
  });

  it('suggests the field a typo meant', () => {
    expect(() => parseCheckSpecs([{ kind: 'regex', pattern: 'x', negat: true }])).toThrow(
      /did you mean "negate"/,
    );
  });
});
