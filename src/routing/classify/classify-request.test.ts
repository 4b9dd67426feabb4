import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/chat-types.js';
import { parsePolicyText } from '../policy/load-policy.js';
import { classifyRequest, findExplicitIntent } from './classify-request.js';
import { countPromptTokens } from './token-counter.js';

const policy = parsePolicyText(
  `targets:
  small: { provider: sim, sim: {} }
classification:
  default_intent: general
  intents:
    - intent: summarize_long_doc
      keywords: [Summarize]
      patterns: ["\\\\btl;?dr\\\\b"]
    - intent: code
      patterns: ["\\\\bdef \\\\w+\\\\("]
  tags:
    - tag: heavy
      when:
        any:
          - min_prompt_tokens: 1025
          - intent: [summarize_long_doc]
      else: light
    - tag: vip-heavy
      when: { all: [{ tags: [heavy] }, { tenant: [acme] }] }
`,
  '<inline>',
  {},
);
const config = policy.classification;

function chat(text: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'auto', messages: [{ role: 'user', content: text }], ...extra };
}

/** A one-message request whose counted prompt is exactly `tokens` long. */
function requestWithPromptTokens(tokens: number): ChatRequest {
  const empty = countPromptTokens(chat(''));
  // " hello" is one token each in o200k; the leading "hello" too.
  const request = chat(`hello${' hello'.repeat(tokens - empty - 1)}`);
  expect(countPromptTokens(request)).toBe(tokens);
  return request;
}

describe('classifyRequest tags (the seed tagger)', () => {
  it('tags a 1024-token prompt light', () => {
    const classification = classifyRequest(requestWithPromptTokens(1024), {}, config);
    expect(classification.promptTokens).toBe(1024);
    expect(classification.tags).toEqual(['light']);
  });

  it('tags a 1025-token prompt heavy', () => {
    expect(classifyRequest(requestWithPromptTokens(1025), {}, config).tags).toEqual(['heavy']);
  });

  it('tags a short summarize_long_doc request heavy', () => {
    const classification = classifyRequest(chat('please summarize this memo'), {}, config);
    expect(classification.intent).toBe('summarize_long_doc');
    expect(classification.tags).toEqual(['heavy']);
  });

  it('lets a tag rule test tags set by earlier tag rules', () => {
    const classification = classifyRequest(
      chat('tl;dr please'),
      { 'x-switchyard-tenant': 'acme' },
      config,
    );
    expect(classification.tags).toEqual(['heavy', 'vip-heavy']);
  });
});

describe('classifyRequest intent precedence', () => {
  const text = 'summarize: def main(): pass';
  const cases: Array<{
    name: string;
    request: ChatRequest;
    headers: Record<string, string>;
    classifierIntent: string | null;
    intent: string;
    source: string;
  }> = [
    {
      name: 'the body field beats everything',
      request: chat(text, { metadata: { intent: 'billing' } }),
      headers: { 'x-switchyard-intent': 'support' },
      classifierIntent: 'code',
      intent: 'billing',
      source: 'field',
    },
    {
      name: 'the header beats the classifier and rules',
      request: chat(text),
      headers: { 'x-switchyard-intent': 'support' },
      classifierIntent: 'code',
      intent: 'support',
      source: 'header',
    },
    {
      name: 'the classifier beats the rules',
      request: chat(text),
      headers: {},
      classifierIntent: 'code',
      intent: 'code',
      source: 'classifier',
    },
    {
      name: 'rules apply in order when nothing else decides',
      request: chat(text),
      headers: {},
      classifierIntent: null,
      intent: 'summarize_long_doc',
      source: 'rules',
    },
    {
      name: 'a later rule matches when earlier ones do not',
      request: chat('def main(): pass'),
      headers: {},
      classifierIntent: null,
      intent: 'code',
      source: 'rules',
    },
    {
      name: 'the default intent is last',
      request: chat('hello there'),
      headers: {},
      classifierIntent: null,
      intent: 'general',
      source: 'default',
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const classification = classifyRequest(testCase.request, testCase.headers, config, {
        classifierIntent: testCase.classifierIntent,
      });
      expect([classification.intent, classification.intentSource]).toEqual([
        testCase.intent,
        testCase.source,
      ]);
    });
  }

  it('reads intent rules from the last user turn only', () => {
    const request: ChatRequest = {
      model: 'auto',
      messages: [
        { role: 'user', content: 'summarize this' },
        { role: 'assistant', content: 'Done.' },
        { role: 'user', content: 'thanks' },
      ],
    };
    expect(classifyRequest(request, {}, config).intent).toBe('general');
  });

  it('finds an explicit intent so callers can skip the classifier', () => {
    expect(findExplicitIntent(chat('x', { metadata: { intent: 'billing' } }), {}, config)).toEqual({
      intent: 'billing',
      source: 'field',
    });
    expect(
      findExplicitIntent(chat('x'), { 'x-switchyard-intent': ['support', 'other'] }, config),
    ).toEqual({
      intent: 'support',
      source: 'header',
    });
    expect(findExplicitIntent(chat('x'), {}, config)).toBeNull();
  });
});

describe('classifyRequest identity, metadata and features', () => {
  it('prefers identity headers over the body', () => {
    const classification = classifyRequest(
      chat('hi', {
        user: 'body-user',
        metadata: { tenant: 'body-tenant', session_id: 'body-session' },
      }),
      { 'x-switchyard-tenant': 'acme', 'x-switchyard-user': 'u1', 'x-switchyard-session': 's1' },
      config,
    );
    expect([classification.tenant, classification.userId, classification.sessionId]).toEqual([
      'acme',
      'u1',
      's1',
    ]);
  });

  it('falls back to the body for identity', () => {
    const classification = classifyRequest(
      chat('hi', {
        user: 'body-user',
        metadata: { tenant: 'body-tenant', session_id: 'body-session' },
      }),
      {},
      config,
    );
    expect([classification.tenant, classification.userId, classification.sessionId]).toEqual([
      'body-tenant',
      'body-user',
      'body-session',
    ]);
    expect(classifyRequest(chat('hi'), {}, config)).toMatchObject({
      tenant: null,
      userId: null,
      sessionId: null,
    });
  });

  it('merges body metadata with x-switchyard-meta-* headers, headers winning', () => {
    const classification = classifyRequest(
      chat('hi', { metadata: { team: 'search', tier: 'free' } }),
      { 'x-switchyard-meta-tier': 'pro', 'x-switchyard-meta-region': 'eu', 'x-other': 'no' },
      config,
    );
    expect(classification.metadata).toEqual({ team: 'search', tier: 'pro', region: 'eu' });
  });

  it('detects images, tools, structured output and counts user turns', () => {
    const request: ChatRequest = {
      model: 'auto',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: 'https://example.invalid/cat.png' } },
          ],
        },
      ],
      tools: [{ type: 'function', function: { name: 'lookup' } }],
      response_format: { type: 'json_object' },
    };
    expect(classifyRequest(request, {}, config).features).toEqual({
      hasImages: true,
      hasTools: true,
      hasResponseFormat: true,
      turns: 2,
    });
    expect(
      classifyRequest(chat('hi', { response_format: { type: 'text' }, tools: [] }), {}, config)
        .features,
    ).toEqual({
      hasImages: false,
      hasTools: false,
      hasResponseFormat: false,
      turns: 1,
    });
  });
});
