import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import { describe, expect, it } from 'vitest';
import type { ChatCompletion, ChatCompletionChunk } from '../core/chat-types.js';
import { completionChunks } from './completion-chunks.js';
import {
  isStaticFallback,
  STATIC_FALLBACK_FINGERPRINT,
  STATIC_FALLBACK_MODEL,
  staticFallbackChunks,
  staticFallbackCompletion,
} from './static-fallback.js';

const MESSAGE = 'The assistant is busy right now. Please try again in a minute.';
const PINNED = { id: 'chatcmpl-fallback-1', now: () => 1_700_000_000_999 };

/** Accumulate chunks the way the official OpenAI SDK does for a streaming client. */
async function sdkAccumulate(chunks: ChatCompletionChunk[]) {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(`${JSON.stringify(chunk)}\n`));
      controller.close();
    },
  });
  return ChatCompletionStream.fromReadableStream(body).finalChatCompletion();
}

describe('staticFallbackCompletion', () => {
  it('builds a complete, clearly marked answer carrying the message', () => {
    expect(staticFallbackCompletion(MESSAGE, PINNED)).toEqual({
      id: 'chatcmpl-fallback-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: STATIC_FALLBACK_MODEL,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: MESSAGE, refusal: null },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
      system_fingerprint: STATIC_FALLBACK_FINGERPRINT,
    });
    expect(STATIC_FALLBACK_MODEL).toBe('switchyard-fallback');
    expect(STATIC_FALLBACK_FINGERPRINT).toBe('switchyard-static-fallback');
  });

  it('gives every answer its own id unless one is given', () => {
    const first = staticFallbackCompletion(MESSAGE);
    const second = staticFallbackCompletion(MESSAGE);
    expect(first.id).toMatch(/^chatcmpl-fallback-[0-9a-f]{32}$/);
    expect(second.id).not.toBe(first.id);
  });

  it('is recognised as a static fallback, and an upstream answer is not', () => {
    expect(isStaticFallback(staticFallbackCompletion(MESSAGE))).toBe(true);
    expect(isStaticFallback({ system_fingerprint: 'fp_123' })).toBe(false);
    expect(isStaticFallback({})).toBe(false);
  });
});

describe('staticFallbackChunks', () => {
  it('streams a role chunk, the message and a finish chunk with the same marks', () => {
    const chunks = staticFallbackChunks(MESSAGE, PINNED);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: MESSAGE },
      {},
    ]);
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason)).toEqual([null, null, 'stop']);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({
        id: 'chatcmpl-fallback-1',
        object: 'chat.completion.chunk',
        created: 1_700_000_000,
        model: STATIC_FALLBACK_MODEL,
        system_fingerprint: STATIC_FALLBACK_FINGERPRINT,
      });
      expect(chunk).not.toHaveProperty('usage');
    }
  });

  it('adds usage: null to each chunk and a final usage chunk when usage is asked for', () => {
    const chunks = staticFallbackChunks(MESSAGE, { ...PINNED, includeUsage: true });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    });
  });

  it('reassembles in the OpenAI SDK into the same answer as the completion', async () => {
    const assembled = await sdkAccumulate(staticFallbackChunks(MESSAGE, PINNED));
    expect(assembled.choices[0]?.message.content).toBe(MESSAGE);
    expect(assembled.choices[0]?.finish_reason).toBe('stop');
    expect(assembled.model).toBe(STATIC_FALLBACK_MODEL);
  });
});

describe('completionChunks', () => {
  const toolAnswer: ChatCompletion = {
    id: 'chatcmpl-cached',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'small',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'lookup', arguments: '{"q":"a"}' },
            },
            {
              id: 'call_2',
              type: 'function',
              function: { name: 'lookup', arguments: '{"q":"b"}' },
            },
          ],
        },
        finish_reason: 'tool_calls',
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
    system_fingerprint: 'fp_abc',
  };

  it('streams a cached tool-call answer that the OpenAI SDK reassembles unchanged', async () => {
    const chunks = completionChunks(toolAnswer, { includeUsage: true });
    const assembled = await sdkAccumulate(chunks);
    expect(assembled.choices[0]?.message.tool_calls).toEqual(
      toolAnswer.choices[0]?.message.tool_calls,
    );
    expect(assembled.choices[0]?.finish_reason).toBe('tool_calls');
    expect(assembled.usage).toEqual(toolAnswer.usage);
    expect(assembled.system_fingerprint).toBe('fp_abc');
  });

  it('streams every choice of a multi-choice answer under its own index', async () => {
    const twoChoices: ChatCompletion = {
      ...toolAnswer,
      choices: [
        { index: 0, message: { role: 'assistant', content: 'one' }, finish_reason: 'stop' },
        { index: 1, message: { role: 'assistant', content: 'two' }, finish_reason: 'length' },
      ],
    };
    const assembled = await sdkAccumulate(completionChunks(twoChoices));
    expect(
      assembled.choices.map((choice) => [
        choice.index,
        choice.message.content,
        choice.finish_reason,
      ]),
    ).toEqual([
      [0, 'one', 'stop'],
      [1, 'two', 'length'],
    ]);
  });
});
