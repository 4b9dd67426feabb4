import { type BpeVocabulary, hashBytes, NO_RANK } from './bpe-vocabulary.js';

/*
 * Byte-pair encoding over a BpeVocabulary, tiktoken's algorithm: split the text into pieces with
 * the encoding's pattern, take each piece's UTF-8 bytes, and if they are not one token, merge
 * adjacent parts lowest rank first (leftmost on a tie) until no pair is a token.
 *
 * The count path allocates nothing per piece: the pattern runs sticky with test() (no match
 * array, no substring), each piece is encoded into a reused byte buffer, and merges work on
 * reused typed arrays. Special-token text (`<|endoftext|>`) is ordinary text here, as a prompt
 * must be counted, not rejected.
 */

/** Initial size of the reused buffers; they grow to the longest piece seen. */
const INITIAL_PIECE_BYTES = 256;
/** Heap keys are rank × OFFSET_RANGE + offset: exact in a double for ranks below 2^21. */
const OFFSET_RANGE = 2 ** 32;
/** nextStart of a part that was merged into the one before it. */
const DEAD = -1;

/** Adds `key` to the min-heap of `size` keys; returns the new size. */
function heapPush(heap: Float64Array, size: number, key: number): number {
  let index = size;
  while (index > 0) {
    const parent = (index - 1) >> 1;
    const parentKey = heap[parent] as number;
    if (parentKey <= key) break;
    heap[index] = parentKey;
    index = parent;
  }
  heap[index] = key;
  return size + 1;
}

/** Removes the smallest key (heap[0]) from the min-heap of `size` keys; returns the new size. */
function heapPop(heap: Float64Array, size: number): number {
  const last = heap[size - 1] as number;
  const newSize = size - 1;
  let index = 0;
  for (;;) {
    let child = 2 * index + 1;
    if (child >= newSize) break;
    if (child + 1 < newSize && (heap[child + 1] as number) < (heap[child] as number)) child++;
    if ((heap[child] as number) >= last) break;
    heap[index] = heap[child] as number;
    index = child;
  }
  heap[index] = last;
  return newSize;
}

/** A tokenizer for one encoding: its vocabulary and its pre-tokenizer pattern. */
export class BpeTokenizer {
  private readonly vocabulary: BpeVocabulary;
  /** The pattern, sticky: each test() must match exactly where the previous piece ended. */
  private readonly stickySplit: RegExp;
  /** The pattern, global: finds the next piece when text at the cursor matches nothing. */
  private readonly globalSplit: RegExp;
  private pieceBytes = new Uint8Array(INITIAL_PIECE_BYTES);
  private nextStart = new Int32Array(INITIAL_PIECE_BYTES);
  private previousStart = new Int32Array(INITIAL_PIECE_BYTES);
  private pairRank = new Int32Array(INITIAL_PIECE_BYTES);
  private heap = new Float64Array(INITIAL_PIECE_BYTES * 3);

  constructor(vocabulary: BpeVocabulary, splitPattern: RegExp) {
    this.vocabulary = vocabulary;
    const flags = splitPattern.flags.replace(/[gy]/g, '');
    this.stickySplit = new RegExp(splitPattern.source, `${flags}y`);
    this.globalSplit = new RegExp(splitPattern.source, `${flags}g`);
  }

  /** Number of tokens in `text`. */
  count(text: string): number {
    return this.tokenize(text, undefined);
  }

  /** The token ranks of `text`. */
  encode(text: string): number[] {
    const ranks: number[] = [];
    this.tokenize(text, ranks);
    return ranks;
  }

  private tokenize(text: string, output: number[] | undefined): number {
    const sticky = this.stickySplit;
    let total = 0;
    let cursor = 0;
    while (cursor < text.length) {
      sticky.lastIndex = cursor;
      let start = cursor;
      if (!sticky.test(text) || sticky.lastIndex === cursor) {
        // Nothing matches here: skip to the next piece, as a global match would.
        const global = this.globalSplit;
        global.lastIndex = cursor;
        const match = global.exec(text);
        if (match === null || match[0].length === 0) break;
        start = match.index;
        sticky.lastIndex = start + match[0].length;
      }
      const end = sticky.lastIndex;
      total += this.tokenizePiece(text, start, end, output);
      cursor = end;
    }
    return total;
  }

  /** Tokens of text[start .. end), one pre-tokenizer piece. */
  private tokenizePiece(
    text: string,
    start: number,
    end: number,
    output: number[] | undefined,
  ): number {
    const length = this.encodeUtf8(text, start, end);
    const bytes = this.pieceBytes;
    const whole = this.vocabulary.rankHashed(bytes, 0, length, hashBytes(bytes, 0, length));
    if (whole !== NO_RANK) {
      output?.push(whole);
      return 1;
    }
    return this.merge(length, output);
  }

  /**
   * Merges the `length` bytes in pieceBytes, lowest-ranked pair first and leftmost on a tie.
   *
   * Parts form a linked list over byte offsets: a part starts at offset i, runs to nextStart[i],
   * and pairRank[i] is the rank of it joined with the part after it (NO_RANK if that is not a
   * token). Candidate pairs wait in a binary min-heap keyed by rank, then offset, so each merge
   * costs O(log n) instead of a scan of every part: a 512-character run of CJK text is one
   * piece of 1,536 bytes, and scanning made it quadratic. Heap entries are not removed when a
   * merge changes a neighbour's rank; a popped entry is used only if its part is still alive
   * and its rank is still the part's current rank (ranks are unique per token, so that pair is
   * exactly the token the entry named).
   */
  private merge(length: number, output: number[] | undefined): number {
    this.ensureMergeCapacity(length);
    const nextStart = this.nextStart;
    const previousStart = this.previousStart;
    const pairRank = this.pairRank;
    const heap = this.heap;
    let heapSize = 0;
    for (let index = 0; index < length; index++) {
      nextStart[index] = index + 1;
      previousStart[index] = index - 1;
      const rank = index + 2 <= length ? this.rankOf(index, index + 2) : NO_RANK;
      pairRank[index] = rank;
      if (rank !== NO_RANK) heapSize = heapPush(heap, heapSize, rank * OFFSET_RANGE + index);
    }
    let parts = length;
    while (heapSize > 0) {
      const top = heap[0] as number;
      heapSize = heapPop(heap, heapSize);
      const start = top % OFFSET_RANGE;
      const rank = (top - start) / OFFSET_RANGE;
      if (nextStart[start] === DEAD || pairRank[start] !== rank) continue;
      // Join the part at `start` with the next one.
      const removed = nextStart[start] as number;
      const after = nextStart[removed] as number;
      nextStart[start] = after;
      nextStart[removed] = DEAD;
      if (after < length) previousStart[after] = start;
      parts--;
      const joined = after < length ? this.rankOf(start, nextStart[after] as number) : NO_RANK;
      pairRank[start] = joined;
      if (joined !== NO_RANK) heapSize = heapPush(heap, heapSize, joined * OFFSET_RANGE + start);
      const previous = previousStart[start] as number;
      if (previous >= 0) {
        const before = this.rankOf(previous, after);
        pairRank[previous] = before;
        if (before !== NO_RANK) {
          heapSize = heapPush(heap, heapSize, before * OFFSET_RANGE + previous);
        }
      }
    }
    if (output !== undefined) {
      for (let start = 0; start < length; start = nextStart[start] as number) {
        output.push(this.rankOf(start, nextStart[start] as number));
      }
    }
    return parts;
  }

  /** Rank of pieceBytes[start .. end). */
  private rankOf(start: number, end: number): number {
    return this.vocabulary.rank(this.pieceBytes, start, end);
  }

  private ensureMergeCapacity(length: number): void {
    if (this.nextStart.length >= length) return;
    this.nextStart = new Int32Array(length);
    this.previousStart = new Int32Array(length);
    this.pairRank = new Int32Array(length);
    // Each merge pushes at most two entries, on top of one per starting pair.
    this.heap = new Float64Array(length * 3);
  }

  /**
   * Writes text[start .. end) as UTF-8 into pieceBytes and returns the byte count. A lone
   * surrogate becomes U+FFFD, as TextEncoder writes it.
   */
  private encodeUtf8(text: string, start: number, end: number): number {
    if (this.pieceBytes.length < (end - start) * 3) {
      this.pieceBytes = new Uint8Array((end - start) * 3);
    }
    const bytes = this.pieceBytes;
    let length = 0;
    for (let index = start; index < end; index++) {
      let code = text.charCodeAt(index);
      if (code < 0x80) {
        bytes[length++] = code;
        continue;
      }
      if (code < 0x800) {
        bytes[length++] = 0xc0 | (code >> 6);
        bytes[length++] = 0x80 | (code & 0x3f);
        continue;
      }
      if (code >= 0xd800 && code <= 0xdfff) {
        const next = index + 1 < end ? text.charCodeAt(index + 1) : 0;
        if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const point = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
          bytes[length++] = 0xf0 | (point >> 18);
          bytes[length++] = 0x80 | ((point >> 12) & 0x3f);
          bytes[length++] = 0x80 | ((point >> 6) & 0x3f);
          bytes[length++] = 0x80 | (point & 0x3f);
          index++;
          continue;
        }
        code = 0xfffd;
      }
      bytes[length++] = 0xe0 | (code >> 12);
      bytes[length++] = 0x80 | ((code >> 6) & 0x3f);
      bytes[length++] = 0x80 | (code & 0x3f);
    }
    return length;
  }
}
