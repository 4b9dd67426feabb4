import { resolve } from 'node:path';
import { createSqliteLogStore } from '../store/index.js';
import { exportTrace, parseSince } from '../telemetry/index.js';
import { loadCliPolicy } from './load-cli-policy.js';

/** Options of `switchyard logs export`. */
export interface LogsExportOptions {
  since?: string;
  until?: string;
  db?: string;
  config?: string;
  route?: string;
  target?: string;
}

/** `switchyard logs export`: write the request log as a JSONL trace on stdout. */
export async function logsExportCommand(options: LogsExportOptions): Promise<void> {
  const dbPath = options.db
    ? resolve(options.db)
    : (await loadCliPolicy(options.config)).policy.log.path;
  const store = createSqliteLogStore(dbPath);
  try {
    const count = await exportTrace(
      store,
      {
        since: options.since ? parseSince(options.since) : undefined,
        until: options.until ? parseSince(options.until) : undefined,
        route: options.route,
        target: options.target,
      },
      (line) => writeLine(line),
    );
    process.stderr.write(`exported ${count} request records from ${dbPath}\n`);
  } finally {
    await store.close();
  }
}

function writeLine(line: string): Promise<void> | undefined {
  if (process.stdout.write(`${line}\n`)) return undefined;
  return new Promise((done) => process.stdout.once('drain', done));
}
