import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createWorkspaceServer } from '../gateway/index.js';
import { createSqliteLogStore, createSqliteRunStore } from '../store/index.js';
import { loadCliPolicy } from './load-cli-policy.js';

/** Options of `switchyard ui`. */
export interface UiCommandOptions {
  db?: string;
  config?: string;
  port?: string;
  host?: string;
  suite?: string;
  tokenEnv?: string;
}

/**
 * `switchyard ui`: the Workspace on a stored database (runs and the request log) without a live
 * gateway. Runs until interrupted.
 */
export async function uiCommand(options: UiCommandOptions): Promise<void> {
  const path = options.db
    ? resolve(options.db)
    : (await loadCliPolicy(options.config)).policy.log.path;
  // Opening a missing file would create an empty database and show nothing: say so instead.
  if (!existsSync(path)) {
    throw new Error(
      `no database at ${path}: point --db at a request log (switchyard serve writes one, switchyard eval stores runs in it)`,
    );
  }
  const port = Number(options.port ?? '4400');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`--port must be a port number, got ${options.port}`);
  }
  let token: string | null = null;
  if (options.tokenEnv) {
    token = process.env[options.tokenEnv]?.trim() || null;
    if (!token) throw new Error(`--token-env ${options.tokenEnv}: the variable is not set`);
  }
  const logStore = createSqliteLogStore(path);
  const runStore = createSqliteRunStore(path);
  const workspace = createWorkspaceServer({
    logStore,
    runStore,
    suitePath: resolve(options.suite ?? 'switchyard-suite.jsonl'),
    token,
  });
  const { url } = await workspace.listen(port, options.host ?? '127.0.0.1');
  process.stdout.write(`Switchyard Workspace on ${path}: ${url}/ui/ (Ctrl-C to stop)\n`);

  const stop = async () => {
    await workspace.close();
    await logStore.close();
    await runStore.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
