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
  worker.on('message', (message: { error?: string }) => {
    if (message.error) options.onError?.(message.error);
  });
  worker.on('error', (error) => options.onError?.(error.message));
  return {
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
