import { randomUUID } from 'node:crypto';

/** Buckets a hash is spread over: a user's bucket is a number in [0, 100). */
const BUCKET_SCALE = 100 / 2 ** 32;

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * 32-bit FNV-1a over the UTF-16 code units of a string, finished with murmur3's fmix32.
 *
 * FNV-1a alone spreads keys that differ only in their last character ("user-1", "user-2") over
 * a narrow band of the high bits; the finaliser mixes every input bit into every output bit, so
 * consecutive ids land in unrelated buckets. Code units rather than UTF-8 bytes keep it
 * allocation-free; the result is still stable across processes and versions of Node.
 */
export function hashString32(text: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, FNV_PRIME);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/**
 * A sticky key's bucket on a route, a number in [0, 100). The route name is part of the hash so
 * the same users are not the guinea pigs of every canary on every route.
 */
export function canaryBucket(routeName: string, stickyKey: string): number {
  return hashString32(`${routeName}\u0000${stickyKey}`) * BUCKET_SCALE;
}

/**
 * Whether this key's requests on this route go to the canary at this percentage (0..100).
 *
 * A key is on the canary exactly when its bucket is below the percentage, so raising the
 * percentage only ever moves baseline users onto the canary, and a user keeps their arm for as
 * long as the percentage stays above their bucket.
 */
export function assignsToCanary(routeName: string, stickyKey: string, percentage: number): boolean {
  if (!(percentage > 0)) return false;
  if (percentage >= 100) return true;
  return canaryBucket(routeName, stickyKey) < percentage;
}

/** Who a request belongs to, as far as canary stickiness is concerned. */
export interface StickyIdentity {
  userId?: string | null;
  sessionId?: string | null;
}

/** The key a request is assigned by, and whether it will be the same on the caller's next request. */
export interface StickyKey {
  key: string;
  /** False for a random per-request key: such a request may land on either arm next time. */
  sticky: boolean;
}

/**
 * The sticky key of a request: its user id, else its session id, else a random key for this
 * request alone (anonymous traffic still gets its share of the canary, just without stickiness).
 * Prefixes keep a user id and a session id with the same text apart.
 */
export function pickStickyKey(
  identity: StickyIdentity,
  randomKey: () => string = randomUUID,
): StickyKey {
  if (identity.userId) return { key: `user:${identity.userId}`, sticky: true };
  if (identity.sessionId) return { key: `session:${identity.sessionId}`, sticky: true };
  return { key: `random:${randomKey()}`, sticky: false };
}
