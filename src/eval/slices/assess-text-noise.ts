import { MISSPELLINGS, SHAPE_EXCEPTIONS } from './word-lists.js';

/*
 * Cheap, deterministic heuristics for "this prompt is junk" and "this prompt is noisy" (typos,
 * shorthand, stretched or run-together words, a cut-off ending). They look at plain words only:
 * code blocks, inline code, URLs, emails, acronyms (AWS), identifiers (camelCase, snake_case,
 * words with digits) and non-ASCII words are left out, so technical and non-English prompts are
 * not mistaken for noise. Only the first HEAD_CHARS characters (and at most MAX_WORDS words) are
 * read for noise, since a long document's noise shows in its first page; the ending is read for
 * truncation whatever the length. Bracket balance is checked only in prompts that fit the head.
 */

const HEAD_CHARS = 4_000;
const MAX_WORDS = 200;
// Symbol share is judged on the opening; a long text that opens with prose is not junk.
const JUNK_SAMPLE_CHARS = 1_000;

/** A prompt is junk when under half of its visible characters are letters or digits (or math). */
export const JUNK_MIN_ALPHANUMERIC_SHARE = 0.5;
/** ... or when at least half of its words are unpronounceable (`asdkjh zxcmnb`). */
export const JUNK_GIBBERISH_SHARE = 0.5;
/** Noise points per word at which a long prompt counts as noisy (short ones need 1 point). */
export const NOISE_POINTS_PER_WORD = 0.03;

/** Chat shorthand weighs half a misspelling: it is informal, not necessarily wrong. */
const SHORTHAND = new Set(
  'pls plz thx thnx thnks ur u r wat wut hw cn smth sth ppl bc cuz coz tho'.split(' '),
);

// "a" is not here: it ends "Plan A" and "vitamin a".
const NEVER_FINAL = new Set(
  'the an and or of with my your their our its because but if than from into to'.split(' '),
);

/** What the noise heuristics found in one text. */
export interface NoiseAssessment {
  junk: boolean;
  noisy: boolean;
  truncated: boolean;
  /** Weighted count of noise signals (misspellings, stretched and run-on words, gibberish). */
  points: number;
  words: number;
}

/** Judge one prompt text (the last user turn). */
export function assessTextNoise(text: string): NoiseAssessment {
  const head = text.length > HEAD_CHARS ? text.slice(0, HEAD_CHARS) : text;
  const prose = stripNonProse(head);

  const { visible, content, repeatedChar } = countCharacters(
    head.length > JUNK_SAMPLE_CHARS ? head.slice(0, JUNK_SAMPLE_CHARS) : head,
  );
  if (visible === 0 && text.trim() === '') {
    return { junk: true, noisy: false, truncated: false, points: 0, words: 0 };
  }

  let words = 0;
  let gibberish = 0;
  let points = 0;
  let seen = 0;
  const tokens = /\S+/g;
  for (
    let match = tokens.exec(prose);
    match !== null && seen < MAX_WORDS;
    match = tokens.exec(prose)
  ) {
    seen += 1;
    const raw = match[0];
    points += missingSpacePoints(raw);
    const word = plainWord(raw);
    if (word === null) continue;
    words += 1;
    // Looked up with its apostrophe: "don't" is fine, "dont" is noise.
    if (MISSPELLINGS.has(word.spelled)) points += SHORTHAND.has(word.spelled) ? 0.5 : 1;
    const letters = word.spelled.replaceAll("'", '');
    if (SHAPE_EXCEPTIONS.has(letters)) continue;
    const shape = wordShape(letters);
    if (shape.maxSameRun >= 3) points += 1;
    if (letters.length >= 20) points += 1;
    if (
      letters.length >= 5 &&
      (!shape.hasVowel || shape.maxConsonantRun >= 5 || shape.maxSameRun >= 4)
    ) {
      gibberish += 1;
      points += 0.5;
    }
  }

  const junk =
    (visible > 0 && repeatedChar) ||
    (visible > 0 && content / visible < JUNK_MIN_ALPHANUMERIC_SHARE) ||
    (words > 0 && gibberish / words >= JUNK_GIBBERISH_SHARE);
  const truncated = !junk && looksTruncated(text, text.length <= HEAD_CHARS ? prose : null);
  const noisy =
    !junk && (truncated || (points >= 1 && points >= NOISE_POINTS_PER_WORD * Math.max(words, 1)));
  return { junk, noisy, truncated, points, words };
}

/*
 * One pass over the characters instead of regex matches that allocate a string per character.
 * With digits about, operators count as content too: "2+2=?" is arithmetic, not symbol soup.
 */
function countCharacters(text: string): {
  visible: number;
  content: number;
  repeatedChar: boolean;
} {
  let visible = 0;
  let letters = 0;
  let operators = 0;
  let digits = 0;
  let first = -1;
  let repeatedChar = true;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code <= 32 || code === 0xa0) continue;
    if (code >= 0xdc00 && code <= 0xdfff) continue; // the second half of a surrogate pair
    if (code > 127 && /\s/.test(text[index] ?? '')) continue;
    visible += 1;
    if (first === -1) first = code;
    else if (code !== first) repeatedChar = false;
    if (code >= 48 && code <= 57) digits += 1;
    else if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122)) letters += 1;
    else if (code < 128) {
      if (OPERATORS.has(code)) operators += 1;
    } else if (/[\p{L}\p{N}]/u.test(String.fromCodePoint(text.codePointAt(index) ?? 0))) {
      letters += 1;
    }
  }
  const content = letters + digits + (digits > 0 ? operators : 0);
  return { visible, content, repeatedChar: repeatedChar && visible >= 4 };
}

const OPERATORS = new Set([...'+-*/=<>^%().,'].map((character) => character.charCodeAt(0)));

/** Code, URLs and emails are not prose; the guards skip regex passes most prompts do not need. */
function stripNonProse(text: string): string {
  let prose = text;
  if (prose.includes('`'))
    prose = prose.replace(/```[\s\S]*?(```|$)/g, ' ').replace(/`[^`\n]*`/g, ' ');
  if (prose.includes('://') || prose.includes('www.')) {
    prose = prose.replace(/\b(?:https?|ftp):\/\/\S+|\bwww\.\S+/gi, ' ');
  }
  if (prose.includes('@')) prose = prose.replace(/[^\s@]+@[^\s@]+\.[^\s@]+/g, ' ');
  return prose;
}

/** `hello,how` or `fine!thanks`: punctuation between words with no space after it. */
function missingSpacePoints(raw: string): number {
  return raw.length >= 5 && MISSING_SPACE.test(raw) ? 1 : 0;
}

const MISSING_SPACE = /[a-z]{2}[,;!?][a-z]{2}/;

/*
 * The lower-cased word inside a whitespace-separated token (leading and trailing punctuation
 * trimmed, apostrophes kept), or null when the token is not a plain word: it holds digits or
 * other symbols, is an acronym (AWS), an identifier (camelCase), or a lone capital letter ("R").
 * Written as a character loop because it runs on every word of every prompt.
 */
function plainWord(raw: string): { spelled: string } | null {
  let start = 0;
  let end = raw.length;
  while (start < end && !isAsciiLetter(raw.charCodeAt(start))) start += 1;
  while (end > start && !isAsciiLetter(raw.charCodeAt(end - 1)) && raw.charCodeAt(end - 1) !== 39) {
    end -= 1;
  }
  if (start === end) return null;
  let upper = 0;
  let letters = 0;
  let previousLower = false;
  for (let index = start; index < end; index++) {
    const code = raw.charCodeAt(index);
    if (code === 39) {
      previousLower = false;
      continue;
    }
    if (code >= 65 && code <= 90) {
      if (previousLower) return null;
      upper += 1;
      previousLower = false;
    } else if (code >= 97 && code <= 122) {
      previousLower = true;
    } else {
      return null;
    }
    letters += 1;
  }
  if (letters === 0) return null;
  if (upper === letters && (letters > 1 || raw.charCodeAt(start) !== 73)) return null;
  return { spelled: raw.slice(start, end).toLowerCase() };
}

function isAsciiLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

const VOWELS = new Set([...'aeiouy'].map((character) => character.charCodeAt(0)));

/** Vowels present, the longest run of consonants, and the longest run of one letter. */
function wordShape(word: string): {
  hasVowel: boolean;
  maxConsonantRun: number;
  maxSameRun: number;
} {
  let hasVowel = false;
  let consonantRun = 0;
  let maxConsonantRun = 0;
  let sameRun = 0;
  let maxSameRun = 0;
  let previous = -1;
  for (let index = 0; index < word.length; index++) {
    const code = word.charCodeAt(index);
    sameRun = code === previous ? sameRun + 1 : 1;
    if (sameRun > maxSameRun) maxSameRun = sameRun;
    previous = code;
    if (VOWELS.has(code)) {
      hasVowel = true;
      consonantRun = 0;
    } else {
      consonantRun += 1;
      if (consonantRun > maxConsonantRun) maxConsonantRun = consonantRun;
    }
  }
  return { hasVowel, maxConsonantRun, maxSameRun };
}

/*
 * A prompt looks cut off when it ends on a comma, hyphen, colon or an opening bracket, on a word
 * that never ends an English sentence ("... explain how the"), inside an unclosed code fence, or
 * with more "(" than ")" in its prose. A cut in the middle of an ordinary word ("... my passw")
 * is not detected: without a full dictionary it cannot be told from a prompt that simply ends
 * without punctuation ("... into German").
 */
function looksTruncated(text: string, prose: string | null): boolean {
  const trimmed = text.trimEnd();
  if (trimmed === '') return false;
  if (text.includes('```') && ((trimmed.match(/```/g) ?? []).length & 1) === 1) return true;
  // End-anchored regexes scan from the start in V8; only the tail can match, so test only that.
  const tail = trimmed.slice(-40);
  if (/[,:;([{-]$/.test(tail) && !/[:;]-?[()[\]]$/.test(tail)) return true;
  if (prose !== null) {
    const unsmiling = prose.replace(/[:;]-?[()]/g, '');
    const opens = unsmiling.split('(').length - 1;
    const closes = unsmiling.split(')').length - 1;
    if (opens > closes) return true;
  }
  const lastWord = /([A-Za-z']+)$/.exec(tail)?.[1]?.toLowerCase();
  return lastWord !== undefined && NEVER_FINAL.has(lastWord);
}
