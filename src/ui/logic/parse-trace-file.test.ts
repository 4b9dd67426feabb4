import { describe, expect, it } from 'vitest';
import { filterTraceEntries, parseTraceFile, previewOf } from './parse-trace-file.js';
import { chatFromRecord } from './replay-chat.js';

const lines = (...values: unknown[]) =>
  values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join('\n');

describe('reading a JSONL trace in the browser', () => {
  it('accepts a plain request, an exported record and the prompt shorthand', () => {
    const trace = parseTraceFile(
      lines(
        {
          id: 'plain-1',
          tags: ['billing', 'vip'],
          model: 'gpt-x',
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'Where is my invoice?' },
          ],
        },
        {
          id: 42,
          tags: 'export; replay ;export',
          request: { model: 'auto', messages: [{ role: 'user', content: 'From the log' }] },
        },
        { prompt: 'Shorthand question', system: 'You are terse.' },
      ),
    );
    expect(trace.skipped).toEqual([]);
    expect(trace.entries.map((entry) => [entry.id, entry.line, entry.tags])).toEqual([
      ['plain-1', 1, ['billing', 'vip']],
      ['42', 2, ['export', 'replay']],
      ['line-3', 3, []],
    ]);
    expect(trace.entries[2]?.messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Shorthand question' },
    ]);
    // An entry fills the chat the way a replayed log record does.
    expect(chatFromRecord({ messages: trace.entries[0]?.messages })).toEqual({
      history: [{ role: 'system', content: 'Be brief.' }],
      prompt: 'Where is my invoice?',
    });
  });

  it('skips malformed lines with their line number and reason, and ignores blank lines', () => {
    const trace = parseTraceFile(
      `\uFEFF${lines(
        '{"prompt": "first"}',
        '',
        '{not json',
        { request: null },
        { messages: [] },
        { messages: [{ role: 'robot', content: 'hi' }] },
        { hello: 'world' },
        '[1, 2]',
        { prompt: 7 },
        '   ',
        { prompt: 'last' },
      )}\r\n`,
    );
    expect(trace.entries.map((entry) => entry.line)).toEqual([1, 11]);
    expect(trace.skipped.map((skip) => skip.line)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(trace.skipped[0]?.reason).toBe('invalid JSON');
    expect(trace.skipped[1]?.reason).toMatch(/without request bodies/);
    expect(trace.skipped[2]?.reason).toMatch(/at least one message/);
    expect(trace.skipped[3]?.reason).toMatch(/messages\[0\]\.role/);
    expect(trace.skipped[4]?.reason).toMatch(/expected "messages"/);
  });

  it('previews the first words of the last user message', () => {
    expect(
      previewOf([
        { role: 'user', content: 'older question' },
        { role: 'assistant', content: 'answer' },
        {
          role: 'user',
          content: 'one two three four five six seven eight nine ten eleven twelve thirteen',
        },
      ]),
    ).toBe('one two three four five six seven eight nine ten eleven twelve…');
    expect(previewOf([{ role: 'user', content: [{ type: 'text', text: ' short ' }] }])).toBe(
      'short',
    );
    expect(previewOf([{ role: 'user', content: 'x'.repeat(200) }])).toHaveLength(90);
  });

  it('filters entries by id, tag or preview text', () => {
    const { entries } = parseTraceFile(
      lines(
        { id: 'refund-1', prompt: 'Give me my money back' },
        { id: 'code-7', tags: ['python'], prompt: 'Write a loop' },
      ),
    );
    expect(filterTraceEntries(entries, '').length).toBe(2);
    expect(filterTraceEntries(entries, 'PYTHON').map((entry) => entry.id)).toEqual(['code-7']);
    expect(filterTraceEntries(entries, 'money').map((entry) => entry.id)).toEqual(['refund-1']);
    expect(filterTraceEntries(entries, 'nothing like this')).toEqual([]);
  });
});
