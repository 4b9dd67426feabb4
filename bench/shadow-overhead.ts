/**
 * What mirroring 100% of traffic to a shadow target costs the client: two gateways in front of
 * the same instant upstream, identical but for `shadow: { percentage: 100 }` on the route, driven
 * by the same open-loop schedule in alternating rounds. The figure is the difference in the
 * client's p99 (target: at most 1 ms).
 *
 *   node --import tsx bench/shadow-overhead.ts [--rate 500] [--count 10000] [--rounds 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createGateway } from '../src/gateway/index.js';
import { parsePolicyText } from '../src/routing/policy/index.js';
import { createSqliteLogStore } from '../src/store/index.js';
import { createLogger } from '../src/telemetry/index.js';
import { BENCH_POLICY_YAML } from './gateway-server.js';
import { createInstantUpstream } from './instant-upstream.js';
import { benchRequestBody, runOpenLoop } from './open-loop.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    count: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
  },
});
const rate = Number(values.rate);
const count = Number(values.count);
const rounds = Number(values.rounds);

const SHADOWED = BENCH_POLICY_YAML.replace(
  `      - target: instant-backup
        fallback_on: [timeout, ttft_timeout, 5xx, connection_error, circuit_open]
    deadline_ms: 30000`,
  `      - target: instant-backup
        fallback_on: [timeout, ttft_timeout, 5xx, connection_error, circuit_open]
    deadline_ms: 30000
    shadow: { target: instant-backup, percentage: 100, max_concurrent: 64, max_queue: 1024 }`,
);
if (SHADOWED === BENCH_POLICY_YAML)
  throw new Error('could not add the shadow block to the bench policy');

async function startGateway(yaml: string, upstream: string) {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-shadow-bench-'));
  const policy = parsePolicyText(
    yaml.replaceAll('{{UPSTREAM}}', upstream),
    join(dir, 'switchyard.yaml'),
    {},
  );
  const store = createSqliteLogStore(policy.log.path);
  const gateway = createGateway({
    policy,
    store,
    logger: createLogger({ level: 'warn' }),
    env: {},
  });
  const { url } = await gateway.listen(0, '127.0.0.1');
  return {
    url: `${url}/v1/chat/completions`,
    async close() {
      await gateway.close(1_000);
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const upstream = await createInstantUpstream().listen(0, '127.0.0.1');
const plain = await startGateway(BENCH_POLICY_YAML, upstream.baseUrl);
const shadowed = await startGateway(SHADOWED, upstream.baseUrl);
const body = benchRequestBody('auto', false);
const rows: string[] = [];
const p99 = { plain: [] as number[], shadowed: [] as number[] };
try {
  // Warm both up so JIT and pools are not part of the comparison.
  await runOpenLoop({ url: plain.url, body, rate, count: Math.min(2000, count), stream: false });
  await runOpenLoop({ url: shadowed.url, body, rate, count: Math.min(2000, count), stream: false });
  for (let round = 1; round <= rounds; round++) {
    for (const [name, gateway] of [
      ['plain', plain],
      ['shadowed', shadowed],
    ] as const) {
      const result = await runOpenLoop({ url: gateway.url, body, rate, count, stream: false });
      p99[name].push(result.latency.p99);
      rows.push(
        `| ${round} | ${name} | ${result.ok}/${result.sent} | ${result.latency.p50.toFixed(3)} | ${result.latency.p99.toFixed(3)} | ${result.latency.max.toFixed(3)} |`,
      );
    }
  }
} finally {
  await plain.close();
  await shadowed.close();
  await upstream.close();
}
const median = (list: number[]) =>
  [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? Number.NaN;
process.stdout.write(
  `Shadow overhead at ${rate} req/s, ${count} requests per round, open loop\n\n`,
);
process.stdout.write(
  '| round | gateway | ok/sent | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|\n',
);
process.stdout.write(`${rows.join('\n')}\n\n`);
process.stdout.write(
  `median p99: plain ${median(p99.plain).toFixed(3)} ms, shadowed ${median(p99.shadowed).toFixed(3)} ms, added ${(median(p99.shadowed) - median(p99.plain)).toFixed(3)} ms\n`,
);
