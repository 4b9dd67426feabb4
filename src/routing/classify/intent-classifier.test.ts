import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatRequest } from '../../core/chat-types.js';
import type { ClassifierConfig } from '../policy/policy-types.js';
import { createIntentClassifier } from './intent-classifier.js';

const config: ClassifierConfig = {
  target: 'small',
  labels: ['code', 'summarize_long_doc', 'general'],
  timeoutMs: 300,
  cacheSize: 2,
};

function chat(text: string): ChatRequest {
  return { model: 'auto', messages: [{ role: 'user', content: text }] };
}

describe('createIntentClassifier', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks at temperature 0 with every label listed and returns the label', async () => {
    const seen: ChatRequest[] = [];
    const classifier = createIntentClassifier(config, async (request) => {
      seen.push(request);
      return 'code';
    });
    await expect(classifier.classify(chat('def main(): pass'))).resolves.toBe('code');
    expect(seen[0]?.temperature).toBe(0);
    expect(seen[0]?.model).toBe('small');
    const prompt = String(seen[0]?.messages[0]?.content);
    for (const label of config.labels) expect(prompt).toContain(`- ${label}`);
    expect(seen[0]?.messages[1]).toEqual({ role: 'user', content: 'def main(): pass' });
  });

  it('tolerates case, quotes and punctuation around the label', async () => {
    const classifier = createIntentClassifier(config, async () => '"Summarize_Long_Doc".');
    await expect(classifier.classify(chat('x'))).resolves.toBe('summarize_long_doc');
  });

  it('returns null for an answer that is not a label, and does not cache it', async () => {
    let calls = 0;
    const classifier = createIntentClassifier(config, async () => {
      calls++;
      return 'poetry';
    });
    await expect(classifier.classify(chat('a sonnet please'))).resolves.toBeNull();
    await expect(classifier.classify(chat('a sonnet please'))).resolves.toBeNull();
    expect(calls).toBe(2);
  });

  it('caches by the last user turn', async () => {
    let calls = 0;
    const classifier = createIntentClassifier(config, async () => {
      calls++;
      return 'general';
    });
    await classifier.classify(chat('hello'));
    await classifier.classify({
      model: 'other',
      messages: [
        { role: 'system', content: 'different system prompt' },
        { role: 'user', content: 'hello' },
      ],
    });
    expect(calls).toBe(1);
    await classifier.classify(chat('hello again'));
    expect(calls).toBe(2);
  });

  it('evicts the least recently used entry beyond cacheSize', async () => {
    const asked: string[] = [];
    const classifier = createIntentClassifier(config, async (request) => {
      asked.push(String(request.messages[1]?.content));
      return 'general';
    });
    await classifier.classify(chat('a'));
    await classifier.classify(chat('b'));
    await classifier.classify(chat('a'));
    await classifier.classify(chat('c'));
    await classifier.classify(chat('a'));
    await classifier.classify(chat('b'));
    expect(asked).toEqual(['a', 'b', 'c', 'b']);
  });

  it('shares one call between concurrent requests with the same turn', async () => {
    let calls = 0;
    const classifier = createIntentClassifier(config, async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return 'code';
    });
    const both = Promise.all([
      classifier.classify(chat('same')),
      classifier.classify(chat('same')),
    ]);
    await vi.advanceTimersByTimeAsync(50);
    await expect(both).resolves.toEqual(['code', 'code']);
    expect(calls).toBe(1);
  });

  it('gives up after timeoutMs, aborts the call and returns null', async () => {
    let signal: AbortSignal | null = null;
    const classifier = createIntentClassifier(config, (_request, callSignal) => {
      signal = callSignal;
      return new Promise<string>(() => {});
    });
    let result: string | null | undefined;
    const pending = classifier.classify(chat('slow')).then((value) => {
      result = value;
    });
    await vi.advanceTimersByTimeAsync(299);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(result).toBeNull();
    expect((signal as AbortSignal | null)?.aborted).toBe(true);
  });

  it('returns null when the call fails', async () => {
    const classifier = createIntentClassifier(config, async () => {
      throw new Error('upstream down');
    });
    await expect(classifier.classify(chat('x'))).resolves.toBeNull();
  });

  it('does not ask about a request with no user text', async () => {
    let calls = 0;
    const classifier = createIntentClassifier(config, async () => {
      calls++;
      return 'code';
    });
    await expect(
      classifier.classify({ model: 'auto', messages: [{ role: 'system', content: 'x' }] }),
    ).resolves.toBeNull();
    expect(calls).toBe(0);
  });
});
