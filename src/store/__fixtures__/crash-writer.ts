/**
 * Child process for sqlite-log-store.crash.test.ts: writes request records through the real
 * request log and SQLite store at a steady rate and prints each id once its batch is committed.
 * The parent kills it with SIGKILL mid-load. Usage: crash-writer.ts <db path> [per second] [max].
 */
import { createRequestLog } from '../../telemetry/request-log.js';
import { makeRequestRecord } from '../../telemetry/__fixtures__/request-records.js';
import { createSqliteLogStore } from '../sqlite-log-store.js';

const [path, perSecondArgument = '2000', maxArgument = '40000'] = process.argv.slice(2);
if (path === undefined) throw new Error('usage: crash-writer.ts <db path> [per second] [max]');
const perSecond = Number(perSecondArgument);
const max = Number(maxArgument);
const tickMs = 5;
const perTick = Math.max(1, Math.round((perSecond * tickMs) / 1000));
// Bounded in time as well as count, in case the parent never kills us.
const deadline = Date.now() + 15_000;

const store = createSqliteLogStore(path);
const log = createRequestLog(store, {
  batchSize: 50,
  flushIntervalMs: 20,
  retentionDays: Number.POSITIVE_INFINITY,
  onBatchWritten: (ids) => {
    process.stdout.write(`${ids.join('\n')}\n`);
  },
  onError: (error) => {
    process.stderr.write(`${String(error)}\n`);
  },
});

let sent = 0;
const timer = setInterval(() => {
  for (let index = 0; index < perTick && sent < max; index += 1) {
    log.record(makeRequestRecord({ id: `crash-${sent}`, ts: Date.now() }));
    sent += 1;
  }
  if (sent >= max || Date.now() > deadline) {
    clearInterval(timer);
    void log.close().then(() => store.close());
  }
}, tickMs);
