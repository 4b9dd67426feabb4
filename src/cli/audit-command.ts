import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import picocolors from 'picocolors';
import { type AuditItem, auditPolicy } from '../eval/audit-policy.js';
import type { RunReport } from '../eval/run-report.js';
import { createSqliteLogStore } from '../store/index.js';
import { createSqliteRunStore } from '../store/sqlite-run-store.js';
import { loadCliPolicy } from './load-cli-policy.js';

/** Options of `switchyard audit`. */
export interface AuditCommandOptions {
  config?: string;
  db?: string;
  json?: boolean;
}

/**
 * `switchyard audit`: check the policy, its request log and the last stored evaluation run
 * against the safety checklist; print pass or fail with a reason per item; exit 1 on any fail.
 */
export async function auditCommand(options: AuditCommandOptions): Promise<void> {
  const { policy, path: policyPath } = await loadCliPolicy(options.config);
  const dbPath = options.db ? resolve(options.db) : policy.log.path;
  const exists = existsSync(dbPath);
  const log = exists ? createSqliteLogStore(dbPath) : null;
  let lastRun: RunReport | null = null;
  let items: AuditItem[];
  try {
    if (exists) {
      const runs = createSqliteRunStore(dbPath);
      try {
        const [latest] = await runs.list({ limit: 1 });
        if (latest) lastRun = await runs.get(latest.id);
      } finally {
        await runs.close();
      }
    }
    items = await auditPolicy({ policy, log, logPath: dbPath, lastRun });
  } finally {
    await log?.close();
  }

  const failed = items.filter((item) => !item.pass).length;
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ policy: policyPath, db: dbPath, passed: failed === 0, items }, null, 2)}\n`,
    );
  } else {
    const colors = picocolors.createColors(process.stdout.isTTY === true);
    const lines = [colors.bold(`Switchyard audit: ${policyPath}`), `log and runs: ${dbPath}`, ''];
    for (const item of items) {
      const mark = item.pass ? colors.green('PASS') : colors.red('FAIL');
      lines.push(`${mark}  ${item.title}`, `      ${item.reason}`);
    }
    lines.push(
      '',
      failed === 0
        ? colors.green(`all ${items.length} checks passed`)
        : colors.red(`${failed} of ${items.length} checks failed`),
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  process.exitCode = failed === 0 ? 0 : 1;
}
