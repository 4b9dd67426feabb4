import { wordTokens } from './text-similarity.js';

/*
 * Grounding without a judge: an answer is split into claims (sentences and list items), and a
 * claim counts as supported when at least half of its content words (not stop words, three or
 * more letters, or any number) occur in the context and every number in it does: an invented
 * figure is the commonest hallucination. Words are compared after stripping a few
 * English suffixes, so "refunds"/"refunded" meet "refund". This catches invented facts, names and
 * numbers cheaply and deterministically; it cannot tell a negation or a paraphrase. A judge target
 * does that, at a judge call per answer.
 */

/** A claim is supported when at least this share of its content words is in the context. */
export const CLAIM_SUPPORT_MIN = 0.5;
/** Claims with fewer content words than this are not checked ("Yes.", "Sure, here it is:"). */
export const MIN_CLAIM_WORDS = 2;

const STOP_WORDS = new Set(
  (
    'the and for are but not you your yours all any can had has have her hers him his its our ours ' +
    'out was were will with this that these those then than them they their there here what when ' +
    'where which who whom whose why how from into onto upon about above below over under again ' +
    'also just only very more most much many some such each other both few own same too nor off ' +
    'once does did doing done been being get got would should could shall may might must let ' +
    'use used using via per yes okay sure please thanks thank well like one ' +
    'based according answer question context document documents provided information mention ' +
    'mentioned mentions states stated say says said note noted given text passage source sources'
  ).split(' '),
);

/** Content words of a text, stemmed: what a claim has to share with its context. */
export function contentWords(text: string): string[] {
  const words: string[] = [];
  for (const token of wordTokens(text)) {
    const isNumber = /\d/.test(token);
    if (!isNumber && (token.length < 3 || STOP_WORDS.has(token))) continue;
    words.push(isNumber ? token : stem(token));
  }
  return words;
}

/** The answer's claims: sentences and list items, without code blocks and questions. */
export function splitClaims(answer: string): string[] {
  const prose = answer.replace(/```[\s\S]*?(```|$)/g, '\n');
  const claims: string[] = [];
  for (const line of prose.split(/\r?\n/)) {
    const item = line.replace(/^\s*(?:[-*•>]|\d+[.)]|#+)\s*/, '').trim();
    if (item === '') continue;
    // A sentence ends at . ! ? followed by space and not inside a number like 3.5.
    for (const sentence of item.split(/(?<=[.!?])\s+(?=[^\s])/)) {
      const claim = sentence.trim();
      if (claim === '' || claim.endsWith('?')) continue;
      claims.push(claim);
    }
  }
  return claims;
}

/** Claims whose content words are mostly absent from the context, and how many were checked. */
export function findUnsupportedClaims(
  answer: string,
  contextWords: ReadonlySet<string>,
): { checked: number; unsupported: string[] } {
  let checked = 0;
  const unsupported: string[] = [];
  for (const claim of splitClaims(answer)) {
    const words = contentWords(claim);
    if (words.length < MIN_CLAIM_WORDS) continue;
    checked += 1;
    let present = 0;
    let missingNumber = false;
    for (const word of words) {
      if (contextWords.has(word)) present += 1;
      else if (/\d/.test(word)) missingNumber = true;
    }
    if (missingNumber || present / words.length < CLAIM_SUPPORT_MIN) unsupported.push(claim);
  }
  return { checked, unsupported };
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 4 && word.endsWith('es') && /(?:ss|sh|ch|x|z)es$/.test(word))
    return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  if (word.length > 4 && word.endsWith('ly')) return word.slice(0, -2);
  return word;
}
