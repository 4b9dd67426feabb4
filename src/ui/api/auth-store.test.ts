import { describe, expect, it } from 'vitest';
import { createAuthStore } from './auth-store.js';

function memoryStorage(): Storage {
  const values = new Map<string, string>();
  return {
    get length() {
      return values.size;
    },
    clear: () => values.clear(),
    getItem: (key) => values.get(key) ?? null,
    key: (index) => [...values.keys()][index] ?? null,
    removeItem: (key) => void values.delete(key),
    setItem: (key, value) => void values.set(key, value),
  };
}

describe('auth store', () => {
  it('keeps the token in session storage, trimmed, and clears the request for one', () => {
    const storage = memoryStorage();
    const store = createAuthStore(storage);
    let changes = 0;
    store.subscribe(() => {
      changes += 1;
    });
    store.markRequired('This gateway requires an API key');
    expect(store.get()).toMatchObject({
      required: true,
      token: null,
      message: 'This gateway requires an API key',
    });
    store.setToken('  secret  ');
    expect(store.get()).toMatchObject({
      required: false,
      token: 'secret',
      message: null,
      version: 1,
    });
    expect(createAuthStore(storage).get().token).toBe('secret');
    store.setToken('');
    expect(storage.length).toBe(0);
    expect(store.get().token).toBeNull();
    expect(changes).toBe(3);
  });

  it('does not notify twice for the same refusal', () => {
    const store = createAuthStore(memoryStorage());
    let changes = 0;
    store.subscribe(() => {
      changes += 1;
    });
    store.markRequired('no key');
    store.markRequired('no key');
    expect(changes).toBe(1);
  });
});
