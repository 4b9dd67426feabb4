import { describe, expect, it } from 'vitest';
import { makeRequestRecord } from './__fixtures__/request-records.js';
import { EncodedRecordQueue } from './encoded-record-queue.js';
import type { EncodedBatch } from './log-store.js';

/** Each record encodes as its id and response text, as JSON. */
const encode = (record: { id: string; responseText: string | null }) =>
  JSON.stringify([record.id, record.responseText]);

const queued = (id: string, responseText = 'ok') => makeRequestRecord({ id, responseText });

function lines(batch: EncodedBatch | null): unknown[] {
  if (batch === null) throw new Error('expected a batch');
  const decoded = Buffer.from(batch.bytes)
    .toString('utf8')
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(decoded.map((row) => (row as string[])[0])).toEqual(batch.ids);
  return decoded;
}

describe('EncodedRecordQueue', () => {
  it('hands out batches of at most batchSize, oldest first', () => {
    const queue = new EncodedRecordQueue(encode, 2);
    for (const id of ['a', 'b', 'c', 'd', 'e']) queue.push(queued(id));
    expect(queue.length).toBe(5);
    expect(lines(queue.take())).toEqual([
      ['a', 'ok'],
      ['b', 'ok'],
    ]);
    expect(lines(queue.take())).toEqual([
      ['c', 'ok'],
      ['d', 'ok'],
    ]);
    expect(queue.length).toBe(1);
    // A partial batch is handed out too (the interval flush), and later records start a new one.
    expect(lines(queue.take())).toEqual([['e', 'ok']]);
    queue.push(queued('f'));
    expect(lines(queue.take())).toEqual([['f', 'ok']]);
    expect(queue.take()).toBeNull();
    expect(queue.length).toBe(0);
  });

  it('drops the oldest record, also from the middle of a batch being filled', () => {
    const queue = new EncodedRecordQueue(encode, 3);
    for (const id of ['a', 'b', 'c', 'd']) queue.push(queued(id));
    queue.dropOldest();
    queue.dropOldest();
    expect(queue.length).toBe(2);
    expect(lines(queue.take())).toEqual([['c', 'ok']]);
    queue.dropOldest();
    expect(queue.length).toBe(0);
    expect(queue.take()).toBeNull();
    queue.dropOldest();
    expect(queue.length).toBe(0);
  });

  it('keeps any text byte for byte, growing its buffer past the first size', () => {
    const queue = new EncodedRecordQueue(encode, 4);
    const texts = ['é€😀'.repeat(20_000), 'tab\there', 'x'.repeat(100_000), '\u2028 ☕'];
    for (const [index, text] of texts.entries()) queue.push(queued(`r${index}`, text));
    expect(lines(queue.take())).toEqual(texts.map((text, index) => [`r${index}`, text]));
  });

  it('queues nothing when the encoder throws', () => {
    const queue = new EncodedRecordQueue((record) => {
      if (record.id === 'bad') throw new Error('cannot encode');
      return JSON.stringify([record.id, null]);
    }, 2);
    queue.push(queued('a'));
    expect(() => queue.push(queued('bad'))).toThrow('cannot encode');
    queue.push(queued('b'));
    expect(queue.length).toBe(2);
    expect(lines(queue.take())).toEqual([
      ['a', null],
      ['b', null],
    ]);
  });

  it('clear empties it and says how many records it held', () => {
    const queue = new EncodedRecordQueue(encode, 2);
    for (const id of ['a', 'b', 'c']) queue.push(queued(id));
    expect(queue.clear()).toBe(3);
    expect(queue.length).toBe(0);
    expect(queue.take()).toBeNull();
  });
});
