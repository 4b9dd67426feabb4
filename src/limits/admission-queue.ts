/** Bounds on one gateway process's work: requests running, requests waiting, and the wait. */
export interface AdmissionQueueOptions {
  /** Requests allowed to run at once. */
  maxConcurrent: number;
  /** Requests allowed to wait for a slot; 0 sheds every request that finds no free slot. */
  maxQueue: number;
  /** Longest a request may wait for a slot before it is shed. */
  maxWaitMs: number;
}

/** Why admit() turned a request away; 'aborted' is the caller leaving, not shedding. */
export type AdmissionRefusal = 'queue_full' | 'queue_timeout' | 'aborted';

/** The outcome of admit(). */
export type Admission =
  | { admitted: true; release(): void }
  | { admitted: false; reason: AdmissionRefusal };

/** Counters for metrics and the admin API. */
export interface AdmissionStats {
  active: number;
  queued: number;
  /** Requests shed since creation (queue_full + queue_timeout). */
  shed: number;
  shedQueueFull: number;
  shedQueueTimeout: number;
}

/** Load shedding for one process: a bounded FIFO in front of a bounded number of slots. */
export interface AdmissionQueue {
  /** Wait for a slot, or be shed; never waits longer than maxWaitMs. */
  admit(signal?: AbortSignal): Promise<Admission>;
  stats(): AdmissionStats;
  /** Apply new bounds (a policy reload). Waiters keep their deadlines; a larger bound admits them. */
  reconfigure(options: AdmissionQueueOptions): void;
}

/** One queued request. Linked both ways so a timeout or abort unlinks it in O(1). */
interface Waiter {
  previous: Waiter | null;
  next: Waiter | null;
  settle(admission: Admission): void;
}

/**
 * Create an admission queue. Everything is O(1): the waiting line is a doubly linked list, a
 * freed slot passes straight to the oldest waiter (so `active` never dips and a newcomer cannot
 * overtake the line), and each waiter owns one timer and one abort listener, both removed when
 * it settles in any way. A request is answered in one of three ways, never left hanging:
 * admitted, shed at once because the line is full, or shed when its wait passes maxWaitMs.
 */
export function createAdmissionQueue(options: AdmissionQueueOptions): AdmissionQueue {
  let bounds = validateBounds(options);
  let active = 0;
  let queued = 0;
  let head: Waiter | null = null;
  let tail: Waiter | null = null;
  let shedQueueFull = 0;
  let shedQueueTimeout = 0;

  const unlink = (waiter: Waiter): void => {
    if (waiter.previous === null) head = waiter.next;
    else waiter.previous.next = waiter.next;
    if (waiter.next === null) tail = waiter.previous;
    else waiter.next.previous = waiter.previous;
    waiter.previous = null;
    waiter.next = null;
    queued -= 1;
  };

  const grant = (): Admission => {
    let released = false;
    return {
      admitted: true,
      release() {
        // Idempotent: a finally block and an abort handler may both release.
        if (released) return;
        released = true;
        active -= 1;
        drain();
      },
    };
  };

  /** Hand free slots to the oldest waiters. */
  const drain = (): void => {
    while (head !== null && active < bounds.maxConcurrent) {
      const waiter = head;
      unlink(waiter);
      active += 1;
      waiter.settle(grant());
    }
  };

  return {
    admit(signal) {
      if (signal?.aborted === true) return Promise.resolve({ admitted: false, reason: 'aborted' });
      if (head === null && active < bounds.maxConcurrent) {
        active += 1;
        return Promise.resolve(grant());
      }
      if (queued >= bounds.maxQueue) {
        shedQueueFull += 1;
        return Promise.resolve({ admitted: false, reason: 'queue_full' });
      }
      return new Promise<Admission>((resolve) => {
        const onAbort = (): void => {
          unlink(waiter);
          waiter.settle({ admitted: false, reason: 'aborted' });
        };
        const timer = setTimeout(() => {
          unlink(waiter);
          shedQueueTimeout += 1;
          waiter.settle({ admitted: false, reason: 'queue_timeout' });
        }, bounds.maxWaitMs);
        const waiter: Waiter = {
          previous: tail,
          next: null,
          settle(admission) {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            resolve(admission);
          },
        };
        if (tail === null) head = waiter;
        else tail.next = waiter;
        tail = waiter;
        queued += 1;
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },

    stats() {
      return {
        active,
        queued,
        shed: shedQueueFull + shedQueueTimeout,
        shedQueueFull,
        shedQueueTimeout,
      };
    },

    reconfigure(next) {
      bounds = validateBounds(next);
      drain();
    },
  };
}

function validateBounds(options: AdmissionQueueOptions): AdmissionQueueOptions {
  if (!Number.isInteger(options.maxConcurrent) || options.maxConcurrent < 1) {
    throw new RangeError('admission queue: maxConcurrent must be an integer >= 1');
  }
  if (!Number.isInteger(options.maxQueue) || options.maxQueue < 0) {
    throw new RangeError('admission queue: maxQueue must be an integer >= 0');
  }
  if (!Number.isFinite(options.maxWaitMs) || options.maxWaitMs < 0) {
    throw new RangeError('admission queue: maxWaitMs must be a number >= 0');
  }
  return { ...options };
}
