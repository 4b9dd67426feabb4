import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { checkArgument } from './check-argument.js';
import { type SharedState, windowIndex } from './shared-state.js';
import { SharedStateError } from './shared-state-error.js';

/** Options for createRedisState. */
export interface RedisStateOptions {
  /** `redis://[user:password@]host:port[/db]`; credentials never appear in error messages. */
  url: string;
  /** Prepended to every key so several deployments can share one Redis. Default `switchyard:`. */
  keyPrefix?: string;
}

/** The key prefix used when none is configured. */
export const DEFAULT_REDIS_KEY_PREFIX = 'switchyard:';

/** INCRBYFLOAT and PEXPIRE as one step, so a counter never outlives its two windows unexpired. */
const ADD_TO_WINDOW_SCRIPT = `
local total = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return total
`;

/**
 * A counting semaphore as a sorted set of hold ids scored by expiry. Expiry runs on the Redis
 * server's clock (TIME), so replicas with skewed clocks still agree on which holds are live.
 * Removing expired holds, counting and adding happen in one script, so two replicas can never
 * both take the last slot. The set itself expires once its longest hold has.
 */
const TRY_ACQUIRE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
`;

/** RPUSH then LTRIM as one step, so a reader never sees the list over its bound. */
const PUSH_EVENT_SCRIPT = `
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
return 1
`;

/** The client with the scripts above registered by defineCommand (EVALSHA, EVAL on NOSCRIPT). */
type ScriptedRedis = Redis & {
  switchyardAddToWindow(key: string, amount: string, expireMs: number): Promise<string>;
  switchyardTryAcquire(key: string, limit: number, ttlMs: number, holdId: string): Promise<number>;
  switchyardPushEvent(key: string, value: string, maxLength: number): Promise<number>;
};

/** Where the server is, for messages, without any credentials the URL may carry. */
function describeServer(url: string): string {
  try {
    return new URL(url).host || 'the configured Redis URL';
  } catch {
    return 'the configured Redis URL';
  }
}

/**
 * SharedState in Redis, so N gateway replicas share one view. Key layout under the prefix:
 * `window:<key>:<index>` (float counter), `sem:<key>` (sorted set of holds), `kv:<key>` (string),
 * `events:<key>` (list). Failures reject with a SharedStateError naming the operation, key and
 * server; the caller decides whether to fail open.
 */
export function createRedisState(options: RedisStateOptions): SharedState {
  const prefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  const server = describeServer(options.url);
  const redis = new Redis(options.url, {
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
  }) as ScriptedRedis;
  redis.defineCommand('switchyardAddToWindow', { numberOfKeys: 1, lua: ADD_TO_WINDOW_SCRIPT });
  redis.defineCommand('switchyardTryAcquire', { numberOfKeys: 1, lua: TRY_ACQUIRE_SCRIPT });
  redis.defineCommand('switchyardPushEvent', { numberOfKeys: 1, lua: PUSH_EVENT_SCRIPT });

  // Without a listener ioredis prints every reconnect failure; keep the last one for messages.
  let lastConnectionError: Error | null = null;
  redis.on('error', (error: Error) => {
    lastConnectionError = error;
  });
  redis.on('ready', () => {
    lastConnectionError = null;
  });
  let closed = false;

  async function run<T>(operation: string, key: string, call: () => Promise<T>): Promise<T> {
    if (closed) {
      throw new SharedStateError(
        'redis',
        operation,
        `redis ${operation} "${key}": state is closed`,
      );
    }
    try {
      return await call();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const connection =
        lastConnectionError !== null && lastConnectionError.message !== reason
          ? ` (last connection error: ${lastConnectionError.message})`
          : '';
      throw new SharedStateError(
        'redis',
        operation,
        `redis ${operation} "${key}" at ${server} failed: ${reason}${connection}`,
        { cause: error },
      );
    }
  }

  return {
    kind: 'redis',

    async addToWindow(key, amount, windowMs) {
      checkArgument('redis', 'addToWindow', 'amount', amount, 'finite');
      checkArgument('redis', 'addToWindow', 'windowMs', windowMs, 'positive');
      const windowKey = `${prefix}window:${key}:${windowIndex(Date.now(), windowMs)}`;
      // INCRBYFLOAT answers with a string.
      const total = await run('addToWindow', key, () =>
        redis.switchyardAddToWindow(windowKey, String(amount), Math.ceil(2 * windowMs)),
      );
      return Number(total);
    },

    async readWindow(key, windowMs) {
      checkArgument('redis', 'readWindow', 'windowMs', windowMs, 'positive');
      const windowKey = `${prefix}window:${key}:${windowIndex(Date.now(), windowMs)}`;
      const total = await run('readWindow', key, () => redis.get(windowKey));
      return total === null ? 0 : Number(total);
    },

    async tryAcquire(key, limit, ttlMs) {
      checkArgument('redis', 'tryAcquire', 'limit', limit, 'non-negative-count');
      checkArgument('redis', 'tryAcquire', 'ttlMs', ttlMs, 'positive');
      const holdId = randomUUID();
      const acquired = await run('tryAcquire', key, () =>
        redis.switchyardTryAcquire(`${prefix}sem:${key}`, limit, Math.ceil(ttlMs), holdId),
      );
      return acquired === 1 ? holdId : null;
    },

    async release(key, holdId) {
      await run('release', key, () => redis.zrem(`${prefix}sem:${key}`, holdId));
    },

    async get(key) {
      return run('get', key, () => redis.get(`${prefix}kv:${key}`));
    },

    async set(key, value, ttlMs) {
      if (ttlMs !== undefined) checkArgument('redis', 'set', 'ttlMs', ttlMs, 'positive');
      await run('set', key, () =>
        ttlMs === undefined
          ? redis.set(`${prefix}kv:${key}`, value)
          : redis.set(`${prefix}kv:${key}`, value, 'PX', Math.ceil(ttlMs)),
      );
    },

    async delete(key) {
      await run('delete', key, () => redis.del(`${prefix}kv:${key}`));
    },

    async pushEvent(key, value, maxLength) {
      checkArgument('redis', 'pushEvent', 'maxLength', maxLength, 'count');
      await run('pushEvent', key, () =>
        redis.switchyardPushEvent(`${prefix}events:${key}`, value, maxLength),
      );
    },

    async readEvents(key, limit) {
      checkArgument('redis', 'readEvents', 'limit', limit, 'non-negative-count');
      // LRANGE -0 -1 would be the whole list, so a zero limit never reaches Redis.
      if (limit === 0) return run('readEvents', key, async () => []);
      return run('readEvents', key, () => redis.lrange(`${prefix}events:${key}`, -limit, -1));
    },

    async close() {
      if (closed) return;
      closed = true;
      // QUIT lets in-flight replies arrive; a client that is not connected would wait to
      // reconnect before quitting, so it is dropped instead.
      if (redis.status === 'ready') {
        try {
          await redis.quit();
          return;
        } catch {
          // The connection broke while quitting; disconnect below still releases it.
        }
      }
      redis.disconnect();
    },
  };
}
