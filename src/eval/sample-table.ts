import type { ResponseSample } from './eval-types.js';
import { NO_CHECKS, type SampleRow } from './sample-row.js';

/**
 * A run's SampleRows stored column by column in typed arrays: about 130 bytes a row instead of
 * the 400 or so a row object with its boxed numbers takes, so a 100,000-request replay against
 * two candidates keeps its rows in ~26 MB. Labels (error class, served target, check-name
 * lists) are interned and stored as small integers.
 */
export interface SampleTable {
  readonly length: number;
  push(row: SampleRow): void;
  /** A fresh row object for one index. */
  get(index: number): SampleRow;
  /**
   * Iterate rows, all of them or those at `indices`. The yielded object is reused for every row
   * (no allocation per row): read it in the loop body, never keep it.
   */
  rows(indices?: Iterable<number>): Iterable<SampleRow>;
}

/** Numeric columns; nullable ones hold NaN for null. */
interface Columns {
  intendedAt: Float64Array;
  sentAt: Float64Array;
  latencyMs: Float64Array;
  serviceMs: Float64Array;
  ttftMs: Float64Array;
  interTokenMs: Float64Array;
  tokensIn: Float64Array;
  tokensOut: Float64Array;
  outputTokensPerSecond: Float64Array;
  contextUse: Float64Array;
  costUsd: Float64Array;
  drift: Float64Array;
  entry: Uint32Array;
  candidate: Uint16Array;
  repeat: Uint16Array;
  level: Uint16Array;
  attempts: Uint16Array;
  errorClass: Uint16Array;
  servedTarget: Uint16Array;
  passedChecks: Uint32Array;
  failedChecks: Uint32Array;
  /** Bit 0: meetsSlo; bit 1: simulated. */
  flags: Uint8Array;
}

const INITIAL_CAPACITY = 1_024;

/** Create an empty table. */
export function createSampleTable(): SampleTable {
  let capacity = INITIAL_CAPACITY;
  let length = 0;
  let columns = allocate(capacity);
  const errorClasses = createInterner<ResponseSample['errorClass']>(null);
  const targets = createInterner<string | null>(null);
  const checkLists = createInterner<readonly string[]>(NO_CHECKS, (list) => list.join('\u0000'));

  function fill(index: number, row: SampleRow): SampleRow {
    const c = columns;
    row.entry = c.entry[index] as number;
    row.candidate = c.candidate[index] as number;
    row.repeat = c.repeat[index] as number;
    row.level = c.level[index] as number;
    row.intendedAt = c.intendedAt[index] as number;
    row.sentAt = c.sentAt[index] as number;
    row.latencyMs = c.latencyMs[index] as number;
    row.serviceMs = c.serviceMs[index] as number;
    row.ttftMs = nullable(c.ttftMs[index] as number);
    row.interTokenMs = nullable(c.interTokenMs[index] as number);
    row.tokensIn = c.tokensIn[index] as number;
    row.tokensOut = c.tokensOut[index] as number;
    row.outputTokensPerSecond = nullable(c.outputTokensPerSecond[index] as number);
    row.contextUse = nullable(c.contextUse[index] as number);
    row.costUsd = c.costUsd[index] as number;
    row.attempts = c.attempts[index] as number;
    row.errorClass = errorClasses.value(c.errorClass[index] as number);
    row.servedTarget = targets.value(c.servedTarget[index] as number);
    row.passedChecks = checkLists.value(c.passedChecks[index] as number);
    row.failedChecks = checkLists.value(c.failedChecks[index] as number);
    row.drift = nullable(c.drift[index] as number);
    const flag = c.flags[index] as number;
    row.meetsSlo = (flag & 1) !== 0;
    row.simulated = (flag & 2) !== 0;
    return row;
  }

  return {
    get length() {
      return length;
    },
    push(row) {
      if (length === capacity) {
        capacity *= 2;
        columns = grow(columns, capacity);
      }
      const c = columns;
      const index = length;
      c.entry[index] = row.entry;
      c.candidate[index] = row.candidate;
      c.repeat[index] = row.repeat;
      c.level[index] = row.level;
      c.intendedAt[index] = row.intendedAt;
      c.sentAt[index] = row.sentAt;
      c.latencyMs[index] = row.latencyMs;
      c.serviceMs[index] = row.serviceMs;
      c.ttftMs[index] = row.ttftMs ?? Number.NaN;
      c.interTokenMs[index] = row.interTokenMs ?? Number.NaN;
      c.tokensIn[index] = row.tokensIn;
      c.tokensOut[index] = row.tokensOut;
      c.outputTokensPerSecond[index] = row.outputTokensPerSecond ?? Number.NaN;
      c.contextUse[index] = row.contextUse ?? Number.NaN;
      c.costUsd[index] = row.costUsd;
      c.attempts[index] = Math.min(row.attempts, 0xffff);
      c.errorClass[index] = errorClasses.id(row.errorClass);
      c.servedTarget[index] = targets.id(row.servedTarget);
      c.passedChecks[index] = checkLists.id(row.passedChecks);
      c.failedChecks[index] = checkLists.id(row.failedChecks);
      c.drift[index] = row.drift ?? Number.NaN;
      c.flags[index] = (row.meetsSlo ? 1 : 0) | (row.simulated ? 2 : 0);
      length += 1;
    },
    get(index) {
      if (index < 0 || index >= length) throw new RangeError(`no row ${index} (of ${length})`);
      return fill(index, blankRow());
    },
    *rows(indices) {
      const view = blankRow();
      if (indices === undefined) {
        for (let index = 0; index < length; index++) yield fill(index, view);
        return;
      }
      for (const index of indices) if (index < length) yield fill(index, view);
    },
  };
}

function nullable(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

function allocate(size: number): Columns {
  return {
    intendedAt: new Float64Array(size),
    sentAt: new Float64Array(size),
    latencyMs: new Float64Array(size),
    serviceMs: new Float64Array(size),
    ttftMs: new Float64Array(size),
    interTokenMs: new Float64Array(size),
    tokensIn: new Float64Array(size),
    tokensOut: new Float64Array(size),
    outputTokensPerSecond: new Float64Array(size),
    contextUse: new Float64Array(size),
    costUsd: new Float64Array(size),
    drift: new Float64Array(size),
    entry: new Uint32Array(size),
    candidate: new Uint16Array(size),
    repeat: new Uint16Array(size),
    level: new Uint16Array(size),
    attempts: new Uint16Array(size),
    errorClass: new Uint16Array(size),
    servedTarget: new Uint16Array(size),
    passedChecks: new Uint32Array(size),
    failedChecks: new Uint32Array(size),
    flags: new Uint8Array(size),
  };
}

function grow(columns: Columns, size: number): Columns {
  const next = allocate(size);
  for (const key of Object.keys(next) as Array<keyof Columns>) {
    (next[key] as { set(values: ArrayLike<number>): void }).set(columns[key]);
  }
  return next;
}

interface Interner<T> {
  id(value: T): number;
  value(id: number): T;
}

/** Small integer ids for repeated values; id 0 is `empty`. */
function createInterner<T>(empty: T, keyOf: (value: T) => unknown = (value) => value): Interner<T> {
  const values: T[] = [empty];
  const ids = new Map<unknown, number>([[keyOf(empty), 0]]);
  return {
    id(value) {
      const key = keyOf(value);
      let id = ids.get(key);
      if (id === undefined) {
        id = values.length;
        values.push(value);
        ids.set(key, id);
      }
      return id;
    },
    value: (id) => values[id] as T,
  };
}

function blankRow(): SampleRow {
  return {
    entry: 0,
    candidate: 0,
    repeat: 0,
    level: 0,
    intendedAt: 0,
    sentAt: 0,
    latencyMs: 0,
    serviceMs: 0,
    ttftMs: null,
    interTokenMs: null,
    tokensIn: 0,
    tokensOut: 0,
    outputTokensPerSecond: null,
    contextUse: null,
    costUsd: 0,
    attempts: 0,
    errorClass: null,
    servedTarget: null,
    passedChecks: NO_CHECKS,
    failedChecks: NO_CHECKS,
    drift: null,
    meetsSlo: false,
    simulated: false,
  };
}
