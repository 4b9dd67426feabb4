import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTrace } from './read-trace.js';
import { TraceReadError } from './trace-read-error.js';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'switchyard-trace-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, text);
  return path;
}

async function readError(path: string): Promise<TraceReadError> {
  try {
    await readTrace(path);
  } catch (error) {
    if (error instanceof TraceReadError) return error;
    throw error;
  }
  throw new Error('expected readTrace to throw');
}

const user = (content: string) => ({ role: 'user', content });

describe('readTrace: JSONL', () => {
  it('reads every shape and reports each malformed line by number', async () => {
    const lines = [
      JSON.stringify({ messages: [user('plain request')], ts: '2025-01-15T12:00:00Z' }),
      '{"messages": [',
      '',
      JSON.stringify({ prompt: 'shorthand', tags: ['faq'] }),
      JSON.stringify({ id: 'r1', request: null, ts: '2025-01-15T12:00:00.000Z' }),
      '   ',
      JSON.stringify({
        id: 'r2',
        ts: '2025-01-15T12:00:01.000Z',
        request: { model: 'auto', messages: [user('exported')] },
      }),
      '42',
    ];
    const result = await readTrace(await file('trace.jsonl', `${lines.join('\n')}\n`));
    expect(result.entries.map((entry) => [entry.id, entry.line])).toEqual([
      ['line-1', 1],
      ['line-4', 4],
      ['r2', 7],
    ]);
    expect(result.skipped.map((skipped) => skipped.line)).toEqual([2, 5, 8]);
    expect(result.skipped[0]?.reason).toMatch(/^invalid JSON/);
    expect(result.skipped[1]?.reason).toMatch(/request is null/);
    expect(result.skipped[2]?.reason).toBe('expected a JSON object, got 42');
  });

  it('handles CRLF line ends and a byte-order mark', async () => {
    const text = `\uFEFF${JSON.stringify({ prompt: 'one' })}\r\n${JSON.stringify({ prompt: 'two' })}\r\n`;
    const result = await readTrace(await file('crlf.jsonl', text));
    expect(result.entries.map((entry) => entry.request.messages[0]?.content)).toEqual([
      'one',
      'two',
    ]);
    expect(result.skipped).toEqual([]);
  });

  it('keeps every entry when ids repeat, making the ids unique', async () => {
    const line = JSON.stringify({ id: 'same', prompt: 'x' });
    const result = await readTrace(await file('dup.jsonl', `${line}\n${line}\n`));
    expect(result.entries.map((entry) => entry.id)).toEqual(['same', 'same@line-2']);
  });

  it('streams a 100,000-line trace', async () => {
    const line = `${JSON.stringify({ messages: [user('How do I reset my password?')], session_id: 's' })}\n`;
    const path = await file('big.jsonl', line.repeat(100_000));
    const started = Date.now();
    const result = await readTrace(path);
    expect(result.entries).toHaveLength(100_000);
    expect(result.entries[99_999]?.line).toBe(100_000);
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('reads a .json file that holds a JSON array of cases', async () => {
    const result = await readTrace(
      await file('suite.json', JSON.stringify([{ prompt: 'a' }, { prompt: 'b' }], null, 2)),
    );
    expect(result.entries.map((entry) => entry.line)).toEqual([2, 5]);
  });

  it('reads a .json file of one object per line as JSONL', async () => {
    const text = `${JSON.stringify({ prompt: 'a' })}\n${JSON.stringify({ prompt: 'b' })}\n`;
    const result = await readTrace(await file('lines.json', text));
    expect(result.entries).toHaveLength(2);
  });
});

describe('readTrace: CSV', () => {
  it('reads columns, JSON cells and ;-separated tags, and reports bad rows by line', async () => {
    const csv = [
      'prompt,expected,tags,intent,session_id,context,checks',
      '"What is 2+2?",4,math;short,arithmetic,s1,,"[{""kind"":""contains"",""value"":""4""}]"',
      '"A prompt that',
      'spans two lines",,,,,,',
      'bad"quote,x,,,,,',
      'too,many,columns,here,a,b,c,d',
      ',missing prompt,,,,,',
      'fine,,,,,Context text.,',
      'broken json,,,,,,[{',
    ].join('\n');
    const result = await readTrace(await file('suite.csv', `${csv}\n`));
    expect(result.entries.map((entry) => entry.line)).toEqual([2, 3, 8]);
    const [first, second, third] = result.entries;
    expect(first).toMatchObject({
      expected: '4',
      tags: ['math', 'short'],
      intent: 'arithmetic',
      sessionId: 's1',
      checks: [{ name: 'contains', kind: 'contains', value: '4' }],
    });
    expect(second?.request.messages[0]?.content).toBe('A prompt that\nspans two lines');
    expect(third?.context).toBe('Context text.');
    expect(result.skipped.map((skipped) => skipped.line)).toEqual([5, 6, 7, 9]);
    expect(result.skipped[2]?.reason).toBe('the row has neither a prompt nor messages');
    expect(result.skipped[3]?.reason).toMatch(/^checks: invalid JSON/);
  });

  it('reads a messages column', async () => {
    const messages = JSON.stringify([
      user('first'),
      { role: 'assistant', content: 'ok' },
      user('second'),
    ]).replace(/"/g, '""');
    const result = await readTrace(await file('m.csv', `messages\n"${messages}"\n`));
    expect(result.entries[0]?.request.messages).toHaveLength(3);
  });

  it('refuses a header without a prompt or messages column', async () => {
    const error = await readError(await file('bad.csv', 'question,answer\nhi,there\n'));
    expect(error.message).toMatch(
      /needs a "prompt" or "messages" column; found "question", "answer"/,
    );
  });
});

describe('readTrace: YAML', () => {
  it('reads a list of cases with their line numbers', async () => {
    const yaml = [
      '- prompt: What is the capital of France?',
      '  expected: Paris',
      '  tags: [geo, short]',
      '- just a string',
      '- messages:',
      '    - role: user',
      '      content: Summarize the context.',
      '  context: The sky is blue.',
      '  checks:',
      '    - { kind: grounding }',
      '- prompt: 5',
    ].join('\n');
    const result = await readTrace(await file('suite.yaml', yaml));
    expect(result.entries.map((entry) => [entry.line, entry.expected, entry.context])).toEqual([
      [1, 'Paris', null],
      [5, null, 'The sky is blue.'],
    ]);
    expect(result.entries[1]?.checks).toEqual([
      { name: 'grounding', kind: 'grounding', target: null, threshold: 0.8 },
    ]);
    expect(result.skipped).toEqual([
      { line: 4, reason: 'expected a mapping (a case with prompt or messages)' },
      { line: 11, reason: 'prompt: expected a string, got 5' },
    ]);
  });

  it('reads { cases: [...] } with a name', async () => {
    const result = await readTrace(
      await file('suite.yml', 'name: smoke\ncases:\n  - prompt: hi\n'),
    );
    expect(result.entries).toHaveLength(1);
    expect(result.entries[0]?.line).toBe(3);
  });

  it.each([
    ['invalid YAML', 'cases: [\n  - prompt: x', /invalid YAML/],
    ['an unknown top-level field', 'cases: []\ncheks: []\n', /unknown top-level field "cheks"/],
    ['a mapping without cases', 'prompt: hi\n', /unknown top-level field "prompt"/],
    ['a scalar', 'hello\n', /expected a list of cases/],
  ])('refuses %s', async (_label, text, message) => {
    expect((await readError(await file('bad.yaml', text))).message).toMatch(message);
  });
});

describe('readTrace: whole-file errors', () => {
  it('names the path of a file that does not exist', async () => {
    const path = join(directory, 'missing.jsonl');
    const error = await readError(path);
    expect(error.path).toBe(path);
    expect(error.message).toBe(`${path}: cannot read the file (no such file)`);
  });

  it('refuses a directory', async () => {
    const path = join(directory, 'folder.jsonl');
    await mkdir(path);
    expect((await readError(path)).message).toMatch(/not a file/);
  });

  it.skipIf(process.getuid?.() === 0)('reports a permission problem', async () => {
    const path = await file('locked.jsonl', '{"prompt":"x"}\n');
    await chmod(path, 0o000);
    expect((await readError(path)).message).toMatch(/permission denied/);
  });

  it('refuses an empty file', async () => {
    expect((await readError(await file('empty.jsonl', '\n\n'))).message).toMatch(
      /no entries \(the file is empty\)/,
    );
  });

  it('refuses a file with no valid entry, quoting the first reasons', async () => {
    const error = await readError(await file('junk.jsonl', 'a\nb\nc\nd\n'));
    expect(error.message).toMatch(
      /no valid entries; 4 skipped \(line 1: invalid JSON.*; and 1 more\)/,
    );
  });
});
