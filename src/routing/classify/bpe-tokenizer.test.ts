import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { countTokens, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { BpeVocabulary } from './bpe-vocabulary.js';
import { o200kTokenizer } from './o200k-tokenizer.js';

const resolve = createRequire(import.meta.url).resolve;

/** The o200k cases of tiktoken's reference test plan, shipped with gpt-tokenizer. */
function o200kTestPlan(): { sample: string; encoded: number[] }[] {
  const plan = readFileSync(resolve('gpt-tokenizer/data/TestPlans.txt'), 'utf8');
  const cases: { sample: string; encoded: number[] }[] = [];
  for (const block of plan.split('\n\n')) {
    const [name, sample, encoded] = block.split('\n');
    if (name !== 'EncodingName: o200k_base' || !sample || !encoded) continue;
    cases.push({
      sample: sample.slice('Sample: '.length),
      encoded: JSON.parse(encoded.slice('Encoded: '.length)) as number[],
    });
  }
  return cases;
}

/** A small deterministic generator, so a failing fuzz case can be reproduced. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32;
  };
}

const AS_TEXT = { disallowedSpecial: new Set<string>() };

/** A vocabulary of the given tokens, ranked in the order given. */
function smallVocabulary(tokens: string[]): BpeVocabulary {
  const lines = tokens.map((token, rank) => `${Buffer.from(token).toString('base64')} ${rank}`);
  return BpeVocabulary.fromTiktoken(new TextEncoder().encode(lines.join('\n')), 'small.tiktoken');
}

describe('BpeTokenizer (o200k_base)', () => {
  const tokenizer = o200kTokenizer();

  it("encodes tiktoken's reference samples exactly", () => {
    const cases = o200kTestPlan();
    expect(cases.length).toBeGreaterThan(50);
    for (const { sample, encoded } of cases) {
      expect(tokenizer.encode(sample), sample).toEqual(encoded);
      expect(tokenizer.count(sample), sample).toBe(encoded.length);
    }
  });

  it('agrees with gpt-tokenizer on random mixed-script text', () => {
    const alphabet = [
      ...'abcdefXYZ 0123456789\n\r\t.,;:!?-_/\\\'"()[]{}<|>',
      ...'éßñçΩжшщ中文字日本語한국어עבריתالعربية',
      '😀',
      '🇪🇸',
      '👩‍💻',
      '\u0301',
      '\u200b',
      '\ud800',
      '\udfff',
      '<|endoftext|>',
      "'ll",
      "'S",
    ];
    const random = seededRandom(7);
    for (let round = 0; round < 3000; round++) {
      let text = '';
      const length = Math.floor(random() * 60);
      for (let index = 0; index < length; index++) {
        text += alphabet[Math.floor(random() * alphabet.length)];
      }
      expect(tokenizer.count(text), JSON.stringify(text)).toBe(countTokens(text, AS_TEXT));
    }
  });

  it('agrees with gpt-tokenizer on code, prose and long words it must merge', () => {
    const texts = [
      'function add(a, b) {\n  return a + b; // sum\n}\n\n\nexport default add;',
      "The committee's \"preliminary\" findings weren't conclusive; they'll reconvene.",
      'Pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism',
      'aGVsbG8gd29ybGQgdGhpcyBpcyBiYXNlNjQgZGF0YQ==',
      '   leading and trailing spaces   \n\t\n',
      '1234567890 3.14159 -42 1e10 0xDEADBEEF',
      'Ünïcödé wörds: Ærøskøbing, Dvořák, Łódź, Ğüneş',
    ];
    for (const text of texts) {
      expect(tokenizer.encode(text), text).toEqual(encode(text, AS_TEXT));
    }
  });

  it('agrees with gpt-tokenizer on long runs that take hundreds of merges', () => {
    const random = seededRandom(11);
    const pick = (from: number, span: number) =>
      String.fromCodePoint(from + Math.floor(random() * span));
    const runs = [
      (length: number) => Array.from({ length }, () => pick(0x4e00, 3000)).join(''),
      (length: number) => Array.from({ length }, () => pick(0x1f600, 80)).join(''),
      (length: number) => Array.from({ length }, () => pick(0x61, 26)).join(''),
      (length: number) =>
        Buffer.from(Array.from({ length }, () => random() * 256)).toString('base64'),
    ];
    for (let round = 0; round < 40; round++) {
      const run = runs[round % runs.length] as (length: number) => string;
      const text = run(50 + Math.floor(random() * 400));
      expect(tokenizer.encode(text), text.slice(0, 40)).toEqual(encode(text, AS_TEXT));
    }
  });

  it('encodes a lone surrogate as U+FFFD would be', () => {
    expect(tokenizer.encode('x\ud800y')).toEqual(tokenizer.encode('x\ufffdy'));
  });

  it('counts nothing in empty text', () => {
    expect(tokenizer.count('')).toBe(0);
    expect(tokenizer.encode('')).toEqual([]);
  });

  it('skips text its pattern does not match, as a global match would', () => {
    const letters = new BpeTokenizer(smallVocabulary(['a', 'b', 'c', 'ab', 'abc']), /[a-c]+/gu);
    expect(letters.encode('abc--ab..ba')).toEqual([4, 3, 1, 0]);
    expect(letters.count('!!!')).toBe(0);
  });

  it('merges the lowest-ranked pair first', () => {
    const pairs = new BpeTokenizer(smallVocabulary(['a', 'b', 'c', 'bc', 'ab']), /\S+/gu);
    // "bc" outranks "ab", so "abc" is a + bc, not ab + c.
    expect(pairs.encode('abc')).toEqual([0, 3]);
    expect(pairs.encode('abab')).toEqual([4, 4]);
  });
});
