import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../core/chat-types.js';
import { countMessageTokens, REPLY_PRIMING_TOKENS } from './classify/token-counter.js';
import { fitContext, SUMMARY_PREFIX } from './context-fit.js';

/** A message of about `words` tokens (" word" is one token each). */
function text(label: string, words: number): string {
  return `${label}:${' word'.repeat(words)}`;
}

function tokensOf(messages: ChatMessage[]): number {
  return (
    messages.reduce((sum, message) => sum + countMessageTokens(message), 0) + REPLY_PRIMING_TOKENS
  );
}

const conversation: ChatMessage[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: text('u1', 200) },
  { role: 'assistant', content: text('a1', 200) },
  { role: 'user', content: text('u2', 200) },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'call-1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } },
    ],
  },
  { role: 'tool', tool_call_id: 'call-1', content: text('t2', 200) },
  { role: 'assistant', content: text('a2', 50) },
  { role: 'user', content: text('u3', 50) },
  { role: 'assistant', content: text('a3', 50) },
  { role: 'user', content: text('u4', 20) },
];

const labels = (messages: ChatMessage[]) =>
  messages.map((message) =>
    typeof message.content === 'string'
      ? (message.content.split(':')[0] ?? '')
      : `${message.role}-call`,
  );

describe('fitContext', () => {
  it('leaves a conversation that fits untouched', async () => {
    const result = await fitContext(conversation, {
      windowTokens: 100_000,
      reserveOutputTokens: 1024,
      keepLastTurns: 2,
      strategy: 'drop_oldest',
    });
    expect(result).toEqual({
      messages: conversation,
      droppedTurns: 0,
      summarized: false,
      note: null,
    });
  });

  it('drops the oldest turns until it fits, keeping system messages', async () => {
    const window = tokensOf(conversation) - 100 + 500;
    const result = await fitContext(conversation, {
      windowTokens: window,
      reserveOutputTokens: 500,
      keepLastTurns: 2,
      strategy: 'drop_oldest',
    });
    expect(labels(result.messages)).toEqual([
      'You are terse.',
      'u2',
      'assistant-call',
      't2',
      'a2',
      'u3',
      'a3',
      'u4',
    ]);
    expect(result.droppedTurns).toBe(1);
    expect(tokensOf(result.messages)).toBeLessThanOrEqual(window - 500);
    expect(result.note).toMatch(/^dropped 1 oldest turn \(\d+ tokens\) to fit/);
  });

  it('drops a tool call together with its results', async () => {
    const result = await fitContext(conversation, {
      windowTokens: tokensOf(conversation) - 500,
      reserveOutputTokens: 0,
      keepLastTurns: 2,
      strategy: 'drop_oldest',
    });
    expect(labels(result.messages)).toEqual(['You are terse.', 'u3', 'a3', 'u4']);
    expect(result.droppedTurns).toBe(2);
  });

  it('never drops the last turns it was told to keep, and returns what is left when that is too long', async () => {
    const result = await fitContext(conversation, {
      windowTokens: 100,
      reserveOutputTokens: 0,
      keepLastTurns: 2,
      strategy: 'drop_oldest',
    });
    expect(labels(result.messages)).toEqual(['You are terse.', 'u3', 'a3', 'u4']);
    expect(result.note).toMatch(/still \d+ tokens over/);
  });

  it('keeps the last turn even when keepLastTurns is 0', async () => {
    const result = await fitContext(conversation, {
      windowTokens: 10,
      reserveOutputTokens: 0,
      keepLastTurns: 0,
      strategy: 'drop_oldest',
    });
    expect(labels(result.messages)).toEqual(['You are terse.', 'u4']);
  });

  it('replaces dropped turns with one summary system message', async () => {
    let summarizedLabels: string[] = [];
    const result = await fitContext(conversation, {
      windowTokens: tokensOf(conversation) - 100,
      reserveOutputTokens: 0,
      keepLastTurns: 2,
      strategy: 'summarize',
      summarize: async (dropped) => {
        summarizedLabels = labels(dropped);
        return 'The user asked about words.';
      },
    });
    expect(summarizedLabels).toEqual(['u1', 'a1']);
    expect(result.summarized).toBe(true);
    expect(result.droppedTurns).toBe(1);
    expect(result.messages[0]).toEqual(conversation[0]);
    expect(result.messages[1]).toEqual({
      role: 'system',
      content: `${SUMMARY_PREFIX}The user asked about words.`,
    });
    expect(labels(result.messages.slice(2))).toEqual([
      'u2',
      'assistant-call',
      't2',
      'a2',
      'u3',
      'a3',
      'u4',
    ]);
    expect(result.note).toMatch(/^summarized 1 oldest turn/);
  });

  it('drops one more turn and summarizes again when the first summary does not fit', async () => {
    const calls: number[] = [];
    const result = await fitContext(conversation, {
      windowTokens: tokensOf(conversation) - 390,
      reserveOutputTokens: 0,
      keepLastTurns: 2,
      strategy: 'summarize',
      summarize: async (dropped) => {
        calls.push(dropped.length);
        return ' word'.repeat(30);
      },
    });
    expect(calls).toEqual([2, 6]);
    expect(result.summarized).toBe(true);
    expect(result.droppedTurns).toBe(2);
  });

  it('falls back to dropping when the summarizer fails', async () => {
    const result = await fitContext(conversation, {
      windowTokens: tokensOf(conversation) - 100,
      reserveOutputTokens: 0,
      keepLastTurns: 2,
      strategy: 'summarize',
      summarize: async () => {
        throw new Error('summarizer down');
      },
    });
    expect(result.summarized).toBe(false);
    expect(result.droppedTurns).toBe(1);
    expect(labels(result.messages)[1]).toBe('u2');
    expect(result.note).toMatch(/summarizer failed: summarizer down$/);
  });
});
