import { Worker } from 'node:worker_threads';

/**
 * The writer's code, run in a worker thread. It is a string, not a file, so that it works the
 * same from src/ (tests) and dist/ (the package) without a build step of its own. Messages are
 * handled in arrival order; a prune yields between chunks so appends interleave with it.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const Database = createRequire(workerData.requireFrom)('libsql');
const db = new Database(workerData.path);
db.exec('PRAGMA busy_timeout = ' + workerData.busyTimeoutMs);
db.exec('PRAGMA synchronous = ' + workerData.synchronous);
db.exec('PRAGMA wal_autocheckpoint = 0');
const insert = db.prepare(
  'INSERT INTO request_records (id, ts, route, served_target, status, user_id, record) ' +
  'VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING');
const insertBatch = db.transaction((rows) => { for (const row of rows) insert.run(row); });
const pruneChunk = db.prepare(
  'DELETE FROM request_records WHERE seq IN (SELECT seq FROM request_records WHERE ts < ? LIMIT ' +
  workerData.pruneChunkSize + ')');
const reply = (id, body) => parentPort.postMessage(Object.assign({ id }, body));
const failure = (error) => String((error && error.message) || error);
const prune = (id, olderThan, deleted) => {
  try {
    const changes = pruneChunk.run([olderThan]).changes;
    if (changes < workerData.pruneChunkSize) return reply(id, { value: deleted + changes });
    setImmediate(() => prune(id, olderThan, deleted + changes));
  } catch (error) {
    reply(id, { error: failure(error) });
  }
};
// One row per line: the JSON array of the indexed columns, a tab, the record's JSON (see
// encodeLogRows; JSON text holds no raw tab or newline).
const decoder = new TextDecoder();
const decodeRows = (bytes) => {
  const text = decoder.decode(bytes);
  const rows = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\\n', start);
    if (end === -1) end = text.length;
    const tab = text.indexOf('\\t', start);
    const row = JSON.parse(text.slice(start, tab));
    row.push(text.slice(tab + 1, end));
    rows.push(row);
    start = end + 1;
  }
  return rows;
};
parentPort.on('message', (message) => {
  if (message.kind === 'append') {
    try {
      const rows = decodeRows(message.bytes);
      insertBatch.immediate(rows);
      reply(message.id, { value: rows.length });
    } catch (error) {
      reply(message.id, { error: failure(error) });
    }
  } else if (message.kind === 'prune') {
    prune(message.id, message.olderThan, 0);
  } else if (message.kind === 'stop') {
    db.close();
    reply(message.id, { value: 0 });
  }
});
`;

/** The indexed columns of one request_records row: id, ts, route, target, status, user. */
export type LogRowColumns = readonly [
  string,
  number,
  string | null,
  string | null,
  number,
  string | null,
];

/**
 * One row as the writer thread takes it: the JSON array of the indexed columns, a tab, and the
 * record's JSON. JSON text holds no raw tab or newline, so rows joined by '\n' split back
 * unambiguously.
 */
export function encodeLogRow(columns: LogRowColumns, json: string): string {
  return `${JSON.stringify(columns)}\t${json}`;
}

/**
 * Rows as the writer thread takes them: encodeLogRow lines separated by '\n', in UTF-8. Bytes,
 * not row objects: the caller can keep them for a retry without keeping anything on its heap,
 * and they cross to the thread as one copy.
 */
export function encodeLogRows(
  rows: ReadonlyArray<{ columns: LogRowColumns; json: string }>,
): Uint8Array {
  return Buffer.from(rows.map((row) => encodeLogRow(row.columns, row.json)).join('\n'), 'utf8');
}

/** Options of startLogWriterThread. */
export interface LogWriterThreadOptions {
  synchronous: 'NORMAL' | 'FULL';
  busyTimeoutMs: number;
  pruneChunkSize: number;
}

/** The request log's writer, running on its own thread and connection. */
export interface LogWriterThread {
  /** Insert the rows (encodeLogRows) in one transaction: all or none. Resolves once committed. */
  append(bytes: Uint8Array): Promise<void>;
  /** Delete rows older than the cutoff in bounded chunks; resolves with how many. */
  prune(olderThan: number): Promise<number>;
  /** Finish what was sent, close the connection and end the thread. */
  stop(): Promise<void>;
}

/**
 * Write the request log from a worker thread.
 *
 * A batch commit costs the committing thread about 3 ms per 256 records (JSON already encoded),
 * and a prune chunk far more; on the gateway's event loop that time is added to every request in
 * flight, which is what the p99 overhead measured (docs/benchmarks.md). The gateway thread now
 * only encodes rows and posts them; this thread owns every write. Reads (export, the Workspace)
 * stay on the caller's connection: WAL lets them run while this thread commits.
 *
 * Durability is unchanged: a batch is acknowledged after its commit, exactly as an inline write
 * would return, and a crash loses only batches not yet acknowledged, which the request log still
 * holds in memory either way.
 */
export function startLogWriterThread(
  path: string,
  options: LogWriterThreadOptions,
): LogWriterThread {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, ...options, requireFrom: import.meta.url },
  });
  const pending = new Map<
    number,
    { resolve: (value: number) => void; reject: (error: Error) => void }
  >();
  let nextId = 0;
  let failedWith: Error | null = null;

  worker.on('message', (message: { id: number; value?: number; error?: string }) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (pending.size === 0) worker.unref();
    if (message.error !== undefined) waiter.reject(new Error(message.error));
    else waiter.resolve(message.value ?? 0);
  });
  // A thread that dies (it cannot open the file, say) fails everything sent and everything after.
  const failAll = (error: Error) => {
    failedWith = error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  worker.on('error', failAll);
  worker.on('exit', (code) => {
    if (!failedWith) failAll(new Error(`the request log writer thread exited (code ${code})`));
  });
  // Idle, the thread must not keep the process alive; while a call is pending it must, or a
  // process awaiting its last flush (SIGTERM) would exit with the batch unwritten.
  worker.unref();

  const call = (message: Record<string, unknown>): Promise<number> => {
    if (failedWith) return Promise.reject(failedWith);
    const id = nextId++;
    return new Promise<number>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...message, id });
    });
  };

  return {
    async append(bytes) {
      await call({ kind: 'append', bytes });
    },
    prune(olderThan) {
      return call({ kind: 'prune', olderThan });
    },
    async stop() {
      if (failedWith) return;
      await call({ kind: 'stop' }).catch(() => {});
      await worker.terminate();
    },
  };
}
