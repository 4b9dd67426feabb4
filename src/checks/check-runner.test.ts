import { describe, expect, it, vi } from 'vitest';
import type { ChatRequest } from '../core/chat-types.js';
import type { CheckSpec, TraceEntry } from '../eval/eval-types.js';
import { createCheckRunner } from './check-runner.js';
import { CheckSpecError } from './check-spec-error.js';
import type { CheckInput, JudgeFunction } from './check-types.js';
import { GUARDED_CALLS } from './compile-function-check.js';

function entry(overrides: Partial<TraceEntry> = {}): TraceEntry {
  return {
    id: 'e1',
    line: 1,
    ts: null,
    sessionId: null,
    userId: null,
    tags: [],
    intent: null,
    request: {
      model: 'auto',
      messages: [{ role: 'user', content: 'When will my refund arrive?' }],
    },
    expected: null,
    context: null,
    checks: [],
    ...overrides,
  };
}

function input(text: string | null, overrides: Partial<CheckInput> = {}): CheckInput {
  return { entry: entry(), text, toolArguments: [], baselineText: null, ...overrides };
}

async function runOne(spec: CheckSpec, checkInput: CheckInput, judge?: JudgeFunction) {
  const results = await createCheckRunner([spec], judge ? { judge } : {}).run(checkInput);
  return results[0] ?? null;
}

const PERSON_SCHEMA = {
  type: 'object',
  required: ['name', 'age'],
  properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } },
  additionalProperties: false,
};

describe('text checks', () => {
  it.each<[string, CheckSpec, string, boolean]>([
    ['equals, exact', { name: 'c', kind: 'equals', value: 'Paris' }, ' Paris\n', true],
    ['equals, different case', { name: 'c', kind: 'equals', value: 'Paris' }, 'paris', false],
    [
      'equals, ignoring case',
      { name: 'c', kind: 'equals', value: 'Paris', ignoreCase: true },
      'PARIS',
      true,
    ],
    ['equals, more text', { name: 'c', kind: 'equals', value: 'Paris' }, 'Paris, France', false],
    [
      'contains, present',
      { name: 'c', kind: 'contains', value: 'refund' },
      'Your refund is on its way',
      true,
    ],
    [
      'contains, absent',
      { name: 'c', kind: 'contains', value: 'refund' },
      'Your money is on its way',
      false,
    ],
    [
      'contains, case folded',
      { name: 'c', kind: 'contains', value: 'REFUND', ignoreCase: true },
      'a refund',
      true,
    ],
    ['regex, match', { name: 'c', kind: 'regex', pattern: '\\d+ days?' }, 'in 5 days', true],
    ['regex, no match', { name: 'c', kind: 'regex', pattern: '\\d+ days?' }, 'soon', false],
    [
      'regex, flags',
      { name: 'c', kind: 'regex', pattern: '^soon$', flags: 'im' },
      'well\nSOON',
      true,
    ],
    [
      'regex deny-list, clean',
      { name: 'c', kind: 'regex', pattern: 'password', negate: true },
      'all good',
      true,
    ],
    [
      'regex deny-list, hit',
      { name: 'c', kind: 'regex', pattern: 'password', flags: 'i', negate: true },
      'Your PASSWORD is x',
      false,
    ],
  ])('%s', async (_label, spec, text, pass) => {
    const result = await runOne(spec, input(text));
    expect(result).toMatchObject({ name: 'c', pass, score: null });
    if (pass) expect(result?.detail).toBeNull();
    else expect(result?.detail).toEqual(expect.any(String));
  });

  it('gives the same answer on repeated runs of a global regex', async () => {
    const runner = createCheckRunner([{ name: 'g', kind: 'regex', pattern: 'a', flags: 'g' }]);
    const first = await runner.run(input('a'));
    const second = await runner.run(input('a'));
    expect(first[0]?.pass).toBe(true);
    expect(second[0]?.pass).toBe(true);
  });

  it('says what a deny-list matched', async () => {
    const result = await runOne(
      { name: 'c', kind: 'regex', pattern: 'sk-[a-z]+', negate: true },
      input('key: sk-abc'),
    );
    expect(result?.detail).toContain('"sk-abc"');
  });
});

describe('json_schema checks', () => {
  const onAnswer: CheckSpec = {
    name: 's',
    kind: 'json_schema',
    schema: PERSON_SCHEMA,
    on: 'answer',
  };
  const onTools: CheckSpec = {
    name: 's',
    kind: 'json_schema',
    schema: PERSON_SCHEMA,
    on: 'tool_arguments',
  };

  it.each<[string, string, boolean, RegExp | null]>([
    ['valid JSON', '{"name": "Ada", "age": 36}', true, null],
    ['JSON in a ```json fence', '```json\n{"name": "Ada", "age": 36}\n```', true, null],
    [
      'a fence after a line of prose',
      'Here it is:\n```\n{"name": "Ada", "age": 36}\n```',
      true,
      null,
    ],
    ['a missing field', '{"name": "Ada"}', false, /must have required property 'age'/],
    ['a wrong type', '{"name": "Ada", "age": "old"}', false, /\/age must be integer/],
    ['an extra field', '{"name": "Ada", "age": 3, "x": 1}', false, /additional properties \(x\)/],
    ['not JSON', 'Ada is 36.', false, /answer is not JSON/],
  ])('on the answer: %s', async (_label, text, pass, detail) => {
    const result = await runOne(onAnswer, input(text));
    expect(result?.pass).toBe(pass);
    if (detail) expect(result?.detail).toMatch(detail);
  });

  it('checks every tool call and names the one that failed', async () => {
    const good = '{"name": "Ada", "age": 36}';
    expect((await runOne(onTools, input('[]', { toolArguments: [good, good] })))?.pass).toBe(true);
    const result = await runOne(onTools, input('[]', { toolArguments: [good, '{"name": 1}'] }));
    expect(result?.pass).toBe(false);
    expect(result?.detail).toMatch(/^tool call 2:/);
    const broken = await runOne(onTools, input('[]', { toolArguments: ['{"name":'] }));
    expect(broken?.detail).toMatch(/arguments are not JSON/);
  });

  it('is skipped when there is no tool call to check', async () => {
    expect(await runOne(onTools, input('plain text answer'))).toBeNull();
  });

  it('understands draft 2020-12 schemas and the formats it knows', async () => {
    const spec: CheckSpec = {
      name: 's',
      kind: 'json_schema',
      on: 'answer',
      schema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: {
          email: { type: 'string', format: 'email' },
          pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] },
        },
      },
    };
    expect((await runOne(spec, input('{"email": "a@b.co", "pair": ["x", 1]}')))?.pass).toBe(true);
    expect((await runOne(spec, input('{"email": "nope"}')))?.pass).toBe(false);
    expect((await runOne(spec, input('{"pair": [1, "x"]}')))?.detail).toMatch(
      /\/pair\/0 must be string/,
    );
  });

  it('refuses an invalid schema when the runner is created', () => {
    expect(() =>
      createCheckRunner([
        { name: 'bad', kind: 'json_schema', schema: { type: 'banana' }, on: 'answer' },
      ]),
    ).toThrow(CheckSpecError);
  });
});

describe('function checks', () => {
  it.each<
    [string, string, string, { pass: boolean; score?: number | null; detail?: string | null }]
  >([
    ['an arrow function', '({ text }) => text.length < 10', 'short', { pass: true }],
    ['an arrow function, failing', '({ text }) => text.length < 3', 'too long', { pass: false }],
    [
      'a function expression',
      'function ({ text }) { return text.startsWith("Hi"); }',
      'Hi there',
      { pass: true },
    ],
    [
      'a body with return',
      'const words = text.split(" "); return words.length === 2;',
      'two words',
      { pass: true },
    ],
    ['a bare expression', 'text.includes("refund")', 'a refund', { pass: true }],
    [
      'an expression using the entry',
      'entry.id === "e1" && toolArguments.length === 0',
      'x',
      { pass: true },
    ],
    ['a 0..1 number', '({ text }) => text.length / 10', 'abcdefgh', { pass: true, score: 0.8 }],
    [
      'a { pass, score, detail } object',
      '({ text }) => ({ pass: false, score: 0.2, detail: "too terse: " + text })',
      'ok',
      { pass: false, score: 0.2, detail: 'too terse: ok' },
    ],
    ['an async function', 'async ({ text }) => text === "yes"', 'yes', { pass: true }],
  ])('%s', async (_label, source, text, expected) => {
    const result = await runOne({ name: 'f', kind: 'function', source }, input(text));
    expect(result).toMatchObject({ name: 'f', ...expected });
  });

  it('sees the baseline answer', async () => {
    const result = await runOne(
      { name: 'f', kind: 'function', source: '({ text, baselineText }) => text === baselineText' },
      input('same', { baselineText: 'same' }),
    );
    expect(result?.pass).toBe(true);
  });

  it.each([
    ['throws', '({ text }) => { throw new Error("boom " + text); }', /threw: boom x/],
    ['returns a string', '() => "yes"', /returned "yes"/],
    ['returns nothing', '() => {}', /returned undefined/],
    ['rejects', 'async () => { throw new Error("async boom"); }', /threw: async boom/],
  ])('fails, not crashes, when the function %s', async (_label, source, detail) => {
    const result = await runOne({ name: 'f', kind: 'function', source }, input('x'));
    expect(result?.pass).toBe(false);
    expect(result?.detail).toMatch(detail);
  });

  it('stops a runaway loop after the timeout', async () => {
    const runner = createCheckRunner(
      [{ name: 'f', kind: 'function', source: '() => { while (true) {} }' }],
      { functionTimeoutMs: 50 },
    );
    const started = Date.now();
    const [result] = await runner.run(input('x'));
    expect(result).toMatchObject({ pass: false, detail: 'timed out after 50 ms' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('keeps answering correctly once past its guarded calls', async () => {
    const runner = createCheckRunner([
      { name: 'f', kind: 'function', source: '({ text }) => ({ pass: text === "yes", score: 1 })' },
    ]);
    const verdicts: boolean[] = [];
    for (let call = 0; call < GUARDED_CALLS + 20; call++) {
      const [result] = await runner.run(input(call % 2 === 0 ? 'yes' : 'no'));
      verdicts.push(result?.pass ?? false);
    }
    expect(verdicts.every((pass, call) => pass === (call % 2 === 0))).toBe(true);
  });

  it('does not expose Node globals', async () => {
    const result = await runOne(
      {
        name: 'f',
        kind: 'function',
        source: '() => typeof process === "undefined" && typeof require === "undefined"',
      },
      input('x'),
    );
    expect(result?.pass).toBe(true);
  });

  it('refuses source that does not compile when the runner is created', () => {
    expect(() =>
      createCheckRunner([{ name: 'f', kind: 'function', source: '({ text }) => {' }]),
    ).toThrow(/check "f"/);
  });
});

describe('reference checks', () => {
  const spec: CheckSpec = { name: 'ref', kind: 'reference', threshold: 0.6 };

  it.each<[string, string, string, boolean, number]>([
    ['an exact match', 'Paris', 'Paris', true, 1],
    ['a match up to case, articles and punctuation', 'The Eiffel Tower.', 'eiffel tower', true, 1],
    ['the reference inside a longer answer', 'Paris', 'The capital of France is Paris.', true, 1],
    [
      'close wording',
      'refunds take five business days',
      'refunds take five working days',
      true,
      0.8,
    ],
    ['a different answer', 'refunds take five business days', 'please contact support', false, 0],
  ])('%s', async (_label, expected, text, pass, score) => {
    const result = await runOne(spec, input(text, { entry: entry({ expected }) }));
    expect(result?.pass).toBe(pass);
    expect(result?.score).toBeCloseTo(score, 10);
  });

  it('is skipped without an expected answer, and without an answer', async () => {
    expect(await runOne(spec, input('anything'))).toBeNull();
    expect(await runOne(spec, input(null, { entry: entry({ expected: 'x' }) }))).toBeNull();
  });
});

describe('judge checks', () => {
  const spec: CheckSpec = {
    name: 'polite',
    kind: 'judge',
    target: 'judge-model',
    rubric: 'Is the answer polite and correct?',
    threshold: 0.7,
  };

  it('asks the judge target at temperature 0 with the rubric, the conversation and the answer', async () => {
    const judge = vi.fn<JudgeFunction>(async () => '{"score": 5, "reason": "polite"}');
    const result = await runOne(
      spec,
      input('It arrives Monday.', { entry: entry({ expected: 'Monday' }) }),
      judge,
    );
    expect(result).toEqual({ name: 'polite', pass: true, score: 1, detail: 'polite' });
    const [target, request, signal] = judge.mock.calls[0] ?? [];
    expect(target).toBe('judge-model');
    expect(signal).toBeInstanceOf(AbortSignal);
    const sent = request as ChatRequest;
    expect(sent.model).toBe('judge-model');
    expect(sent.temperature).toBe(0);
    const prompt = JSON.stringify(sent.messages);
    for (const part of [
      'Is the answer polite and correct?',
      'When will my refund arrive?',
      'It arrives Monday.',
      'Reference answer',
      'Monday',
    ]) {
      expect(prompt).toContain(part);
    }
  });

  it.each([
    ['a low score', 'Score: 2/5\nReason: rude', false, 0.25, /judge score 0\.25 < 0\.7: rude/],
    ['a passing bare number', '4', true, 0.75, null],
    ['an unparseable reply', 'Looks fine to me!', false, null, /judge reply not understood/],
  ])('handles %s', async (_label, reply, pass, score, detail) => {
    const result = await runOne(spec, input('answer'), async () => reply);
    expect(result?.pass).toBe(pass);
    expect(result?.score ?? null).toBe(score);
    if (detail) expect(result?.detail).toMatch(detail);
  });

  it('turns a judge failure into a failed check', async () => {
    const result = await runOne(spec, input('answer'), async () => {
      throw new Error('judge target down');
    });
    expect(result).toEqual({
      name: 'polite',
      pass: false,
      score: null,
      detail: 'judge failed: judge target down',
    });
  });

  it('passes an aborted run on to the judge', async () => {
    const controller = new AbortController();
    const judge: JudgeFunction = (_target, _request, signal) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(new Error('aborted')));
      });
    const pending = runOne(spec, input('answer', { signal: controller.signal }), judge);
    controller.abort();
    expect((await pending)?.detail).toBe('judge failed: aborted');
  });

  it('bounds a judge call with a timeout', async () => {
    const judge: JudgeFunction = (_target, _request, signal) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(new Error('judge timed out')));
      });
    const [result] = await createCheckRunner([spec], { judge, judgeTimeoutMs: 20 }).run(input('a'));
    expect(result?.detail).toBe('judge failed: judge timed out');
  });

  it('refuses a judge check when no judge is configured', () => {
    expect(() => createCheckRunner([spec])).toThrow(/no judge is configured/);
  });
});

describe('grounding checks', () => {
  const context =
    'Refunds are processed within 5 business days. Orders to Canada pay a customs fee.';
  const heuristic: CheckSpec = {
    name: 'grounded',
    kind: 'grounding',
    target: null,
    threshold: 0.8,
  };
  const withContext = (text: string) => input(text, { entry: entry({ context }) });

  it('passes an answer the context supports', async () => {
    const result = await runOne(
      heuristic,
      withContext('Your refund is processed within 5 business days.'),
    );
    expect(result).toEqual({ name: 'grounded', pass: true, score: 1, detail: null });
  });

  it('flags unsupported claims and lists them', async () => {
    const result = await runOne(
      heuristic,
      withContext(
        'Refunds are processed within 5 business days. Members get free express shipping to Mars.',
      ),
    );
    expect(result?.pass).toBe(false);
    expect(result?.score).toBeCloseTo(0.5, 10);
    expect(result?.detail).toContain('1 of 2 claims unsupported');
    expect(result?.detail).toContain('Members get free express shipping to Mars.');
  });

  it('is skipped without context', async () => {
    expect(await runOne(heuristic, input('Refunds take 5 days.'))).toBeNull();
  });

  it('asks the judge when a judge target is set, and reports its flagged claims', async () => {
    const judge = vi.fn<JudgeFunction>(
      async () =>
        'VERDICT: UNSUPPORTED\nSCORE: 0.5\nUNSUPPORTED CLAIMS:\n- Shipping to Mars is free',
    );
    const spec: CheckSpec = {
      name: 'grounded',
      kind: 'grounding',
      target: 'judge',
      threshold: 0.8,
    };
    const result = await runOne(
      spec,
      withContext('Refunds take 5 days. Shipping to Mars is free.'),
      judge,
    );
    expect(result).toEqual({
      name: 'grounded',
      pass: false,
      score: 0.5,
      detail: 'unsupported: "Shipping to Mars is free"',
    });
    const sent = JSON.stringify(judge.mock.calls[0]?.[1].messages);
    expect(sent).toContain(context);
    expect(sent).toContain('Shipping to Mars is free.');
  });

  it('scores a bare SUPPORTED verdict as 1 and UNSUPPORTED as 0', async () => {
    const spec: CheckSpec = { name: 'g', kind: 'grounding', target: 'judge', threshold: 0.8 };
    expect((await runOne(spec, withContext('a'), async () => 'SUPPORTED'))?.score).toBe(1);
    expect(await runOne(spec, withContext('a'), async () => 'VERDICT: UNSUPPORTED')).toMatchObject({
      pass: false,
      score: 0,
    });
  });

  it('fails with the reason when the judge throws', async () => {
    const spec: CheckSpec = { name: 'g', kind: 'grounding', target: 'judge', threshold: 0.8 };
    const result = await runOne(spec, withContext('a'), async () => {
      throw new Error('429 rate limited');
    });
    expect(result).toMatchObject({ pass: false, detail: 'judge failed: 429 rate limited' });
  });
});

describe('createCheckRunner', () => {
  it('skips every check when the request failed', async () => {
    const runner = createCheckRunner([
      { name: 'a', kind: 'contains', value: 'x' },
      { name: 'b', kind: 'function', source: '() => true' },
    ]);
    expect(await runner.run(input(null))).toEqual([]);
  });

  it("runs the entry's own checks after the run's, in order", async () => {
    const runner = createCheckRunner([{ name: 'run-level', kind: 'contains', value: 'refund' }]);
    const results = await runner.run(
      input('refund sent', {
        entry: entry({ checks: [{ name: 'suite-level', kind: 'regex', pattern: 'sent$' }] }),
      }),
    );
    expect(results.map((result) => [result.name, result.pass])).toEqual([
      ['run-level', true],
      ['suite-level', true],
    ]);
  });

  it("fails an entry's check that cannot compile instead of throwing", async () => {
    const runner = createCheckRunner([]);
    const results = await runner.run(
      input('x', { entry: entry({ checks: [{ name: 'bad', kind: 'regex', pattern: '(' }] }) }),
    );
    expect(results).toEqual([
      {
        name: 'bad',
        pass: false,
        score: null,
        detail: expect.stringContaining('Invalid regular expression'),
      },
    ]);
  });

  it('runs the judge calls of one response concurrently', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const judge: JudgeFunction = async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return '5';
    };
    const runner = createCheckRunner(
      [
        { name: 'j1', kind: 'judge', target: 'j', rubric: 'a', threshold: 0.5 },
        { name: 'j2', kind: 'judge', target: 'j', rubric: 'b', threshold: 0.5 },
      ],
      { judge },
    );
    const results = await runner.run(input('x'));
    expect(results.map((result) => result.name)).toEqual(['j1', 'j2']);
    expect(maxInFlight).toBe(2);
  });
});
