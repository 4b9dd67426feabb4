import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk } from '../core/chat-types.js';
import { completionChunks } from '../limits/index.js';
import { assembleCompletion } from './verified-stream.js';

function chunk(
  choices: ChatCompletionChunk['choices'],
  extra: Partial<ChatCompletionChunk> = {},
): ChatCompletionChunk {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 7,
    model: 'upstream-model',
    choices,
    ...extra,
  };
}

describe('assembleCompletion', () => {
  it('joins content deltas and keeps the finish reason and usage', () => {
    const completion = assembleCompletion([
      chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { content: 'Hel' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { content: 'lo.' }, finish_reason: null }]),
      chunk([{ index: 0, delta: {}, finish_reason: 'length' }]),
      chunk([], { usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }),
    ]);
    expect(completion).toMatchObject({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 7,
      model: 'upstream-model',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Hello.' }, finish_reason: 'length' },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
  });

  it('rebuilds tool calls from fragments keyed by index', () => {
    const completion = assembleCompletion([
      chunk([
        {
          index: 0,
          delta: {
            role: 'assistant',
            tool_calls: [
              {
                index: 0,
                id: 'call_a',
                type: 'function',
                function: { name: 'get', arguments: '' },
              },
            ],
          },
          finish_reason: null,
        },
      ]),
      chunk([
        {
          index: 0,
          delta: { tool_calls: [{ index: 0, function: { arguments: '{"id":' } }] },
          finish_reason: null,
        },
      ]),
      chunk([
        {
          index: 0,
          delta: {
            tool_calls: [
              {
                index: 1,
                id: 'call_b',
                type: 'function',
                function: { name: 'put', arguments: '{}' },
              },
              { index: 0, function: { arguments: '42}' } },
            ],
          },
          finish_reason: null,
        },
      ]),
      chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
    ]);
    const message = completion.choices[0]?.message;
    expect(message?.content).toBeNull();
    expect(message?.tool_calls).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'get', arguments: '{"id":42}' } },
      { id: 'call_b', type: 'function', function: { name: 'put', arguments: '{}' } },
    ]);
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('gives an empty answer for a stream without choices rather than nothing', () => {
    const completion = assembleCompletion([]);
    expect(completion.choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: '' },
        finish_reason: 'stop',
        logprobs: null,
      },
    ]);
  });

  it('round-trips through the replayed chunks', () => {
    const original = assembleCompletion([
      chunk([{ index: 0, delta: { role: 'assistant', content: 'a' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { content: 'b' }, finish_reason: 'stop' }]),
      chunk([], { usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }),
    ]);
    const replayed = completionChunks(original, { includeUsage: true });
    expect(assembleCompletion(replayed)).toEqual(original);
  });
});
