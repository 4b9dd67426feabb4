import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { createGateway } from '../gateway/index.js';
import { createSqliteLogStore } from '../store/index.js';
import { createLogger } from '../telemetry/index.js';
import { loadCliPolicy } from './load-cli-policy.js';

/** Options of `switchyard demo`. */
export interface DemoOptions {
  config?: string;
  requests?: string;
}

interface DemoResult {
  label: string;
  status: number;
  route: string;
  target: string;
  attempts: string;
  overheadMs: string;
  latencyMs: number;
}

const LONG_DOCUMENT = Array.from(
  { length: 220 },
  (_, index) =>
    `Paragraph ${index}: quarterly revenue, churn and latency notes for the Polaris search service.`,
).join(' ');

/** The prompts the demo sends: light questions, a long document, and a streamed answer. */
const DEMO_PROMPTS: Array<{ label: string; content: string; stream?: boolean }> = [
  { label: 'short question', content: 'What is the capital of France?' },
  { label: 'lookup', content: 'Find the order status for order 1234.' },
  { label: 'long document', content: `Summarize this document: ${LONG_DOCUMENT}` },
  { label: 'streamed answer', content: 'Write two sentences about trains.', stream: true },
];

/**
 * `switchyard demo` (until the evaluation demo lands): start the gateway on the embedded sim
 * policy, send a mix of requests through it with a plain HTTP client, and print where each
 * went, how many attempts it took, and the gateway's overhead. Everything runs on loopback with
 * simulated models: no keys, no network.
 */
export async function demoCommand(options: DemoOptions): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-demo-'));
  const { policy } = await loadCliPolicy(options.config);
  policy.log.path = join(dir, 'demo.db');
  const store = createSqliteLogStore(policy.log.path);
  const gateway = createGateway({ policy, store, logger: createLogger({ level: 'warn' }) });
  const { url } = await gateway.listen(0, '127.0.0.1');
  const rounds = Math.max(1, Number(options.requests ?? 3));
  const results: DemoResult[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      for (const prompt of DEMO_PROMPTS)
        results.push(await send(url, prompt.label, prompt.content, prompt.stream));
    }
  } finally {
    await gateway.close();
  }
  const logged = await countRecords(store);
  await store.close();
  await rm(dir, { recursive: true, force: true });

  const out = process.stdout;
  out.write(
    `Switchyard gateway demo — ${results.length} requests through ${url} (all models SIMULATED)\n\n`,
  );
  out.write(renderTable(results));
  out.write(`\n${logged} of ${results.length} requests are in the request log.\n`);
  out.write('Next: `switchyard serve` to run the gateway, and point any OpenAI client at it.\n');
}

async function send(
  url: string,
  label: string,
  content: string,
  stream = false,
): Promise<DemoResult> {
  const started = performance.now();
  const response = await request(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'auto', stream, messages: [{ role: 'user', content }] }),
  });
  await response.body.text();
  const header = (name: string) => String(response.headers[name] ?? '-');
  return {
    label,
    status: response.statusCode,
    route: header('x-switchyard-route'),
    target: header('x-switchyard-target'),
    attempts: header('x-switchyard-attempts'),
    overheadMs: header('x-switchyard-overhead-ms'),
    latencyMs: performance.now() - started,
  };
}

async function countRecords(store: ReturnType<typeof createSqliteLogStore>): Promise<number> {
  let count = 0;
  for await (const _record of store.query({})) count++;
  return count;
}

function renderTable(results: DemoResult[]): string {
  const header = [
    'request',
    'status',
    'route',
    'target (simulated)',
    'attempts',
    'latency ms',
    'overhead ms',
  ];
  const rows = results.map((result) => [
    result.label,
    String(result.status),
    result.route,
    result.target,
    result.attempts,
    result.latencyMs.toFixed(1),
    result.overheadMs,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}\n`;
  return line(header) + line(widths.map((width) => '-'.repeat(width))) + rows.map(line).join('');
}
