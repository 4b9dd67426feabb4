import { describe, expect, it } from 'vitest';
import {
  compileCheckPattern,
  createCheckTally,
  createOnlineChecks,
  OnlineCheckConfigError,
  type OnlineChecksConfig,
} from './online-checks.js';

const BASE: OnlineChecksConfig = { sampleRate: 1, denyPatterns: [] };

const ANSWER_SCHEMA = {
  type: 'object',
  required: ['answer'],
  properties: { answer: { type: 'string' } },
};

describe('createOnlineChecks', () => {
  it.each<[string, Partial<OnlineChecksConfig>, string, string[]]>([
    ['a plain answer with nothing configured', {}, 'Paris is the capital.', []],
    ['JSON that meets the schema', { schema: ANSWER_SCHEMA }, '{"answer":"Paris"}', []],
    [
      'fenced JSON that meets the schema',
      { schema: ANSWER_SCHEMA },
      'Here:\n```json\n{"answer":"x"}\n```',
      [],
    ],
    ['JSON that misses a field', { schema: ANSWER_SCHEMA }, '{"city":"Paris"}', ['schema']],
    ['prose where JSON is required', { schema: ANSWER_SCHEMA }, 'Paris, I think.', ['schema']],
    [
      'a denied phrase in any case',
      { denyPatterns: ['FooPhone 9'] },
      'Try the foophone 9 today',
      ['deny'],
    ],
    ['a denied regex', { denyPatterns: ['/\\bSKU-\\d{4}\\b/'] }, 'Order SKU-1234 now', ['deny']],
    [
      'a literal with regex characters',
      { denyPatterns: ['C++ Pro (2025)'] },
      'Buy C++ Pro (2025)',
      ['deny'],
    ],
    ['a literal that only looks like a regex elsewhere', { denyPatterns: ['a.c'] }, 'abc', []],
    ['an answer too short', { minLength: 10 }, '  short  ', ['length']],
    ['an answer too long', { maxLength: 5 }, 'much too long', ['length']],
    ['an answer within bounds', { minLength: 2, maxLength: 20 }, 'just right', []],
    ['a default refusal', {}, "I'm sorry, but I can't help with that.", ['refusal']],
    ['a typographic-apostrophe refusal', {}, 'I can’t help with that request.', ['refusal']],
    ['an "As an AI" disclaimer', {}, 'As an AI language model, I have no opinions.', ['refusal']],
    ['refusal checks turned off', { refusalPatterns: [] }, 'As an AI, no.', []],
    [
      'a custom refusal pattern',
      { refusalPatterns: ['out of scope'] },
      'That is out of scope.',
      ['refusal'],
    ],
    [
      'several failures at once',
      { schema: ANSWER_SCHEMA, denyPatterns: ['FooPhone'], maxLength: 10 },
      'As an AI I recommend the FooPhone',
      ['schema', 'deny', 'length', 'refusal'],
    ],
  ])('%s', (_name, config, text, kinds) => {
    const result = createOnlineChecks({ ...BASE, ...config }).check(text);
    expect(result.failures.map((failure) => failure.split(':')[0])).toEqual(kinds);
    expect(result.pass).toBe(kinds.length === 0);
  });

  it('reports the schema verdict on its own as the contract signal', () => {
    const checks = createOnlineChecks({ ...BASE, schema: ANSWER_SCHEMA, maxLength: 5 });
    expect(checks.check('{"answer":"a long answer"}')).toMatchObject({
      pass: false,
      contractPass: true,
    });
    expect(checks.check('nope')).toMatchObject({ contractPass: false });
    expect(createOnlineChecks(BASE).check('anything').contractPass).toBeNull();
  });

  it('says what failed', () => {
    const checks = createOnlineChecks({
      ...BASE,
      schema: ANSWER_SCHEMA,
      denyPatterns: ['FooPhone'],
    });
    expect(checks.check('{"answer": 3}').failures).toEqual(['schema: /answer must be string']);
    expect(checks.check('{"answer":"the FooPhone"}').failures).toEqual([
      'deny: matched FooPhone ("FooPhone")',
    ]);
  });

  it('checks the same text the same way every time (no stateful global regexes)', () => {
    const checks = createOnlineChecks({ ...BASE, denyPatterns: ['/foo/g'] });
    expect(checks.check('foo').pass).toBe(false);
    expect(checks.check('foo').pass).toBe(false);
  });

  it('samples at the configured rate', () => {
    const draws = [0.05, 0.1, 0.2, 0.5, 0.99];
    let next = 0;
    const random = () => draws[next++ % draws.length] ?? 0;
    const checks = createOnlineChecks({ ...BASE, sampleRate: 0.2 }, random);
    expect(draws.map(() => checks.sample())).toEqual([true, true, false, false, false]);
    expect(createOnlineChecks({ ...BASE, sampleRate: 0 }, () => 0).sample()).toBe(false);
    expect(createOnlineChecks({ ...BASE, sampleRate: 1 }, () => 0.999).sample()).toBe(true);
  });

  it.each<[string, Partial<OnlineChecksConfig>, RegExp]>([
    ['a sample rate above 1', { sampleRate: 1.5 }, /sampleRate must be within 0..1/],
    ['a negative minLength', { minLength: -1 }, /minLength must be a non-negative integer/],
    [
      'bounds the wrong way round',
      { minLength: 10, maxLength: 5 },
      /minLength 10 is above maxLength 5/,
    ],
    ['a broken deny regex', { denyPatterns: ['/([a-z]/'] }, /denyPatterns\[0\]: invalid pattern/],
    ['a broken refusal regex', { refusalPatterns: ['ok', '/(?<x/'] }, /refusalPatterns\[1\]/],
    ['an invalid schema', { schema: { type: 'no-such-type' } }, /^schema: /],
  ])('rejects %s when created', (_name, config, message) => {
    expect(() => createOnlineChecks({ ...BASE, ...config })).toThrow(OnlineCheckConfigError);
    expect(() => createOnlineChecks({ ...BASE, ...config })).toThrow(message);
  });
});

describe('compileCheckPattern', () => {
  it('keeps a regex’s flags but drops the stateful ones', () => {
    expect(compileCheckPattern('/abc/gim', 'field').flags).toBe('im');
    expect(compileCheckPattern('abc', 'field').flags).toBe('i');
  });
});

describe('createCheckTally', () => {
  it('counts passes and failure kinds per target', () => {
    const tally = createCheckTally();
    tally.record('small', { pass: true, failures: [] });
    tally.record('small', {
      pass: false,
      failures: ['refusal: matched x', 'length: 3 characters'],
    });
    tally.record('small', { pass: false, failures: ['refusal: matched y'] });
    tally.record('large', { pass: true, failures: [] });
    expect(tally.snapshot()).toEqual({
      small: { total: 3, passed: 1, passRate: 1 / 3, failures: { refusal: 2, length: 1 } },
      large: { total: 1, passed: 1, passRate: 1, failures: {} },
    });
  });

  it('is empty before anything is recorded', () => {
    expect(createCheckTally().snapshot()).toEqual({});
  });
});
