import { readFileSync } from 'node:fs';

/*
 * A byte-pair vocabulary kept in typed arrays instead of JavaScript strings and Maps.
 *
 * Why not the tokenizer library's own tables: they hold every token as a JS string key in a Map
 * (o200k: ~200,000 strings plus their hash tables, ~430,000 of the ~447,000 objects on a warmed
 * gateway's heap). Every full garbage collection marks all of them, which costs 14–25 ms on the
 * gateway's one core: long enough to show in its p99. Here the same vocabulary is five typed
 * arrays (about 8 MB, outside the JS heap), so a full GC has next to nothing of ours to mark.
 *
 * Layout: token bytes back to back in `tokenBytes`, and an open-addressing hash table (linear
 * probing, power-of-two size, load ≤ 0.5) of four int32s per slot: the full 32-bit hash of the
 * token's bytes, where they start, their length + 1 (0 marks an empty slot) and the rank. A lookup
 * touches one slot (a probe's neighbours share its cache line) and, when the hashes agree, the
 * bytes: two cache misses when cold, where separate arrays per field cost four. That matters
 * because a request's prompt is counted once, with cold caches, on the request's path.
 */

/** A rank that no token has; merges treat it as "no such pair". */
export const NO_RANK = 0x7fffffff;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over bytes[start .. end). */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let index = start; index < end; index++) {
    hash = Math.imul(hash ^ (bytes[index] as number), FNV_PRIME);
  }
  return hash;
}

/** Int32s per hash-table slot: hash, byte start, byte length + 1, rank. */
const SLOT_WIDTH = 4;

/** Token byte strings and their ranks, looked up by bytes without creating strings. */
export class BpeVocabulary {
  /** Number of distinct tokens. */
  readonly size: number;
  private readonly tokenBytes: Uint8Array;
  private readonly slots: Int32Array;
  /** Slot count − 1; slot i occupies slots[i * SLOT_WIDTH .. + SLOT_WIDTH). */
  private readonly mask: number;

  private constructor(tokenBytes: Uint8Array, entryStart: Uint32Array, entryRank: Int32Array) {
    this.tokenBytes = tokenBytes;
    let capacity = 1024;
    while (capacity < entryRank.length * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.slots = new Int32Array(capacity * SLOT_WIDTH);
    let size = 0;
    for (let entry = 0; entry < entryRank.length; entry++) {
      const start = entryStart[entry] as number;
      const end = entryStart[entry + 1] as number;
      if (this.insert(start, end, entryRank[entry] as number)) size++;
    }
    this.size = size;
  }

  /**
   * Reads a vocabulary in tiktoken's text format: one token per line, its bytes in base64, a
   * space, its rank. Throws naming the file and line when a line is not in that form.
   */
  static fromTiktokenFile(path: string): BpeVocabulary {
    return BpeVocabulary.fromTiktoken(readFileSync(path), path);
  }

  /** fromTiktokenFile for text already in memory; `source` names it in errors. */
  static fromTiktoken(text: Uint8Array, source: string): BpeVocabulary {
    const file = Buffer.from(text.buffer, text.byteOffset, text.byteLength);
    let lines = 0;
    for (let index = 0; index < file.length; index++) if (file[index] === 10) lines++;
    lines += 1;
    // Base64 decodes to at most 3/4 of its length, so the file's size bounds the token bytes.
    const tokenBytes = Buffer.alloc(Math.ceil((file.length * 3) / 4));
    const entryStart = new Uint32Array(lines + 1);
    const entryRank = new Int32Array(lines);
    let entries = 0;
    let written = 0;
    let lineStart = 0;
    let lineNumber = 0;
    while (lineStart < file.length) {
      let lineEnd = file.indexOf(10, lineStart);
      if (lineEnd === -1) lineEnd = file.length;
      lineNumber++;
      let contentEnd = lineEnd;
      if (contentEnd > lineStart && file[contentEnd - 1] === 13) contentEnd--;
      if (contentEnd > lineStart) {
        const space = file.indexOf(32, lineStart);
        const rank =
          space > lineStart && space < contentEnd ? parseRank(file, space + 1, contentEnd) : -1;
        if (rank < 0) {
          throw new Error(
            `${source}:${lineNumber}: expected "<base64 token bytes> <rank>", got ${JSON.stringify(file.toString('latin1', lineStart, Math.min(contentEnd, lineStart + 60)))}`,
          );
        }
        entryStart[entries] = written;
        written += tokenBytes.write(file.toString('latin1', lineStart, space), written, 'base64');
        entryRank[entries] = rank;
        entries++;
      }
      lineStart = lineEnd + 1;
    }
    entryStart[entries] = written;
    return new BpeVocabulary(
      tokenBytes.slice(0, written),
      entryStart.slice(0, entries + 1),
      entryRank.slice(0, entries),
    );
  }

  /** The rank of the token whose bytes are bytes[start .. end), or NO_RANK. */
  rank(bytes: Uint8Array, start: number, end: number): number {
    return this.rankHashed(bytes, start, end, hashBytes(bytes, start, end));
  }

  /** rank() when the caller has already computed hashBytes(bytes, start, end). */
  rankHashed(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const slots = this.slots;
    const tokenBytes = this.tokenBytes;
    const lengthPlusOne = end - start + 1;
    let slot = hash & this.mask;
    for (;;) {
      const at = slot * SLOT_WIDTH;
      const storedLength = slots[at + 2] as number;
      if (storedLength === 0) return NO_RANK;
      if (slots[at] === hash && storedLength === lengthPlusOne) {
        const tokenStart = slots[at + 1] as number;
        let index = 0;
        while (
          index < lengthPlusOne - 1 &&
          tokenBytes[tokenStart + index] === bytes[start + index]
        ) {
          index++;
        }
        if (index === lengthPlusOne - 1) return slots[at + 3] as number;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** Adds tokenBytes[start .. end) with `rank` unless those bytes are already a token. */
  private insert(start: number, end: number, rank: number): boolean {
    const hash = hashBytes(this.tokenBytes, start, end);
    if (this.rankHashed(this.tokenBytes, start, end, hash) !== NO_RANK) return false;
    let slot = hash & this.mask;
    while (this.slots[slot * SLOT_WIDTH + 2] !== 0) slot = (slot + 1) & this.mask;
    const at = slot * SLOT_WIDTH;
    this.slots[at] = hash;
    this.slots[at + 1] = start;
    this.slots[at + 2] = end - start + 1;
    this.slots[at + 3] = rank;
    return true;
  }
}

/** The decimal number in file[start .. end), or -1 when it is not one. */
function parseRank(file: Uint8Array, start: number, end: number): number {
  if (start >= end || end - start > 9) return -1;
  let value = 0;
  for (let index = start; index < end; index++) {
    const digit = (file[index] as number) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}
