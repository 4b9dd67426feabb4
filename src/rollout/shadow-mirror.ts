import {
  createLeanAbortController,
  type LeanAbortController,
} from '../core/lean-abort-controller.js';
/** Why a mirrored task was not run. */
export type ShadowDropReason = 'queue-full' | 'closed';

/** A mirrored call; it must stop when the signal aborts (timeout or close). */
export type ShadowTask = (signal: AbortSignal) => Promise<void>;

/** Options of createShadowMirror. */
export interface ShadowMirrorOptions {
  /** Share of requests mirrored, 0..100. */
  percentage: number;
  /** Mirrored calls running at once. */
  maxConcurrent: number;
  /** Mirrored calls waiting for a slot; past it they are dropped. */
  maxQueue: number;
  /** Abort a task's signal after this long, so a hung candidate cannot hold a slot. Default: none. */
  taskTimeoutMs?: number | null;
  random?: () => number;
  /** Called when a task is dropped; must not throw (a throw is swallowed). */
  onDrop?(reason: ShadowDropReason): void;
  /** Called when a task rejects; must not throw (a throw is swallowed). */
  onTaskError?(error: unknown): void;
}

/** Counters of a shadow mirror. */
export interface ShadowMirrorStats {
  running: number;
  queued: number;
  dropped: number;
  completed: number;
  failed: number;
}

/** Fire-and-forget mirroring with bounded load. */
export interface ShadowMirror {
  /** Whether to mirror this request (a coin flip at the percentage). */
  shouldMirror(): boolean;
  /** Run or queue the task without waiting for it; false when it was dropped. Never throws. */
  mirror(task: ShadowTask): boolean;
  stats(): ShadowMirrorStats;
  /** Drop the queue, abort running tasks and wait for them (at most graceMs, default 1 s). */
  close(graceMs?: number): Promise<void>;
}

const DEFAULT_CLOSE_GRACE_MS = 1_000;

/**
 * Mirrors requests to a candidate without ever touching the client's response.
 *
 * mirror() only enqueues: the task starts on a later turn of the event loop (setImmediate), so
 * even its synchronous part never runs on the caller's stack, and its rejection is caught and
 * counted. Load is bounded twice: at most maxConcurrent tasks run, at most maxQueue wait, and
 * anything beyond is dropped on the spot (counted, reported to onDrop) rather than slowing
 * production. Each running task has its own AbortController, aborted by taskTimeoutMs or close().
 */
export function createShadowMirror(options: ShadowMirrorOptions): ShadowMirror {
  if (!(options.percentage >= 0 && options.percentage <= 100)) {
    throw new RangeError('shadow percentage must be within 0..100');
  }
  if (!Number.isInteger(options.maxConcurrent) || options.maxConcurrent < 1) {
    throw new RangeError('shadow maxConcurrent must be an integer >= 1');
  }
  if (!Number.isInteger(options.maxQueue) || options.maxQueue < 0) {
    throw new RangeError('shadow maxQueue must be an integer >= 0');
  }
  const random = options.random ?? Math.random;
  const taskTimeoutMs = options.taskTimeoutMs ?? null;
  const queue: ShadowTask[] = [];
  const running = new Map<Promise<void>, LeanAbortController>();
  let closed = false;
  let starting = 0;
  let dropped = 0;
  let completed = 0;
  let failed = 0;

  const report = (call: () => void): void => {
    try {
      call();
    } catch {
      // Hooks must not throw; a broken hook must not break mirroring.
    }
  };

  const drop = (reason: ShadowDropReason): false => {
    dropped += 1;
    report(() => options.onDrop?.(reason));
    return false;
  };

  const run = (task: ShadowTask): void => {
    // Lean: tasks only listen to the signal, and a native one costs ~1 KB of old-generation
    // garbage per mirrored call on Node 20 (src/core/lean-abort-controller.ts).
    const controller = createLeanAbortController();
    const timer =
      taskTimeoutMs === null
        ? null
        : setTimeout(() => controller.abort(new Error('shadow task timed out')), taskTimeoutMs);
    timer?.unref?.();
    const settled = (async () => {
      try {
        await task(controller.signal);
        completed += 1;
      } catch (error) {
        failed += 1;
        report(() => options.onTaskError?.(error));
      } finally {
        if (timer) clearTimeout(timer);
      }
    })();
    running.set(settled, controller);
    void settled.then(() => {
      running.delete(settled);
      pump();
    });
  };

  /** Start queued tasks while slots are free; `starting` counts tasks handed to setImmediate. */
  const pump = (): void => {
    while (!closed && queue.length > 0 && running.size + starting < options.maxConcurrent) {
      const task = queue.shift() as ShadowTask;
      starting += 1;
      setImmediate(() => {
        starting -= 1;
        if (closed) {
          drop('closed');
          return;
        }
        run(task);
      });
    }
  };

  return {
    shouldMirror() {
      return !closed && options.percentage > 0 && random() * 100 < options.percentage;
    },

    mirror(task) {
      if (closed) return drop('closed');
      const busy = running.size + starting + queue.length;
      if (busy >= options.maxConcurrent + options.maxQueue) return drop('queue-full');
      queue.push(task);
      pump();
      return true;
    },

    stats() {
      return {
        running: running.size + starting,
        queued: queue.length,
        dropped,
        completed,
        failed,
      };
    },

    async close(graceMs = DEFAULT_CLOSE_GRACE_MS) {
      closed = true;
      for (let index = queue.length; index > 0; index -= 1) drop('closed');
      queue.length = 0;
      for (const controller of running.values())
        controller.abort(new Error('shadow mirror closed'));
      const pending = [...running.keys()];
      if (pending.length === 0) return;
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
        timer.unref?.();
      });
      await Promise.race([Promise.allSettled(pending), grace]);
      clearTimeout(timer);
    },
  };
}
