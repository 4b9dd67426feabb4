import { afterEach, describe, expect, it } from 'vitest';
import type { ChatCompletion, FinishReason } from '../core/chat-types.js';
import { createMemoryState, type MemoryState, type SharedState } from '../state/index.js';
import { createResponseCache, isCacheableCompletion } from './response-cache.js';
import { staticFallbackCompletion } from './static-fallback.js';

const states: MemoryState[] = [];

afterEach(async () => {
  await Promise.all(states.splice(0).map((state) => state.close()));
});

function completion(text: string, finishReason: FinishReason = 'stop'): ChatCompletion {
  return {
    id: `chatcmpl-${text}`,
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'small',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text },
        finish_reason: finishReason,
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
  };
}

function createClock() {
  const clock = { time: 1_000_000 };
  return { clock, now: () => clock.time };
}

function memoryState(now: () => number): MemoryState {
  const state = createMemoryState({ now });
  states.push(state);
  return state;
}

describe('createResponseCache', () => {
  it('keys requests by route and content', () => {
    const cache = createResponseCache({ ttlMs: 1_000, maxEntries: 10 });
    const request = { model: 'auto', messages: [{ role: 'user' as const, content: 'hi' }] };
    expect(cache.key(request, 'chat')).toBe(cache.key({ ...request, user: 'bob' }, 'chat'));
    expect(cache.key(request, 'chat')).not.toBe(cache.key(request, 'code'));
  });

  it('serves a stored answer with its storedAt until the TTL passes', async () => {
    const { clock, now } = createClock();
    const cache = createResponseCache({ ttlMs: 60_000, maxEntries: 10, now });
    expect(await cache.get('k')).toBeNull();
    await cache.set('k', completion('hello'));
    clock.time += 59_999;
    expect(await cache.get('k')).toEqual({ completion: completion('hello'), storedAt: 1_000_000 });
    clock.time += 1;
    expect(await cache.get('k')).toBeNull();
    expect(cache.stats()).toMatchObject({ entries: 0, hits: 1, misses: 2, sets: 1 });
  });

  it('keeps at most maxEntries, evicting the least recently used', async () => {
    const cache = createResponseCache({ ttlMs: 60_000, maxEntries: 2 });
    await cache.set('a', completion('a'));
    await cache.set('b', completion('b'));
    expect(await cache.get('a')).not.toBeNull();
    await cache.set('c', completion('c'));
    expect(await cache.get('b')).toBeNull();
    expect((await cache.get('a'))?.completion.id).toBe('chatcmpl-a');
    expect((await cache.get('c'))?.completion.id).toBe('chatcmpl-c');
    expect(cache.stats()).toMatchObject({ entries: 2, maxEntries: 2, evictions: 1 });
  });

  it('replaces an entry stored again under the same key', async () => {
    const cache = createResponseCache({ ttlMs: 60_000, maxEntries: 2 });
    await cache.set('a', completion('old'));
    await cache.set('a', completion('new'));
    expect((await cache.get('a'))?.completion.id).toBe('chatcmpl-new');
    expect(cache.stats().entries).toBe(1);
  });

  it('shares answers between two caches (replicas) backed by one state', async () => {
    const { now } = createClock();
    const state = memoryState(now);
    const first = createResponseCache({ ttlMs: 60_000, maxEntries: 10, state, now });
    const second = createResponseCache({ ttlMs: 60_000, maxEntries: 10, state, now });
    await first.set('k', completion('shared'));
    expect(await second.get('k')).toEqual({
      completion: completion('shared'),
      storedAt: 1_000_000,
    });
    expect(second.stats()).toMatchObject({ entries: 1, hits: 1 });
  });

  it('expires shared answers after the TTL in every replica', async () => {
    const { clock, now } = createClock();
    const state = memoryState(now);
    const first = createResponseCache({ ttlMs: 60_000, maxEntries: 10, state, now });
    const second = createResponseCache({ ttlMs: 60_000, maxEntries: 10, state, now });
    await first.set('k', completion('shared'));
    clock.time += 30_000;
    expect(await second.get('k')).not.toBeNull();
    clock.time += 30_000;
    expect(await first.get('k')).toBeNull();
    expect(await second.get('k')).toBeNull();
  });

  it('ignores a shared entry older than its own TTL, even if the store still holds it', async () => {
    const { clock, now } = createClock();
    const state = memoryState(now);
    const longLived = createResponseCache({ ttlMs: 600_000, maxEntries: 10, state, now });
    const strict = createResponseCache({ ttlMs: 10_000, maxEntries: 10, state, now });
    await longLived.set('k', completion('old'));
    clock.time += 20_000;
    expect(await strict.get('k')).toBeNull();
    expect(await longLived.get('k')).not.toBeNull();
  });

  it('treats an unreadable shared entry as a miss', async () => {
    const { now } = createClock();
    const state = memoryState(now);
    const cache = createResponseCache({ ttlMs: 60_000, maxEntries: 10, state, now });
    for (const junk of ['not json', '{"storedAt":"yesterday"}', '{"storedAt":1,"completion":{}}']) {
      await state.set('cache:k', junk);
      expect(await cache.get('k')).toBeNull();
    }
  });

  it('keeps answering from memory when the shared state fails, and counts the failures', async () => {
    const failing: SharedState = {
      ...memoryState(Date.now),
      get: () => Promise.reject(new Error('connection refused')),
      set: () => Promise.reject(new Error('connection refused')),
    };
    const cache = createResponseCache({ ttlMs: 60_000, maxEntries: 10, state: failing });
    await cache.set('k', completion('local'));
    expect((await cache.get('k'))?.completion.id).toBe('chatcmpl-local');
    expect(await cache.get('other')).toBeNull();
    expect(cache.stats().stateErrors).toBe(2);
  });

  it.each([
    [{ ttlMs: 0, maxEntries: 1 }, 'ttlMs'],
    [{ ttlMs: 1, maxEntries: 0 }, 'maxEntries'],
  ])('refuses the options %o', (options, message) => {
    expect(() => createResponseCache(options)).toThrow(message);
  });
});

describe('isCacheableCompletion', () => {
  it.each<[string, ChatCompletion, boolean]>([
    ['a finished answer', completion('ok', 'stop'), true],
    ['a tool call', completion('ok', 'tool_calls'), true],
    ['an answer cut at max_tokens', completion('ok', 'length'), false],
    ['a filtered answer', completion('ok', 'content_filter'), false],
    ['an answer with no choices', { ...completion('ok'), choices: [] }, false],
    ['a static fallback', staticFallbackCompletion('Try again later.'), false],
  ])('%s: %s', (_, answer, expected) => {
    expect(isCacheableCompletion(answer)).toBe(expected);
  });
});
