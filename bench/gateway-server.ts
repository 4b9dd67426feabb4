import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { reportStatsOnSignal } from './report-stats-on-signal.js';

/*
 * The gateway under test is the compiled package in dist/ (what `npm start` and users run), not
 * src/ through tsx: tsx compiles with esbuild's keepNames, which adds a __name() call for every
 * closure created per request and would bill the gateway for a cost it does not have. The types
 * still come from src/.
 */
const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

async function loadDist<T>(modulePath: string): Promise<T> {
  const file = join(DIST, modulePath);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return (await import(pathToFileURL(file).href)) as T;
}

/**
 * The policy the benchmark runs: a realistic shape (keyword/pattern intents, a token-count tag,
 * two rules, a two-step failover route, full request logging with bodies captured and redacted)
 * in front of one instant upstream. `{{UPSTREAM}}` stands for the upstream's /v1 URL.
 */
export const BENCH_POLICY_YAML = `
version: 1
server:
  host: 127.0.0.1
  port: 0
log:
  path: bench-log.db
  capture_bodies: true
targets:
  instant:
    provider: openai-compatible
    base_url: "{{UPSTREAM}}"
    model: instant-1
    price: { input_per_mtok: 0.15, output_per_mtok: 0.60 }
    context_window: 128000
  instant-backup:
    provider: openai-compatible
    base_url: "{{UPSTREAM}}"
    model: instant-2
    price: { input_per_mtok: 2.50, output_per_mtok: 10.00 }
    context_window: 128000
classification:
  default_intent: general
  intents:
    - intent: summarize_long_doc
      keywords: [summarize, summarise, summary of]
      patterns: ["\\\\btl;?dr\\\\b"]
    - intent: code
      patterns: ["\`\`\`", "\\\\b(function|class|stack trace|traceback)\\\\b"]
  tags:
    - tag: heavy
      when:
        any:
          - min_prompt_tokens: 1025
          - intent: [summarize_long_doc]
      else: light
rules:
  - name: heavy-to-quality
    when: { tags: [heavy] }
    route: quality
routes:
  fast:
    targets:
      - target: instant
        timeouts: { ttft_ms: 2000, total_ms: 15000 }
      - target: instant-backup
        fallback_on: [timeout, ttft_timeout, 5xx, connection_error, circuit_open]
    deadline_ms: 30000
  quality:
    targets:
      - instant-backup
      - instant
default_route: fast
`;

/**
 * Start a gateway on 127.0.0.1 (any free port) in front of `upstreamBaseUrl`, logging every
 * request to a SQLite file in a fresh temporary directory.
 */
export async function startBenchGateway(upstreamBaseUrl: string) {
  const { createGateway } =
    await loadDist<typeof import('../src/gateway/index.js')>('gateway/index.js');
  const { parsePolicyText } =
    await loadDist<typeof import('../src/routing/policy/index.js')>('routing/policy/index.js');
  const { createSqliteLogStore } =
    await loadDist<typeof import('../src/store/index.js')>('store/index.js');
  const { createLogger } =
    await loadDist<typeof import('../src/telemetry/index.js')>('telemetry/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const policy = parsePolicyText(
    BENCH_POLICY_YAML.replaceAll('{{UPSTREAM}}', upstreamBaseUrl),
    join(dir, 'switchyard.yaml'),
    {},
  );
  // Experiments only: the documented results use the policy defaults.
  const batchSize = Number(process.env.BENCH_LOG_BATCH_SIZE ?? Number.NaN);
  if (Number.isInteger(batchSize) && batchSize > 0) policy.log.batchSize = batchSize;
  const flushMs = Number(process.env.BENCH_LOG_FLUSH_MS ?? Number.NaN);
  if (Number.isFinite(flushMs) && flushMs > 0) policy.log.flushIntervalMs = flushMs;
  const store = createSqliteLogStore(policy.log.path);
  const logger = createLogger({ level: 'warn' });
  const logOff = process.env.BENCH_REQUEST_LOG === 'off';
  const gateway = createGateway({ policy, store: logOff ? null : store, logger, env: {} });
  const { url } = await gateway.listen(0, '127.0.0.1');
  return {
    gateway,
    baseUrl: `${url}/v1`,
    logPath: policy.log.path,
    async close() {
      await gateway.close(1_000);
      const stats = gateway.context.log?.stats() ?? null;
      await store.close();
      rmSync(dir, { recursive: true, force: true });
      return stats;
    },
  };
}

async function main(): Promise<void> {
  const upstream = process.env.UPSTREAM_BASE_URL;
  if (!upstream) throw new Error('set UPSTREAM_BASE_URL to the upstream /v1 URL');
  const running = await startBenchGateway(upstream);
  reportStatsOnSignal();
  process.stdout.write(`${JSON.stringify({ event: 'ready', baseUrl: running.baseUrl })}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void running.close().then((stats) => {
      // The request log's final counters show whether logging kept up (nothing dropped).
      process.stdout.write(`${JSON.stringify({ event: 'closed', requestLog: stats })}\n`);
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`gateway-server: ${String(error)}\n`);
    process.exit(1);
  });
}
