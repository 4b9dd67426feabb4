import { existsSync, readFileSync } from 'node:fs';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTrace } from '../src/telemetry/index.js';
import { type GatewayHarness, QUICK_PROFILE, startHarness } from './support/gateway-harness.js';

const UPSTREAM_KEY = 'sk-upstream-SECRET-4f9c2a7e1b';

const POLICY = `
version: 1
log: { capture_bodies: true }
targets:
  keyed:
    provider: openai-compatible
    base_url: "{{SIM}}"
    model: keyed-model
    api_key_env: UPSTREAM_KEY
    price: { input_per_mtok: 1, output_per_mtok: 1 }
    context_window: 100000
  broken:
    provider: openai-compatible
    base_url: "{{SIM}}"
    model: broken-model
    api_key_env: UPSTREAM_KEY
    price: { input_per_mtok: 1, output_per_mtok: 1 }
    context_window: 100000
routes:
  good: { targets: [keyed] }
  bad: { targets: [{ target: broken, max_attempts: 1 }] }
default_route: good
`;

let harness: GatewayHarness;
const seen: string[] = [];

beforeAll(async () => {
  harness = await startHarness({
    profiles: {
      'keyed-model': QUICK_PROFILE,
      'broken-model': { ...QUICK_PROFILE, faults: { rates: { server_error: 1 } } },
    },
    policyYaml: POLICY,
    env: { UPSTREAM_KEY },
  });
  const client = harness.openai();
  const ok = await client.chat.completions
    .create({
      model: 'auto',
      messages: [
        { role: 'user', content: 'Mail me at jane.doe@example.com or call +1 415 555 0100' },
      ],
    })
    .withResponse();
  seen.push(JSON.stringify(ok.data), JSON.stringify([...ok.response.headers.entries()]));
  const stream = await client.chat.completions.create({
    model: 'good',
    stream: true,
    messages: [{ role: 'user', content: 'hi' }],
  });
  for await (const chunk of stream) seen.push(JSON.stringify(chunk));
  const failed = await request(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'bad', messages: [{ role: 'user', content: 'hi' }] }),
  });
  seen.push(String(failed.statusCode), JSON.stringify(failed.headers), await failed.body.text());
  seen.push(await (await request(`${harness.url}/metrics`)).body.text());
});
afterAll(async () => harness.close());

describe('upstream keys never leak', () => {
  it('sends the key upstream (so the check below is meaningful)', () => {
    const headers = harness.sim.stats().log.map((entry) => entry.authorization);
    expect(headers).toContain(`Bearer ${UPSTREAM_KEY}`);
  });

  it('keeps it out of responses, headers, errors and metrics', () => {
    expect(seen.join('\n')).toContain('all_targets_failed');
    expect(seen.join('\n')).not.toContain(UPSTREAM_KEY);
  });

  it('keeps it out of the request log, the trace export and the server log', async () => {
    await harness.gateway.context.log?.flush();
    const lines: string[] = [];
    await exportTrace(harness.store, {}, (line) => {
      lines.push(line);
    });
    expect(lines.length).toBe(3);
    expect(lines.join('\n')).not.toContain(UPSTREAM_KEY);
    for (const file of [harness.policy.log.path, `${harness.policy.log.path}-wal`]) {
      if (existsSync(file))
        expect(readFileSync(file).toString('latin1')).not.toContain(UPSTREAM_KEY);
    }
    expect(harness.logLines.join('\n')).not.toContain(UPSTREAM_KEY);
  });

  it('redacts PII in stored bodies', async () => {
    const records = await harness.records();
    const stored = JSON.stringify(records[0]?.request);
    expect(stored).not.toContain('jane.doe@example.com');
    expect(stored).not.toContain('555 0100');
    expect(stored).toContain('[EMAIL]');
  });
});
