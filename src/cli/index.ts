import { Command } from 'commander';
import type { AdminCallOptions } from './traffic-command.js';

/**
 * An action that loads its command's module when that command runs, not when the CLI starts:
 * `serve` then keeps the evaluation, report and terminal-table code (d3, csv-parse, cli-table3,
 * cli-progress) out of the gateway's heap, where every full GC would mark it.
 */
function lazy<M>(
  load: () => Promise<M>,
  pick: (module: M) => (...args: never[]) => unknown,
): (...args: unknown[]) => Promise<void> {
  return async (...args) => {
    const command = pick(await load()) as (...args: unknown[]) => unknown;
    await command(...args);
  };
}

// Each command's module, loaded by `lazy` when the command runs.
const auditModule = () => import('./audit-command.js');
const demoModule = () => import('./demo-command.js');
const evalModule = () => import('./eval-command.js');
const logsModule = () => import('./logs-command.js');
const policyModule = () => import('./policy-command.js');
const runsModule = () => import('./runs-command.js');
const serveModule = () => import('./serve-command.js');
const shadowModule = () => import('./shadow-command.js');
const simModule = () => import('./sim-command.js');
const trafficModule = () => import('./traffic-command.js');
const uiModule = () => import('./ui-command.js');

/** Build the `switchyard` command line. */
export function createProgram(): Command {
  const program = new Command('switchyard')
    .description('Route, evaluate and safely swap LLMs in production.')
    .showHelpAfterError();

  program
    .command('serve')
    .description('start the OpenAI-compatible gateway')
    .option('-c, --config <file>', 'policy file (default: the embedded sim policy)')
    .option('-p, --port <port>', 'port (default: server.port from the policy)')
    .option('--host <host>', 'host (default: server.host from the policy)')
    .option('--no-watch', 'do not reload the policy when the file changes')
    .option('--no-ui', 'do not serve the Workspace (/ui and /api)')
    .option(
      '--suite <file>',
      'where the Workspace playground saves test cases',
      'switchyard-suite.jsonl',
    )
    .option('--db <file>', 'SQLite request log (default: log.path from the policy)')
    .action(lazy(serveModule, (m) => m.serveCommand));

  program
    .command('ui')
    .description(
      'open the Workspace on a stored database (runs and the request log), without a live gateway',
    )
    .option('--db <file>', 'SQLite file (default: log.path from the policy)')
    .option('-c, --config <file>', 'policy whose log.path to read')
    .option('-p, --port <port>', 'port', '4400')
    .option('--host <host>', 'host', '127.0.0.1')
    .option('--suite <file>', 'where saved test cases go', 'switchyard-suite.jsonl')
    .option('--token-env <name>', 'require the token in this environment variable on /api')
    .action(lazy(uiModule, (m) => m.uiCommand));

  program
    .command('demo')
    .description(
      "replay the sample trace through the seed's before/after configs on simulated models and print the before/after table",
    )
    .option('--speed <factor>', 'replay speed factor, e.g. 2 or 2x', '1')
    .option('--limit <n>', 'replay only the first N requests of the trace')
    .option('--report-dir <dir>', 'where to write the HTML report', 'switchyard-report')
    .action(lazy(demoModule, (m) => m.demoCommand));

  program
    .command('eval <config>')
    .description(
      'replay a trace through candidate targets or policies under load, check answers, gate, advise (exit 1 when a gate fails, 2 on bad input)',
    )
    .option('--json', 'print the JSON report on stdout instead of the summary')
    .option('--report-dir <dir>', 'where to write the reports (default: report.dir in the config)')
    .option('--no-store', 'do not store the run')
    .action(lazy(evalModule, (m) => m.evalCommand));

  program
    .command('runs')
    .description('list stored evaluation runs, newest first')
    .option('--db <file>', 'SQLite file (default: log.path from the policy)')
    .option('-c, --config <file>', 'policy whose log.path to read')
    .option('--limit <n>', 'how many runs', '50')
    .option('--json', 'print JSON')
    .action(lazy(runsModule, (m) => m.runsCommand));

  program
    .command('compare <a> <b>')
    .description('compare two stored runs (ids or unique id prefixes)')
    .option('--db <file>', 'SQLite file (default: log.path from the policy)')
    .option('-c, --config <file>', 'policy whose log.path to read')
    .option('--json', 'print both reports as JSON')
    .action(lazy(runsModule, (m) => m.compareCommand));

  program
    .command('audit')
    .description(
      'check the policy, the request log and the last run against the safety checklist (exit 1 on any fail)',
    )
    .option('-c, --config <file>', 'policy file (default: the embedded sim policy)')
    .option('--db <file>', 'SQLite log and runs (default: log.path from the policy)')
    .option('--json', 'print JSON')
    .action(lazy(auditModule, (m) => m.auditCommand));

  program
    .command('sim')
    .description('start a standalone simulated OpenAI/Anthropic-compatible upstream')
    .option('-p, --port <port>', 'port', '9100')
    .option('--host <host>', 'host', '127.0.0.1')
    .option('--profile <name|file>', 'preset name or YAML sim profile', 'small-fast')
    .action(lazy(simModule, (m) => m.simCommand));

  const logs = program.command('logs').description('the request log');
  logs
    .command('export')
    .description('write request records as a JSONL trace to stdout')
    .option('--since <when>', 'e.g. 7d, 12h, 30m or an ISO date')
    .option('--until <when>', 'e.g. 1h or an ISO date')
    .option('--db <file>', 'SQLite log file (default: log.path from the policy)')
    .option('-c, --config <file>', 'policy whose log.path to read')
    .option('--route <name>', 'only this route')
    .option('--target <name>', 'only this served target')
    .action(lazy(logsModule, (m) => m.logsExportCommand));

  const traffic = program.command('traffic').description('the kill-switch of a running gateway');
  for (const [action, description] of [
    ['kill', 'send all traffic to the safe route from the next request on'],
    ['restore', 'lift the kill-switch'],
    ['status', 'show the kill-switch and canaries'],
  ] as const) {
    traffic
      .command(action)
      .description(description)
      .option('--url <url>', 'gateway address (default: SWITCHYARD_URL or http://127.0.0.1:8080)')
      .option('--token <token>', 'admin token (default: SWITCHYARD_ADMIN_TOKEN)')
      .option('--reason <text>', 'recorded in the audit log')
      .action(async (options: AdminCallOptions) => {
        const { trafficCommand } = await trafficModule();
        await trafficCommand(action, options);
      });
  }

  program
    .command('canary <route> <action> [percentage]')
    .description('steer a route canary: pause, resume, promote, abort, or set <percentage>')
    .option('--url <url>', 'gateway address (default: SWITCHYARD_URL or http://127.0.0.1:8080)')
    .option('--token <token>', 'admin token (default: SWITCHYARD_ADMIN_TOKEN)')
    .option('--reason <text>', 'recorded in the audit log')
    .action(lazy(trafficModule, (m) => m.canaryCommand));

  const shadow = program.command('shadow').description('shadow traffic');
  shadow
    .command('report')
    .description('live answers vs their shadow copies, in the form of an eval run')
    .option('-c, --config <file>', 'policy whose log to read')
    .option('--db <file>', 'SQLite log file (default: log.path from the policy)')
    .option('--since <when>', 'e.g. 24h, 7d or an ISO date')
    .option('--report-dir <dir>', 'also write JSON, Markdown and HTML reports here')
    .action(lazy(shadowModule, (m) => m.shadowReportCommand));

  const policy = program.command('policy').description('policy files');
  policy
    .command('check <file>')
    .description('validate a policy file')
    .action(lazy(policyModule, (m) => m.policyCheckCommand));
  policy
    .command('convert <file>')
    .description('convert a seed-format config (routing:/route:) to a native policy on stdout')
    .action(lazy(policyModule, (m) => m.policyConvertCommand));
  policy
    .command('schema')
    .description('print the policy JSON Schema')
    .action(lazy(policyModule, (m) => m.policySchemaCommand));

  return program;
}

/** Entry point of the `switchyard` bin. */
export async function main(argv: string[]): Promise<void> {
  await createProgram().parseAsync(argv);
}

/** Run the CLI as a process: errors become one line on stderr and exit code 1, not a stack trace. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await main(argv);
  } catch (error) {
    process.stderr.write(`switchyard: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
