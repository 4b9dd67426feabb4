import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../core/chat-types.js';
import { cacheKey } from './cache-key.js';

const BASE: ChatRequest = {
  model: 'auto',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'What is a switchyard?' },
  ],
  temperature: 0.2,
  max_tokens: 100,
};

const TOOL = {
  type: 'function' as const,
  function: {
    name: 'lookup',
    parameters: { type: 'object', properties: { q: { type: 'string' } } },
  },
};

const with_ = (changes: Partial<ChatRequest>): ChatRequest => ({ ...BASE, ...changes });

describe('cacheKey', () => {
  it('is a sha256 hex digest and the same for the same request', () => {
    expect(cacheKey(BASE, 'chat')).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheKey(structuredClone(BASE), 'chat')).toBe(cacheKey(BASE, 'chat'));
  });

  it.each<[string, ChatRequest]>([
    ['another model name for the same route', with_({ model: 'chat' })],
    ['user', with_({ user: 'alice' })],
    ['metadata', with_({ metadata: { team: 'search' } })],
    ['stream', with_({ stream: true, stream_options: { include_usage: true } })],
    [
      'whitespace around message text',
      with_({
        messages: [
          { role: 'system', content: '  Be brief.\n' },
          { role: 'user', content: '\tWhat is a switchyard?  ' },
        ],
      }),
    ],
    [
      'a string written as one text part',
      with_({
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
          { role: 'user', content: 'What is a switchyard?' },
        ],
      }),
    ],
    [
      'max_completion_tokens instead of max_tokens',
      { ...BASE, max_tokens: undefined, max_completion_tokens: 100 },
    ],
    ['an explicit null for an absent field', with_({ top_p: null, seed: null, stop: null })],
    ['field order', { max_tokens: 100, temperature: 0.2, messages: BASE.messages, model: 'auto' }],
  ])('ignores %s', (_, request) => {
    expect(cacheKey(request, 'chat')).toBe(cacheKey(BASE, 'chat'));
  });

  it('treats a stop string and a one-item stop list alike', () => {
    expect(cacheKey(with_({ stop: 'END' }), 'chat')).toBe(
      cacheKey(with_({ stop: ['END'] }), 'chat'),
    );
  });

  it('ignores the key order inside tool schemas', () => {
    const reordered = {
      type: 'function' as const,
      function: {
        parameters: { properties: { q: { type: 'string' } }, type: 'object' },
        name: 'lookup',
      },
    };
    expect(cacheKey(with_({ tools: [TOOL] }), 'chat')).toBe(
      cacheKey(with_({ tools: [reordered] }), 'chat'),
    );
  });

  it('changes with the route', () => {
    expect(cacheKey(BASE, 'code')).not.toBe(cacheKey(BASE, 'chat'));
  });

  it.each<[string, ChatRequest]>([
    [
      'message text',
      with_({
        messages: [
          BASE.messages[0] as ChatRequest['messages'][number],
          { role: 'user', content: 'What is a rail yard?' },
        ],
      }),
    ],
    [
      'a role',
      with_({
        messages: [
          { role: 'developer', content: 'Be brief.' },
          { role: 'user', content: 'What is a switchyard?' },
        ],
      }),
    ],
    ['message order', with_({ messages: [...BASE.messages].reverse() })],
    [
      'an extra turn',
      with_({ messages: [...BASE.messages, { role: 'assistant', content: 'A yard.' }] }),
    ],
    [
      'inner whitespace',
      with_({
        messages: [
          BASE.messages[0] as ChatRequest['messages'][number],
          { role: 'user', content: 'What is a  switchyard?' },
        ],
      }),
    ],
    [
      'an image',
      with_({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is a switchyard?' },
              { type: 'image_url', image_url: { url: 'https://example.com/yard.png' } },
            ],
          },
        ],
      }),
    ],
    [
      'a tool result',
      with_({
        messages: [
          ...BASE.messages,
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'lookup', arguments: '{"q":"yard"}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'a rail yard' },
        ],
      }),
    ],
    [
      'a message name',
      with_({
        messages: [
          BASE.messages[0] as ChatRequest['messages'][number],
          { role: 'user', content: 'What is a switchyard?', name: 'bob' },
        ],
      }),
    ],
    ['tools', with_({ tools: [TOOL] })],
    ['tool_choice', with_({ tool_choice: 'required' })],
    ['response_format', with_({ response_format: { type: 'json_object' } })],
    ['temperature', with_({ temperature: 0.3 })],
    ['top_p', with_({ top_p: 0.9 })],
    ['max_tokens', with_({ max_tokens: 101 })],
    ['stop', with_({ stop: ['END'] })],
    ['seed', with_({ seed: 7 })],
    ['n', with_({ n: 2 })],
    ['a field the gateway does not model', with_({ presence_penalty: 0.5 })],
  ])('changes with %s', (_, request) => {
    expect(cacheKey(request, 'chat')).not.toBe(cacheKey(BASE, 'chat'));
  });

  it('tells apart tool calls with different arguments', () => {
    const conversation = (argumentsJson: string): ChatRequest =>
      with_({
        messages: [
          ...BASE.messages,
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'lookup', arguments: argumentsJson },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'result' },
        ],
      });
    expect(cacheKey(conversation('{"q":"a"}'), 'chat')).not.toBe(
      cacheKey(conversation('{"q":"b"}'), 'chat'),
    );
  });
});
