import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../src/gateway/index.js';
import { createSimServer, parseSimProfile } from '../src/providers/sim/index.js';
import { loadPolicyFile, watchPolicy } from '../src/routing/policy/index.js';
import { QUICK_PROFILE } from './support/gateway-harness.js';

const policyFor = (simUrl: string, route: string) => `
version: 1
log: { enabled: false }
targets:
  one: { provider: openai-compatible, base_url: "${simUrl}/v1", model: one-model, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 1 } }
  two: { provider: openai-compatible, base_url: "${simUrl}/v1", model: two-model, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 1 } }
routes:
  main: { targets: [${route}] }
default_route: main
`;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const sim = createSimServer({
    profiles: {
      'one-model': parseSimProfile(QUICK_PROFILE),
      'two-model': parseSimProfile(QUICK_PROFILE),
    },
  });
  const { url: simUrl } = await sim.listen(0, '127.0.0.1');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-reload-'));
  const file = join(dir, 'switchyard.yaml');
  writeFileSync(file, policyFor(simUrl, 'one'));
  const gateway: Gateway = createGateway({
    policy: await loadPolicyFile(file),
    logger: pino({ level: 'silent' }),
    loadPolicy: () => loadPolicyFile(file),
  });
  const { url } = await gateway.listen(0, '127.0.0.1');
  cleanups.push(
    () => sim.close(),
    () => gateway.close(100),
    () => rmSync(dir, { recursive: true, force: true }),
  );
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0 });
  const servedBy = async () =>
    (
      await client.chat.completions.create({
        model: 'auto',
        messages: [{ role: 'user', content: 'hi' }],
      })
    ).model;
  return { gateway, file, simUrl, servedBy };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not met in time');
}

describe('hot reload', () => {
  it('applies a changed file and keeps the old policy when the new file is invalid', async () => {
    const { gateway, file, simUrl, servedBy } = await setup();
    const errors: unknown[] = [];
    const watcher = watchPolicy(file, {
      onChange: (policy) => void gateway.reload(policy),
      onError: (error) => errors.push(error),
      debounceMs: 20,
    });
    cleanups.push(() => watcher.close());
    expect(await servedBy()).toBe('one');

    writeFileSync(file, policyFor(simUrl, 'two'));
    await waitFor(async () => (await servedBy()) === 'two');

    writeFileSync(file, `${policyFor(simUrl, 'two')}\nroutes_typo: [\n`);
    await waitFor(async () => errors.length > 0);
    expect(String(errors[0])).toMatch(/switchyard\.yaml:\d+/);
    expect(await servedBy()).toBe('two');
  });

  it('reloads from the source on demand (SIGHUP path) and rejects an invalid file', async () => {
    const { gateway, file, simUrl, servedBy } = await setup();
    writeFileSync(file, policyFor(simUrl, 'two'));
    await gateway.reloadFromSource();
    expect(await servedBy()).toBe('two');

    writeFileSync(file, policyFor(simUrl, 'nonexistent_target'));
    await expect(gateway.reloadFromSource()).rejects.toThrow(/nonexistent_target/);
    expect(await servedBy()).toBe('two');
  });
});
