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
 * Layout: token bytes back to back in `tokenBytes`; entry i spans
 * tokenBytes[entryStart[i] .. entryStart[i + 1]) and has rank entryRank[i]. An open-addressing
 * hash table (linear probing, power-of-two size, load ≤ 0.5) maps a byte string to its entry:
 * `slotEntry` holds entry + 1 (0 = empty) and `slotHash` the full 32-bit hash, so a probe
 * compares bytes only when the hashes agree.
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

/** Token byte strings and their ranks, looked up by bytes without creating strings. */
export class BpeVocabulary {
  /** Number of tokens. */
  readonly size: number;
  private readonly tokenBytes: Uint8Array;
  private readonly entryStart: Uint32Array;
  private readonly entryRank: Int32Array;
  private readonly slotEntry: Int32Array;
  private readonly slotHash: Int32Array;
  private readonly mask: number;

  private constructor(tokenBytes: Uint8Array, entryStart: Uint32Array, entryRank: Int32Array) {
    this.size = entryRank.length;
    this.tokenBytes = tokenBytes;
    this.entryStart = entryStart;
    this.entryRank = entryRank;
    let capacity = 1024;
    while (capacity < this.size * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.slotEntry = new Int32Array(capacity);
    this.slotHash = new Int32Array(capacity);
    for (let entry = 0; entry < this.size; entry++) this.insert(entry);
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
    const length = end - start;
    const tokenBytes = this.tokenBytes;
    let slot = hash & this.mask;
    for (;;) {
      const stored = this.slotEntry[slot] as number;
      if (stored === 0) return NO_RANK;
      if (this.slotHash[slot] === hash) {
        const entry = stored - 1;
        const tokenStart = this.entryStart[entry] as number;
        if ((this.entryStart[entry + 1] as number) - tokenStart === length) {
          let index = 0;
          while (index < length && tokenBytes[tokenStart + index] === bytes[start + index]) index++;
          if (index === length) return this.entryRank[entry] as number;
        }
      }
      slot = (slot + 1) & this.mask;
    }
  }

  private insert(entry: number): void {
    const start = this.entryStart[entry] as number;
    const end = this.entryStart[entry + 1] as number;
    const hash = hashBytes(this.tokenBytes, start, end);
    if (this.rankHashed(this.tokenBytes, start, end, hash) !== NO_RANK) return;
    let slot = hash & this.mask;
    while (this.slotEntry[slot] !== 0) slot = (slot + 1) & this.mask;
    this.slotEntry[slot] = entry + 1;
    this.slotHash[slot] = hash;
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
