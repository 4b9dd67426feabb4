import { createRequire } from 'node:module';
import { O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { BpeVocabulary } from './bpe-vocabulary.js';

/*
 * The o200k_base encoding. Its vocabulary and split pattern come from gpt-tokenizer, which ships
 * both (the vocabulary as tiktoken's own text file); BpeTokenizer holds them off the JS heap.
 * Loaded on first use (~0.1 s); the gateway loads it before it listens.
 */

let tokenizer: BpeTokenizer | undefined;

/** The o200k_base tokenizer, loaded on first call. */
export function o200kTokenizer(): BpeTokenizer {
  if (tokenizer === undefined) {
    const path = createRequire(import.meta.url).resolve('gpt-tokenizer/data/o200k_base.tiktoken');
    tokenizer = new BpeTokenizer(BpeVocabulary.fromTiktokenFile(path), O200K_TOKEN_SPLIT_REGEX);
  }
  return tokenizer;
}
