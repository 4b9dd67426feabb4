import { describe, expect, it } from 'vitest';
import { assignsToCanary, canaryBucket, hashString32, pickStickyKey } from './canary-assignment.js';

const KEYS = Array.from({ length: 10_000 }, (_, index) => `user:user-${index}`);

function canaryShare(route: string, percentage: number): number {
  return KEYS.filter((key) => assignsToCanary(route, key, percentage)).length / KEYS.length;
}

describe('hashString32', () => {
  it('matches FNV-1a with the murmur3 finaliser on known inputs', () => {
    // FNV-1a("") is the offset basis 0x811c9dc5; these pin the finalised values so a change
    // to the hash (which would reshuffle every user's arm) fails here first.
    expect(hashString32('')).toBe(fmix32(0x811c9dc5));
    expect(hashString32('a')).toBe(fmix32(0xe40c292c));
    expect(hashString32('foobar')).toBe(fmix32(0xbf9cf968));
  });

  it('returns an unsigned 32-bit integer', () => {
    for (const key of KEYS.slice(0, 200)) {
      const hash = hashString32(key);
      expect(Number.isInteger(hash)).toBe(true);
      expect(hash).toBeGreaterThanOrEqual(0);
      expect(hash).toBeLessThan(2 ** 32);
    }
  });
});

describe('assignsToCanary', () => {
  it('keeps a key on the same arm on every call', () => {
    for (const key of KEYS.slice(0, 500)) {
      const first = assignsToCanary('chat', key, 25);
      for (let repeat = 0; repeat < 3; repeat += 1) {
        expect(assignsToCanary('chat', key, 25)).toBe(first);
      }
    }
  });

  it.each([1, 5, 25, 50, 90])(
    'sends about %d%% of 10 000 sequential ids to the canary',
    (percentage) => {
      expect(Math.abs(canaryShare('chat', percentage) - percentage / 100)).toBeLessThan(0.015);
    },
  );

  it('only moves baseline users to the canary when the percentage rises', () => {
    const steps = [0, 1, 5, 10, 25, 50, 75, 99, 100];
    let previous = new Set<string>();
    for (const percentage of steps) {
      const current = new Set(KEYS.filter((key) => assignsToCanary('chat', key, percentage)));
      for (const key of previous) expect(current.has(key)).toBe(true);
      expect(current.size).toBeGreaterThanOrEqual(previous.size);
      previous = current;
    }
  });

  it('puts a key on the canary exactly when its bucket is below the percentage', () => {
    for (const key of KEYS.slice(0, 300)) {
      const bucket = canaryBucket('chat', key);
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(100);
      expect(assignsToCanary('chat', key, bucket)).toBe(false);
      expect(assignsToCanary('chat', key, bucket + 1e-9)).toBe(true);
    }
  });

  it('sends nobody at 0% and everybody at 100%', () => {
    expect(canaryShare('chat', 0)).toBe(0);
    expect(canaryShare('chat', -5)).toBe(0);
    expect(canaryShare('chat', 100)).toBe(1);
  });

  it('picks different users on different routes', () => {
    const onChat = KEYS.filter((key) => assignsToCanary('chat', key, 50));
    const onBoth = onChat.filter((key) => assignsToCanary('search', key, 50));
    // Independent halves overlap on about a quarter of all keys, not on all of the chat half.
    expect(onBoth.length / KEYS.length).toBeGreaterThan(0.22);
    expect(onBoth.length / KEYS.length).toBeLessThan(0.28);
  });
});

describe('pickStickyKey', () => {
  it('prefers the user id, then the session id', () => {
    expect(pickStickyKey({ userId: 'u1', sessionId: 's1' })).toEqual({
      key: 'user:u1',
      sticky: true,
    });
    expect(pickStickyKey({ userId: null, sessionId: 's1' })).toEqual({
      key: 'session:s1',
      sticky: true,
    });
    expect(pickStickyKey({ userId: '', sessionId: 's1' }).key).toBe('session:s1');
  });

  it('keeps a user id and a session id with the same text apart', () => {
    expect(pickStickyKey({ userId: 'x' }).key).not.toBe(pickStickyKey({ sessionId: 'x' }).key);
  });

  it('falls back to a random, non-sticky key per request', () => {
    const first = pickStickyKey({});
    const second = pickStickyKey({});
    expect(first.sticky).toBe(false);
    expect(first.key).toMatch(/^random:/);
    expect(first.key).not.toBe(second.key);
    expect(pickStickyKey({}, () => 'fixed')).toEqual({ key: 'random:fixed', sticky: false });
  });
});

/** murmur3's 32-bit finaliser, written out independently of the code under test. */
function fmix32(input: number): number {
  let hash = input >>> 0;
  hash = (hash ^ (hash >>> 16)) >>> 0;
  hash = Number((BigInt(hash) * 0x85ebca6bn) & 0xffffffffn);
  hash = (hash ^ (hash >>> 13)) >>> 0;
  hash = Number((BigInt(hash) * 0xc2b2ae35n) & 0xffffffffn);
  return (hash ^ (hash >>> 16)) >>> 0;
}
