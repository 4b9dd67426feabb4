import type { SharedState } from '../state/index.js';
import {
  applicableLimits,
  type LimitScope,
  type LimitSubject,
  validateLimitName,
} from './limit-subject.js';

/** At most `maxConcurrent` requests in flight at once, across every replica. */
export interface ConcurrencyLimitConfig {
  scope: LimitScope;
  /** Target or tenant name; for tenants, '*' is every tenant's own limit unless it has a named one. */
  name: string;
  maxConcurrent: number;
}

/** Options for createConcurrencyLimiter. */
export interface ConcurrencyLimiterOptions {
  limits: ConcurrencyLimitConfig[];
  state: SharedState;
  /**
   * How long a hold lives if it is never released (a crashed replica, a lost release). Set it
   * above the longest request the gateway allows, or long requests will lose their slot early.
   */
  holdTtlMs: number;
}

/** The outcome of acquire(); `limit` names the full semaphore (`scope:name`). */
export type ConcurrencyAcquisition =
  | { ok: true; release(): Promise<void> }
  | { ok: false; limit: string };

/** Counting semaphores per target and per tenant, shared through SharedState. */
export interface ConcurrencyLimiter {
  /** Take a slot in every limit that applies, or none of them; release() gives them all back. */
  acquire(subject: LimitSubject): Promise<ConcurrencyAcquisition>;
}

/**
 * Create a concurrency limiter. Slots are taken in configuration order; when one semaphore is
 * full, the slots already taken are released before answering, so a refusal holds nothing.
 */
export function createConcurrencyLimiter(options: ConcurrencyLimiterOptions): ConcurrencyLimiter {
  const { limits, state, holdTtlMs } = options;
  const seen = new Set<string>();
  for (const limit of limits) {
    validateConcurrencyLimit(limit);
    // Two limits on one subject would share one semaphore with two different sizes.
    const id = `${limit.scope}:${limit.name}`;
    if (seen.has(id)) throw new RangeError(`concurrency limit ${id}: configured twice`);
    seen.add(id);
  }
  if (!Number.isFinite(holdTtlMs) || holdTtlMs <= 0) {
    throw new RangeError('concurrency limiter: holdTtlMs must be > 0');
  }

  return {
    async acquire(subject) {
      const applied = applicableLimits(limits, subject, 'concurrency');
      const held: Array<{ key: string; holdId: string }> = [];
      const releaseAll = async (): Promise<void> => {
        await Promise.all(held.map(({ key, holdId }) => state.release(key, holdId)));
      };
      for (const limit of applied) {
        let holdId: string | null;
        try {
          holdId = await state.tryAcquire(limit.key, limit.config.maxConcurrent, holdTtlMs);
        } catch (error) {
          await releaseAll();
          throw error;
        }
        if (holdId === null) {
          await releaseAll();
          return { ok: false, limit: limit.id };
        }
        held.push({ key: limit.key, holdId });
      }
      let released = false;
      return {
        ok: true,
        async release() {
          // Idempotent: the gateway may release from both a finally block and an abort handler.
          if (released) return;
          released = true;
          await releaseAll();
        },
      };
    },
  };
}

function validateConcurrencyLimit(limit: ConcurrencyLimitConfig): void {
  const label = `concurrency limit ${limit.scope}:${limit.name}`;
  validateLimitName(limit, label);
  if (!Number.isInteger(limit.maxConcurrent) || limit.maxConcurrent < 0) {
    throw new RangeError(`${label}: maxConcurrent must be an integer >= 0`);
  }
}
