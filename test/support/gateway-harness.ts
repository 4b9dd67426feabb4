import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import OpenAI from 'openai';
import pino from 'pino';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway/index.js';
import { createSimServer, parseSimProfile } from '../../src/providers/sim/index.js';
import { parsePolicyText } from '../../src/routing/policy/index.js';
import type { Policy } from '../../src/routing/policy/policy-types.js';
import { createSqliteLogStore } from '../../src/store/index.js';
import type { LogStore } from '../../src/telemetry/index.js';
import type { RequestRecord } from '../../src/telemetry/request-record.js';

/** A sim upstream, a gateway in front of it, a log, and clients: everything on loopback. */
export interface GatewayHarness {
  gateway: Gateway;
  url: string;
  sim: ReturnType<typeof createSimServer>;
  simUrl: string;
  store: LogStore;
  policy: Policy;
  /** Everything the gateway's logger wrote. */
  logLines: string[];
  openai(options?: { apiKey?: string }): OpenAI;
  /** Flush the request log and read every record back. */
  records(): Promise<RequestRecord[]>;
  /** Stop the gateway and start a new one on the same policy and database (a process restart). */
  restartGateway(): Promise<GatewayHarness>;
  close(): Promise<void>;
}

/** Sim profiles keyed by upstream model name, as YAML-shaped objects. */
export type SimProfiles = Record<string, Record<string, unknown>>;

/**
 * Start a sim server with the given per-model profiles, then a gateway whose policy (YAML, with
 * `{{SIM}}` standing for the sim server's /v1 URL) points openai-compatible targets at it.
 */
export async function startHarness(options: {
  profiles: SimProfiles;
  policyYaml: string;
  env?: NodeJS.ProcessEnv;
  gatewayOptions?: Partial<GatewayOptions>;
}): Promise<GatewayHarness> {
  const profiles = Object.fromEntries(
    Object.entries(options.profiles).map(([model, profile]) => [model, parseSimProfile(profile)]),
  );
  const sim = createSimServer({ profiles });
  const { url: simUrl } = await sim.listen(0, '127.0.0.1');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-test-'));
  const policy = parsePolicyText(
    options.policyYaml.replaceAll('{{SIM}}', `${simUrl}/v1`),
    join(dir, 'switchyard.yaml'),
    options.env ?? {},
  );
  policy.log.path = join(dir, 'log.db');
  policy.log.flushIntervalMs = 20;
  const logLines: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );
  const start = async (): Promise<GatewayHarness> => {
    const store = createSqliteLogStore(policy.log.path);
    const gateway = createGateway({
      policy,
      store,
      logger,
      env: options.env ?? {},
      ...options.gatewayOptions,
    });
    const { url } = await gateway.listen(0, '127.0.0.1');
    const stopGateway = async () => {
      await gateway.close(100);
      await store.close();
    };
    const harness: GatewayHarness = {
      gateway,
      url,
      sim,
      simUrl,
      store,
      policy,
      logLines,
      openai: (clientOptions) =>
        new OpenAI({
          baseURL: `${url}/v1`,
          apiKey: clientOptions?.apiKey ?? 'unused',
          maxRetries: 0,
        }),
      async records() {
        await gateway.context.log?.flush();
        const all: RequestRecord[] = [];
        for await (const record of store.query({})) all.push(record);
        return all;
      },
      async restartGateway() {
        await stopGateway();
        const next = await start();
        Object.assign(harness, next);
        return harness;
      },
      async close() {
        await stopGateway();
        await sim.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return harness;
  };
  return start();
}

/** Fast sim behaviour for tests: a few ms per token, short answers. */
export const QUICK_PROFILE = {
  ttft_ms: { p50: 2, p95: 4 },
  inter_token_ms: { p50: 1, p95: 2 },
  output_tokens: { p50: 8, p95: 12 },
};
