import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePolicyText } from '../src/routing/policy/index.js';
import { createSqliteLogStore } from '../src/store/index.js';
import { makeRequestRecord } from '../src/telemetry/__fixtures__/request-records.js';

const RUN_CLI = new URL('./support/run-cli.ts', import.meta.url).pathname;
const EXAMPLES = new URL('../examples/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', RUN_CLI, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('switchyard policy', () => {
  it('check: accepts the embedded policy and summarizes it', () => {
    const result = cli('policy', 'check', join(EXAMPLES, 'switchyard.yaml'));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ok — 2 targets, 2 routes/);
  });

  it('check: names the file, line and field of a mistake and exits non-zero', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'version: 1\ntargets:\n  a:\n    provider: sim\n    sim: small-fast\n    context_window: lots\n',
    );
    const result = cli('policy', 'check', bad);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('bad.yaml:6:21');
    expect(result.stderr).toContain('targets.a.context_window');
  });

  it('convert: turns a seed config into a native policy that loads', () => {
    const result = cli('policy', 'convert', join(EXAMPLES, 'seed-corrected-config.yaml'));
    expect(result.code).toBe(0);
    const policy = parsePolicyText(result.stdout, join(dir, 'converted.yaml'));
    expect([...policy.targets.keys()]).toEqual(
      expect.arrayContaining(['small-precise', 'big-decoder-v2']),
    );
  });

  it('schema: prints a JSON Schema', () => {
    const result = cli('policy', 'schema');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveProperty('properties.targets');
  });
});

describe('switchyard logs export', () => {
  it('writes stored records as JSONL, filtered by --since', async () => {
    const dbPath = join(dir, 'export.db');
    const store = createSqliteLogStore(dbPath);
    const now = Date.now();
    await store.append([
      makeRequestRecord({ id: 'recent', ts: now - 60_000 }),
      makeRequestRecord({ id: 'old', ts: now - 10 * 24 * 3600_000 }),
    ]);
    await store.close();
    const result = cli('logs', 'export', '--db', dbPath, '--since', '7d');
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.id)).toEqual(['recent']);
    expect(lines[0]).toHaveProperty('served_target');
    expect(result.stderr).toMatch(/exported 1 request record/);
  });

  it('fails clearly on a bad --since', () => {
    const result = cli(
      'logs',
      'export',
      '--db',
      join(dir, 'export.db'),
      '--since',
      'yesterday-ish',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/since/i);
  });
});

describe('switchyard sim', () => {
  it('serves a simulated OpenAI-compatible model on the given port', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUN_CLI, 'sim', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      if (!child.stdout) throw new Error('no stdout');
      const lines = createInterface({ input: child.stdout });
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('sim did not start')), 15_000);
        lines.on('line', (line) => {
          const match = /listening on (\S+)/.exec(line);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
      });
      const client = new OpenAI({ baseURL: url, apiKey: 'x', maxRetries: 0 });
      const { data, response } = await client.chat.completions
        .create({ model: 'anything', messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
      expect(data.choices[0]?.message.content).toMatch(/simulated/);
      expect(response.headers.get('x-switchyard-simulated')).toBe('true');
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('switchyard traffic', () => {
  it('kills and restores traffic on a running gateway through its admin API', async () => {
    const { startHarness, QUICK_PROFILE } = await import('./support/gateway-harness.js');
    const harness = await startHarness({
      profiles: { 'main-model': QUICK_PROFILE, 'safe-model': QUICK_PROFILE },
      env: { ADMIN_TOKEN: 'admin-secret' },
      policyYaml: `
version: 1
server: { admin_token_env: ADMIN_TOKEN }
traffic: { safe_route: safe }
targets:
  main: { provider: openai-compatible, base_url: "{{SIM}}", model: main-model, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 1 } }
  safe: { provider: openai-compatible, base_url: "{{SIM}}", model: safe-model, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 1 } }
routes:
  primary: { targets: [main] }
  safe: { targets: [safe] }
default_route: primary
`,
    });
    try {
      const ask = async () =>
        (
          await harness
            .openai()
            .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] })
        ).model;
      const run = (...args: string[]) =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', RUN_CLI, ...args], {
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let stdout = '';
          let stderr = '';
          child.stdout?.on('data', (chunk) => {
            stdout += chunk;
          });
          child.stderr?.on('data', (chunk) => {
            stderr += chunk;
          });
          child.once('exit', (code) => resolve({ code, stdout, stderr }));
        });
      const killed = await run(
        'traffic',
        'kill',
        '--url',
        harness.url,
        '--token',
        'admin-secret',
        '--reason',
        'drill',
      );
      expect(killed.code).toBe(0);
      expect(JSON.parse(killed.stdout).kill_switch).toMatchObject({
        active: true,
        reason: 'drill',
      });
      expect(await ask()).toBe('safe');
      const wrongToken = await run('traffic', 'status', '--url', harness.url, '--token', 'nope');
      expect(wrongToken.code).toBe(1);
      expect(wrongToken.stderr).toMatch(/401/);
      const restored = await run(
        'traffic',
        'restore',
        '--url',
        harness.url,
        '--token',
        'admin-secret',
      );
      expect(restored.code).toBe(0);
      expect(await ask()).toBe('main');
    } finally {
      await harness.close();
    }
  });
});
