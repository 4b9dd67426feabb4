import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { createGateway } from '../gateway/index.js';
import { watchPolicy } from '../routing/policy/index.js';
import type { Policy } from '../routing/policy/policy-types.js';
import { createSqliteLogStore, createSqliteRunStore } from '../store/index.js';
import { createLogger } from '../telemetry/index.js';
import { loadCliPolicy } from './load-cli-policy.js';
import { adviseV8PoolSize } from './v8-pool-advice.js';

/** Options of `switchyard serve`. */
export interface ServeOptions {
  config?: string;
  port?: string;
  host?: string;
  watch?: boolean;
  /** False with --no-ui: no /ui and no /api. */
  ui?: boolean;
  /** Where the Workspace playground saves test cases. */
  suite?: string;
  /** The request log's SQLite file, instead of log.path from the policy. */
  db?: string;
}

/**
 * `switchyard serve`: load the policy, open the request log, listen, hot-reload on file change
 * and SIGHUP, and flush the log on SIGTERM/SIGINT before exiting.
 */
export async function serveCommand(options: ServeOptions): Promise<void> {
  const logger = createLogger({ level: process.env.SWITCHYARD_LOG_LEVEL ?? 'info' });
  const poolAdvice = adviseV8PoolSize({
    usableCpus: availableParallelism(),
    execArgv: process.execArgv,
    nodeOptions: process.env.NODE_OPTIONS,
  });
  if (poolAdvice) {
    const { message, ...fields } = poolAdvice;
    logger.warn(fields, message);
  }
  const { policy, path: policyPath } = await loadCliPolicy(options.config);
  // The log's file is opened once: --db, or log.path as it was at startup, holds for every
  // reload (replicas sharing one policy file each pass their own --db).
  const logPath = options.db ? resolve(options.db) : policy.log.path;
  const withLogPath = (next: Policy): Policy => {
    next.log.path = logPath;
    return next;
  };
  withLogPath(policy);
  for (const note of policy.notes ?? []) logger.info({ policy: policyPath }, note);
  const store = policy.log.enabled ? createSqliteLogStore(logPath) : null;
  // Eval runs live in the log's database; the Workspace's run pages read them from there.
  const runStore = store && options.ui !== false ? createSqliteRunStore(logPath) : null;
  const gateway = createGateway({
    policy,
    store,
    logger,
    workspace:
      options.ui === false
        ? false
        : { runStore, suitePath: resolve(options.suite ?? 'switchyard-suite.jsonl') },
    loadPolicy: async () => withLogPath((await loadCliPolicy(options.config)).policy),
  });
  const port = options.port === undefined ? policy.server.port : Number(options.port);
  const { url } = await gateway.listen(port, options.host ?? policy.server.host);

  const watcher =
    options.watch === false
      ? null
      : watchPolicy(policyPath, {
          onChange: (next) => void gateway.reload(withLogPath(next)),
          onError: (error) =>
            logger.error(
              { err: error },
              'policy change rejected; the previous policy stays in force',
            ),
        });
  process.on('SIGHUP', () => {
    gateway.reloadFromSource().catch(() => {
      // Already logged by the gateway; the old policy stays in force.
    });
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests and flushing the request log');
    watcher?.close();
    await gateway.close();
    await store?.close();
    await runStore?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  // Announced only now: whoever waits for this line (a supervisor, a test) may signal at once,
  // and a SIGTERM before its handler would end the process without flushing the log.
  logger.info(
    { url, policy: policyPath, log: policy.log.enabled ? logPath : null },
    'switchyard gateway listening',
  );
  if (options.ui !== false) logger.info({ url: `${url}/ui/` }, 'workspace ready');
}
