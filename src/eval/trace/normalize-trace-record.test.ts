import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../telemetry/request-record.js';
import { toTraceLine } from '../../telemetry/trace-export.js';
import { normalizeTraceRecord } from './normalize-trace-record.js';

function exportedRecord(overrides: Partial<RequestRecord> = {}): unknown {
  const record: RequestRecord = {
    id: 'req_0001',
    ts: Date.UTC(2025, 0, 15, 12),
    userId: 'user-1',
    sessionId: 'session-1',
    tenant: 'acme',
    route: 'chat',
    rule: 'default',
    intent: 'chit_chat',
    tags: ['light'],
    stream: false,
    tokensIn: 12,
    tokensOut: 3,
    usageSource: 'upstream',
    servedTarget: 'small-precise',
    attempts: [],
    status: 200,
    errorCode: null,
    finishReason: 'stop',
    latencyMs: 118,
    ttftMs: 66,
    overheadMs: 3,
    costUsd: 0.0003,
    responseSha256: null,
    canary: false,
    shadow: false,
    contextFit: null,
    request: { model: 'auto', messages: [{ role: 'user', content: 'Mail me at [EMAIL]' }] },
    responseText: 'Hello!',
    ...overrides,
  };
  // Through JSON, as a line of the exported file would be.
  return JSON.parse(JSON.stringify(toTraceLine(record)));
}

describe('normalizeTraceRecord', () => {
  it('reads an exported request record', () => {
    expect(normalizeTraceRecord(exportedRecord(), 7)).toEqual({
      id: 'req_0001',
      line: 7,
      ts: Date.UTC(2025, 0, 15, 12),
      sessionId: 'session-1',
      userId: 'user-1',
      tags: ['light'],
      intent: 'chit_chat',
      request: { model: 'auto', messages: [{ role: 'user', content: 'Mail me at [EMAIL]' }] },
      expected: null,
      context: null,
      checks: [],
    });
  });

  it('reads expected answers and checks carried by an exported record', () => {
    const line = {
      ...(exportedRecord() as object),
      expected: { answer: 'Hello', checks: [{ kind: 'contains', value: 'Hello' }] },
      context: ['Passage one.', { text: 'Passage two.' }],
    };
    const entry = normalizeTraceRecord(line, 1);
    expect(entry.expected).toBe('Hello');
    expect(entry.checks).toEqual([{ name: 'contains', kind: 'contains', value: 'Hello' }]);
    expect(entry.context).toBe('Passage one.\n\nPassage two.');
  });

  it('refuses a record exported without request bodies, saying how to fix it', () => {
    expect(() => normalizeTraceRecord(exportedRecord({ request: null }), 1)).toThrow(
      /log\.capture_bodies/,
    );
  });

  it('reads a plain OpenAI request and takes the entry fields off it', () => {
    const entry = normalizeTraceRecord(
      {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hi' }],
        temperature: 0.2,
        user: 'u-9',
        metadata: { intent: 'greeting' },
        timestamp: 1736942400,
        session_id: 's-1',
        tags: 'faq; greeting ;',
        expected: 'Hello',
        context: 'Greeting policy.',
        checks: [{ kind: 'regex', pattern: '^H' }],
        id: 'case-1',
      },
      3,
    );
    expect(entry).toEqual({
      id: 'case-1',
      line: 3,
      ts: 1736942400000,
      sessionId: 's-1',
      userId: 'u-9',
      tags: ['faq', 'greeting'],
      intent: 'greeting',
      request: {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hi' }],
        temperature: 0.2,
        user: 'u-9',
        metadata: { intent: 'greeting' },
      },
      expected: 'Hello',
      context: 'Greeting policy.',
      checks: [{ name: 'regex', kind: 'regex', pattern: '^H' }],
    });
  });

  it('reads the prompt shorthand, with an optional system prompt', () => {
    const entry = normalizeTraceRecord(
      { prompt: 'What is 2+2?', system: 'Be brief.', max_tokens: 5 },
      2,
    );
    expect(entry.id).toBe('line-2');
    expect(entry.request).toEqual({
      model: 'auto',
      max_tokens: 5,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'What is 2+2?' },
      ],
    });
  });

  it('prefers an explicit intent to metadata.intent', () => {
    const entry = normalizeTraceRecord(
      { intent: 'code', metadata: { intent: 'chat' }, messages: [{ role: 'user', content: 'x' }] },
      1,
    );
    expect(entry.intent).toBe('code');
  });

  it.each<[string, unknown, RegExp]>([
    ['an array', [1, 2], /expected a JSON object, got a list/],
    ['an object with nothing to replay', { foo: 1 }, /expected "messages".*"request".*"prompt"/],
    ['empty messages', { messages: [] }, /request\.messages: expected at least one message/],
    [
      'an unknown role',
      { messages: [{ role: 'bot', content: 'x' }] },
      /messages\[0\]\.role: expected one of/,
    ],
    [
      'a numeric content',
      { messages: [{ role: 'user', content: 5 }] },
      /messages\[0\]\.content: expected a string or a list/,
    ],
    [
      'an unsupported part',
      { messages: [{ role: 'user', content: [{ type: 'input_audio' }] }] },
      /messages\[0\]\.content\[0\]\.type: expected text or image_url/,
    ],
    [
      'an image part without a url',
      { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] },
      /image_url\.url/,
    ],
    [
      'a tool message without its call id',
      { messages: [{ role: 'tool', content: 'x' }] },
      /tool_call_id/,
    ],
    ['a bad timestamp', { prompt: 'x', ts: 'soon' }, /^ts: expected an ISO 8601/],
    ['bad tags', { prompt: 'x', tags: 5 }, /^tags: expected a list of strings/],
    [
      'a non-string session',
      { prompt: 'x', session_id: { a: 1 } },
      /^session_id: expected a string/,
    ],
    [
      'a bad check',
      { prompt: 'x', checks: [{ kind: 'regex', pattern: '(' }] },
      /^checks\[0\]\.pattern: /,
    ],
    ['a non-string prompt', { prompt: 5 }, /^prompt: expected a string/],
  ])('refuses %s with a reason naming the field', (_label, value, reason) => {
    expect(() => normalizeTraceRecord(value, 1)).toThrow(reason);
  });
});
