import { buildShadowReport } from '../eval/shadow-report.js';
import { renderTerminalSummary, writeReports } from '../report/index.js';
import { createSqliteLogStore } from '../store/index.js';
import { parseSince } from '../telemetry/index.js';
import { loadCliPolicy } from './load-cli-policy.js';

/** Options of `switchyard shadow report`. */
export interface ShadowReportOptions {
  config?: string;
  db?: string;
  since?: string;
  reportDir?: string;
}

/**
 * `switchyard shadow report`: live answers vs their shadow copies from the request log, shown in
 * the same form as an evaluation run (terminal summary, and JSON/Markdown/HTML with --report-dir).
 */
export async function shadowReportCommand(options: ShadowReportOptions): Promise<void> {
  const { policy } = await loadCliPolicy(options.config);
  const store = createSqliteLogStore(options.db ?? policy.log.path);
  try {
    const simulatedTargets = new Set(
      [...policy.targets.values()]
        .filter((target) => target.provider === 'sim')
        .map((target) => target.name),
    );
    const report = await buildShadowReport(
      store,
      { since: options.since ? parseSince(options.since) : undefined },
      { simulatedTargets },
    );
    process.stdout.write(
      `${renderTerminalSummary(report, { color: process.stdout.isTTY === true })}\n`,
    );
    if (options.reportDir) {
      const paths = await writeReports(report, {
        dir: options.reportDir,
        formats: ['json', 'md', 'html'],
      });
      process.stdout.write(`reports: ${Object.values(paths).join(', ')}\n`);
    }
  } finally {
    await store.close();
  }
}
