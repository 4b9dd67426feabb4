import { describe, expect, it } from 'vitest';
import { loadFixture } from '../fixture-upstream.case.js';
import type { AnthropicMessage } from './anthropic-wire-types.js';
import { translateResponse, translateStopReason, translateUsage } from './translate-response.js';

describe('translateStopReason', () => {
  const cases: Array<[string | null, string]> = [
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    [null, 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
  ];
  for (const [reason, finish] of cases) {
    it(`maps ${reason} to ${finish}`, () => {
      expect(translateStopReason(reason)).toBe(finish);
    });
  }
});

describe('translateUsage', () => {
  it('counts cache creation and cache reads as prompt tokens', () => {
    expect(
      translateUsage({
        input_tokens: 10,
        cache_creation_input_tokens: 100,
        cache_read_input_tokens: 1000,
        output_tokens: 5,
      }),
    ).toEqual({ prompt_tokens: 1110, completion_tokens: 5, total_tokens: 1115 });
  });

  it('treats missing and null counts as zero', () => {
    expect(translateUsage({ input_tokens: 3, cache_read_input_tokens: null })).toEqual({
      prompt_tokens: 3,
      completion_tokens: 0,
      total_tokens: 3,
    });
  });
});

describe('translateResponse', () => {
  it('translates a text answer', () => {
    const message = JSON.parse(loadFixture('anthropic-message-text').body) as AnthropicMessage;
    const completion = translateResponse(message, 'fallback');
    expect(completion).toMatchObject({
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      object: 'chat.completion',
      model: 'claude-sonnet-4-5-20250929',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Paris is the capital of France.' },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 18, completion_tokens: 10, total_tokens: 28 },
    });
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
  });

  it('translates tool_use blocks into tool_calls with JSON string arguments', () => {
    const message = JSON.parse(loadFixture('anthropic-message-tool-use').body) as AnthropicMessage;
    const choice = translateResponse(message, 'fallback').choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBe("I'll check the current weather in Paris.");
    expect(choice?.message.tool_calls).toEqual([
      {
        id: 'toolu_01A09q90qw90lq917835lq9',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
      },
    ]);
  });

  it('gives null content when the answer is only tool calls, and skips thinking blocks', () => {
    const completion = translateResponse(
      {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 'sig' },
          { type: 'tool_use', id: 'toolu_1', name: 'now', input: {} },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 1, output_tokens: 1 },
      },
      'fallback',
    );
    expect(completion.choices[0]?.message.content).toBeNull();
    expect(completion.choices[0]?.message.tool_calls?.[0]?.function.arguments).toBe('{}');
  });
});
