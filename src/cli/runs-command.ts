import { resolve } from 'node:path';
import type { RunStore } from '../eval/run-store.js';
import { renderComparison, renderRunList } from '../report/index.js';
import { createSqliteRunStore } from '../store/sqlite-run-store.js';
import { loadCliPolicy } from './load-cli-policy.js';

/** Where stored runs are read from: `--db`, or the policy's log database. */
export interface RunsDatabaseOptions {
  db?: string;
  config?: string;
}

/** Options of `switchyard runs`. */
export interface RunsCommandOptions extends RunsDatabaseOptions {
  limit?: string;
  json?: boolean;
}

/** Options of `switchyard compare`. */
export interface CompareCommandOptions extends RunsDatabaseOptions {
  json?: boolean;
}

/** `switchyard runs`: list stored evaluation runs, newest first. */
export async function runsCommand(options: RunsCommandOptions): Promise<void> {
  const limit = options.limit === undefined ? 50 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(`--limit must be a whole number ≥ 1, got ${options.limit}`);
  }
  await withRunStore(options, async (store, path) => {
    const rows = await store.list({ limit });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    process.stdout.write(renderRunList(rows, { color: process.stdout.isTTY === true }));
    if (rows.length > 0) process.stderr.write(`${rows.length} run(s) from ${path}\n`);
  });
}

/** `switchyard compare A B`: two stored runs side by side (ids or unique id prefixes). */
export async function compareCommand(
  first: string,
  second: string,
  options: CompareCommandOptions,
): Promise<void> {
  await withRunStore(options, async (store, path) => {
    const [a, b] = [await store.get(first), await store.get(second)];
    const missing = [a ? null : first, b ? null : second].filter((id) => id !== null);
    if (!a || !b) {
      throw new Error(
        `no stored run matches ${missing.join(' or ')} in ${path} (switchyard runs lists them)`,
      );
    }
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ a, b }, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${renderComparison(a, b, { color: process.stdout.isTTY === true })}\n`);
  });
}

/** Open the run store named by the options, run `action`, and close it. */
export async function withRunStore<T>(
  options: RunsDatabaseOptions,
  action: (store: RunStore, path: string) => Promise<T>,
): Promise<T> {
  const path = options.db
    ? resolve(options.db)
    : (await loadCliPolicy(options.config)).policy.log.path;
  const store = createSqliteRunStore(path);
  try {
    return await action(store, path);
  } finally {
    await store.close();
  }
}
