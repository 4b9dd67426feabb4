import { Worker } from 'node:worker_threads';

/**
 * The checkpointer's code, run in a worker thread. It is a string, not a file, so that it works
 * the same from src/ (tests) and dist/ (the package) without a build step of its own.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const Database = createRequire(workerData.requireFrom)('libsql');
const db = new Database(workerData.path);
db.exec('PRAGMA busy_timeout = 1000');
// Lowest CPU priority for this thread only (Linux: a thread id is a valid setpriority target,
// found through /proc/thread-self). A checkpoint is a few ms of CPU once a second; at normal
// priority the scheduler lets the waking thread preempt the gateway's event loop for all of it
// when they share a core, and every request in flight waits. Niced, it runs in the loop's idle
// time, and still gets its small share if the core is never idle. Elsewhere this is a no-op.
try {
  const taskPath = require('node:fs').readlinkSync('/proc/thread-self');
  require('node:os').setPriority(Number(taskPath.slice(taskPath.lastIndexOf('/') + 1)), 19);
  parentPort.postMessage({ niced: true });
} catch {
  parentPort.postMessage({ niced: false });
}
let timer = null;
const run = () => {
  try {
    // PASSIVE copies what it can without waiting for readers or blocking the writer.
    db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get();
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
};
timer = setInterval(run, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  run();
  db.close();
  parentPort.postMessage({ stopped: true });
});
`;

/** A background WAL checkpointer; stop() runs a last checkpoint and closes its connection. */
export interface WalCheckpointer {
  /** Whether the worker lowered its thread's CPU priority (Linux); false where it cannot. */
  lowPriority: Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * Checkpoint a WAL database from a worker thread.
 *
 * SQLite's automatic checkpoint runs inside the commit that crosses the threshold, on the
 * committing thread: for the request log that is the gateway's event loop, and on a slow disk a
 * checkpoint takes 10-30 ms, stalling every request in flight. The log's connection therefore
 * turns automatic checkpoints off and this worker, on its own connection, copies the WAL into the
 * database every `intervalMs` instead. WAL mode lets it do so while the writer keeps committing.
 */
export function startWalCheckpointer(
  path: string,
  options: { intervalMs?: number; onError?(message: string): void } = {},
): WalCheckpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, intervalMs: options.intervalMs ?? 1_000, requireFrom: import.meta.url },
  });
  worker.unref();
  let reportPriority: (lowered: boolean) => void = () => {};
  const lowPriority = new Promise<boolean>((resolve) => {
    reportPriority = resolve;
  });
  worker.on('message', (message: { error?: string; niced?: boolean }) => {
    if (message.error) options.onError?.(message.error);
    if (message.niced !== undefined) reportPriority(message.niced);
  });
  worker.on('error', (error) => {
    reportPriority(false);
    options.onError?.(error.message);
  });
  return {
    lowPriority,
    stop() {
      return new Promise((resolve) => {
        const timeout = setTimeout(() => void worker.terminate().then(() => resolve()), 2_000);
        worker.on('message', (message: { stopped?: boolean }) => {
          if (!message.stopped) return;
          clearTimeout(timeout);
          void worker.terminate().then(() => resolve());
        });
        worker.postMessage('stop');
      });
    },
  };
}
