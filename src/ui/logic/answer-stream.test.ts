import { describe, expect, it } from 'vitest';
import { applyEvent, applyHeaders, endAnswer, failAnswer, startAnswer } from './answer-stream.js';

const chunk = (content: string | null, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'fast',
    choices: [
      {
        index: 0,
        delta: content === null ? { role: 'assistant' } : { content },
        finish_reason: null,
      },
    ],
    ...extra,
  });

describe('answer stream accumulation', () => {
  it('measures TTFT at the first content chunk, not the role-only chunk, and latency at [DONE]', () => {
    let answer = startAnswer('auto', 1000);
    answer = applyEvent(answer, chunk(null), 1010);
    expect(answer.ttftMs).toBeNull();
    answer = applyEvent(answer, chunk('Hel'), 1040);
    answer = applyEvent(answer, chunk('lo'), 1090);
    expect(answer.status).toBe('streaming');
    expect(answer.text).toBe('Hello');
    expect(answer.ttftMs).toBe(40);
    answer = applyEvent(answer, '[DONE]', 1200);
    expect(answer.status).toBe('done');
    expect(answer.latencyMs).toBe(200);
  });

  it('takes the answering target from the chunk model and usage from the final chunk', () => {
    let answer = applyHeaders(startAnswer('chat-route', 0), {
      target: 'header-target',
      route: 'chat-route',
      simulated: true,
      requestId: 'req-1',
    });
    expect(answer.target).toBe('header-target');
    answer = applyEvent(answer, chunk('hi'), 5);
    answer = applyEvent(
      answer,
      JSON.stringify({
        id: 'c1',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'fast',
        choices: [],
        usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
      }),
      6,
    );
    expect(answer.target).toBe('fast');
    expect(answer.simulated).toBe(true);
    expect(answer.requestId).toBe('req-1');
    expect(answer.usage).toEqual({ promptTokens: 12, completionTokens: 3 });
  });

  it('fails on an in-band error event and keeps the text received before it', () => {
    let answer = startAnswer('auto', 0);
    answer = applyEvent(answer, chunk('partial'), 10);
    answer = applyEvent(
      answer,
      JSON.stringify({
        error: { message: 'upstream reset', type: 'upstream_error', code: 'upstream_reset' },
      }),
      30,
    );
    expect(answer.status).toBe('error');
    expect(answer.error).toEqual({
      message: 'upstream reset',
      code: 'upstream_reset',
      status: null,
    });
    expect(answer.text).toBe('partial');
    expect(answer.latencyMs).toBe(30);
    expect(applyEvent(answer, chunk('more'), 40).text).toBe('partial');
  });

  it('treats a stream that ends without [DONE] as truncated', () => {
    const answer = endAnswer(applyEvent(startAnswer('auto', 0), chunk('cut'), 5), 9);
    expect(answer.status).toBe('error');
    expect(answer.error?.code).toBe('stream_truncated');
    expect(endAnswer(applyEvent(startAnswer('auto', 0), '[DONE]', 5), 9).status).toBe('done');
  });

  it('fails on an event that is not JSON, and records an HTTP failure with its status', () => {
    expect(applyEvent(startAnswer('auto', 0), 'not json', 1).error?.code).toBe('bad_stream');
    const refused = failAnswer(
      startAnswer('auto', 0),
      { message: 'no such model', code: 'model_not_found', status: 404 },
      3,
    );
    expect(refused.status).toBe('error');
    expect(refused.error?.status).toBe(404);
    expect(refused.latencyMs).toBe(3);
  });
});
