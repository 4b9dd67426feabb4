import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/chat-types.js';
import { UpstreamError } from '../../core/switchyard-error.js';
import type { AnthropicRequest } from './anthropic-wire-types.js';
import { translateRequest } from './translate-request.js';

const OPTIONS = { model: 'claude-sonnet-4-5', defaultMaxTokens: 4096, stream: false };

function request(fields: Partial<ChatRequest>): ChatRequest {
  return { model: 'ignored', messages: [{ role: 'user', content: 'Hi' }], ...fields };
}

const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Current weather.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('translateRequest', () => {
  const cases: Array<[string, ChatRequest, Partial<AnthropicRequest>]> = [
    [
      'a plain user turn, with the target model and the default max_tokens',
      request({}),
      {
        model: 'claude-sonnet-4-5',
        max_tokens: 4096,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      },
    ],
    [
      'system and developer turns into `system`, wherever they are',
      request({
        messages: [
          { role: 'system', content: 'Be terse.' },
          { role: 'user', content: 'Hi' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        ],
      }),
      {
        system: 'Be terse.\n\nAnswer in French.',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
      },
    ],
    [
      'image parts: data URLs as base64, http URLs as url sources',
      request({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              {
                type: 'image_url',
                image_url: { url: 'https://example.com/cat.jpg', detail: 'high' },
              },
            ],
          },
        ],
      }),
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              {
                type: 'image',
                source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' },
              },
              { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
            ],
          },
        ],
      },
    ],
    [
      'assistant tool_calls into tool_use blocks and tool turns into one merged user turn',
      request({
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
              {
                id: 'call_2',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Rome"}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
          { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '24°C' }] },
          { role: 'user', content: 'Which is warmer?' },
        ],
      }),
      {
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
          {
            role: 'assistant',
            content: [
              { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
              { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Rome' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'call_1', content: '18°C' },
              { type: 'tool_result', tool_use_id: 'call_2', content: '24°C' },
              { type: 'text', text: 'Which is warmer?' },
            ],
          },
        ],
      },
    ],
    [
      'assistant text before its tool call, and empty arguments as an empty input',
      request({
        messages: [
          { role: 'user', content: 'Time?' },
          {
            role: 'assistant',
            content: 'Checking.',
            tool_calls: [
              { id: 'call_9', type: 'function', function: { name: 'now', arguments: '' } },
            ],
          },
        ],
      }),
      {
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Time?' }] },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Checking.' },
              { type: 'tool_use', id: 'call_9', name: 'now', input: {} },
            ],
          },
        ],
      },
    ],
    [
      'consecutive same-role turns merged and empty text dropped',
      request({
        messages: [
          { role: 'user', content: 'One.' },
          { role: 'user', content: '' },
          { role: 'user', content: 'Two.' },
          { role: 'assistant', content: 'Ok.' },
          { role: 'assistant', content: 'Also.' },
        ],
      }),
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'One.' },
              { type: 'text', text: 'Two.' },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Ok.' },
              { type: 'text', text: 'Also.' },
            ],
          },
        ],
      },
    ],
    [
      'tools with input_schema and tool_choice required as any',
      request({ tools: [WEATHER_TOOL], tool_choice: 'required' }),
      {
        tools: [
          {
            name: 'get_weather',
            description: 'Current weather.',
            input_schema: {
              type: 'object',
              properties: { city: { type: 'string' } },
              required: ['city'],
            },
          },
        ],
        tool_choice: { type: 'any' },
      },
    ],
    [
      'tool_choice auto',
      request({ tools: [WEATHER_TOOL], tool_choice: 'auto' }),
      { tool_choice: { type: 'auto' } },
    ],
    [
      'tool_choice none',
      request({ tools: [WEATHER_TOOL], tool_choice: 'none' }),
      { tool_choice: { type: 'none' } },
    ],
    [
      'a named function as tool_choice tool',
      request({
        tools: [WEATHER_TOOL],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
      }),
      { tool_choice: { type: 'tool', name: 'get_weather' } },
    ],
    [
      'parallel_tool_calls false as disable_parallel_tool_use',
      request({ tools: [WEATHER_TOOL], parallel_tool_calls: false }),
      { tool_choice: { type: 'auto', disable_parallel_tool_use: true } },
    ],
    [
      'a tool without parameters gets an empty object schema',
      request({ tools: [{ type: 'function', function: { name: 'now' } }] }),
      { tools: [{ name: 'now', input_schema: { type: 'object', properties: {} } }] },
    ],
    ['max_tokens', request({ max_tokens: 300 }), { max_tokens: 300 }],
    [
      'max_completion_tokens over max_tokens',
      request({ max_tokens: 300, max_completion_tokens: 200 }),
      { max_tokens: 200 },
    ],
    [
      'temperature and top_p',
      request({ temperature: 0.2, top_p: 0.9 }),
      { temperature: 0.2, top_p: 0.9 },
    ],
    ['temperature clamped to Anthropic range', request({ temperature: 1.7 }), { temperature: 1 }],
    ['stop string as stop_sequences', request({ stop: 'END' }), { stop_sequences: ['END'] }],
    ['stop array as stop_sequences', request({ stop: ['A', 'B'] }), { stop_sequences: ['A', 'B'] }],
    [
      'user as metadata.user_id',
      request({ user: 'user-42' }),
      { metadata: { user_id: 'user-42' } },
    ],
  ];

  for (const [name, input, expected] of cases) {
    it(`translates ${name}`, () => {
      expect(translateRequest(input, OPTIONS)).toMatchObject(expected);
    });
  }

  it('leaves out OpenAI-only fields and sets stream only when streaming', () => {
    const translated = translateRequest(
      request({ n: 2, seed: 7, response_format: { type: 'json_object' }, tool_choice: 'required' }),
      { ...OPTIONS, stream: true },
    );
    expect(Object.keys(translated).sort()).toEqual(['max_tokens', 'messages', 'model', 'stream']);
    expect(translated.stream).toBe(true);
    expect(translateRequest(request({}), OPTIONS).stream).toBeUndefined();
  });

  const rejected: Array<[string, ChatRequest]> = [
    [
      'a non-base64 data URL',
      request({
        messages: [
          {
            role: 'user',
            content: [{ type: 'image_url', image_url: { url: 'data:image/png,abc' } }],
          },
        ],
      }),
    ],
    [
      'an image URL that is neither data: nor http(s)',
      request({
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] },
        ],
      }),
    ],
    [
      'tool call arguments that are not JSON',
      request({
        messages: [
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } },
            ],
          },
        ],
      }),
    ],
    [
      'tool call arguments that are not an object',
      request({
        messages: [
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1]' } }],
          },
        ],
      }),
    ],
  ];
  for (const [name, input] of rejected) {
    it(`rejects ${name} as bad_request`, () => {
      let caught: unknown;
      try {
        translateRequest(input, OPTIONS);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(UpstreamError);
      expect((caught as UpstreamError).errorClass).toBe('bad_request');
      expect((caught as UpstreamError).isRetryable).toBe(false);
    });
  }
});
