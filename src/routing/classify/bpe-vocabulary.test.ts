import { describe, expect, it } from 'vitest';
import { BpeVocabulary, hashBytes, NO_RANK } from './bpe-vocabulary.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const line = (token: string | number[], rank: number) =>
  `${Buffer.from(typeof token === 'string' ? bytes(token) : token).toString('base64')} ${rank}`;

function vocabulary(lines: string[]): BpeVocabulary {
  return BpeVocabulary.fromTiktoken(bytes(lines.join('\n')), 'test.tiktoken');
}

describe('BpeVocabulary', () => {
  it('looks up ranks by bytes, including bytes that are not valid UTF-8', () => {
    const words = vocabulary([line('a', 0), line('b', 1), line('ab', 7), line([0xff, 0xfe], 9)]);
    expect(words.size).toBe(4);
    expect(words.rank(bytes('ab'), 0, 2)).toBe(7);
    expect(words.rank(bytes('xaby'), 1, 3)).toBe(7);
    expect(words.rank(bytes('b'), 0, 1)).toBe(1);
    expect(words.rank(new Uint8Array([0xff, 0xfe]), 0, 2)).toBe(9);
    expect(words.rank(bytes('ba'), 0, 2)).toBe(NO_RANK);
    expect(words.rank(bytes('abc'), 0, 3)).toBe(NO_RANK);
    expect(words.rank(bytes(''), 0, 0)).toBe(NO_RANK);
  });

  it('finds every token of a vocabulary larger than its initial table', () => {
    const tokens = Array.from({ length: 5000 }, (_, index) => `t${index.toString(36)}`);
    const words = vocabulary(tokens.map((token, index) => line(token, index * 3)));
    for (const [index, token] of tokens.entries()) {
      expect(words.rank(bytes(token), 0, token.length)).toBe(index * 3);
    }
    expect(words.rank(bytes('t-1'), 0, 3)).toBe(NO_RANK);
  });

  it('accepts CRLF line ends and a trailing newline, keeps the first of duplicate tokens', () => {
    const words = BpeVocabulary.fromTiktoken(
      bytes(`${line('a', 0)}\r\n${line('a', 5)}\r\n${line('c', 2)}\r\n`),
      'crlf.tiktoken',
    );
    expect(words.size).toBe(2);
    expect(words.rank(bytes('a'), 0, 1)).toBe(0);
    expect(words.rank(bytes('c'), 0, 1)).toBe(2);
  });

  it('names the file and line of a malformed entry', () => {
    expect(() => vocabulary([line('a', 0), 'YWI=', line('c', 2)])).toThrow(
      /^test\.tiktoken:2: expected "<base64 token bytes> <rank>", got "YWI="/,
    );
    expect(() => vocabulary([line('a', 0), line('b', 1), 'YWI= seven'])).toThrow(
      /test\.tiktoken:3:/,
    );
  });

  it('hashes equal bytes equally wherever they sit', () => {
    expect(hashBytes(bytes('xhello'), 1, 6)).toBe(hashBytes(bytes('hello!'), 0, 5));
    expect(hashBytes(bytes('hello'), 0, 5)).not.toBe(hashBytes(bytes('hellp'), 0, 5));
  });
});
