import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunStore } from '../src/eval/run-store.js';
import { readTrace } from '../src/eval/trace/index.js';
import type {
  LiveSnapshot,
  RequestListResponse,
  RunListResponse,
  WorkspaceInfo,
} from '../src/gateway/workspace-api/index.js';
import { createWorkspaceServer } from '../src/gateway/workspace-api/index.js';
import { makeRunReport } from '../src/report/__fixtures__/run-report.js';
import { createSqliteLogStore, createSqliteRunStore } from '../src/store/index.js';
import { type GatewayHarness, QUICK_PROFILE, startHarness } from './support/gateway-harness.js';

/** The Workspace's JSON API and /ui assets, on a real gateway over loopback. */

const ADMIN = { authorization: 'Bearer admin-secret' };
const target = (name: string, price = 1) =>
  `  ${name}: { provider: openai-compatible, base_url: "{{SIM}}", model: ${name}-model, context_window: 100000, price: { input_per_mtok: ${price}, output_per_mtok: ${price} } }`;

const POLICY = `
version: 1
server: { admin_token_env: ADMIN_TOKEN }
log: { capture_bodies: true }
targets:
${target('small', 1)}
${target('large', 10)}
routes:
  chat: { targets: [small] }
  deep: { targets: [large] }
default_route: chat
`;

let harness: GatewayHarness | null = null;
let runStore: RunStore | null = null;
let dir = '';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-workspace-'));
});
afterEach(async () => {
  await harness?.close();
  await runStore?.close();
  harness = null;
  runStore = null;
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: { uiAssetsDir?: string } = {}): Promise<GatewayHarness> {
  runStore = createSqliteRunStore(join(dir, 'runs.db'));
  harness = await startHarness({
    profiles: { 'small-model': QUICK_PROFILE, 'large-model': QUICK_PROFILE },
    env: { ADMIN_TOKEN: 'admin-secret' },
    policyYaml: POLICY,
    gatewayOptions: {
      workspace: {
        runStore,
        suitePath: join(dir, 'suite.jsonl'),
        uiAssetsDir: options.uiAssetsDir ?? join(dir, 'no-ui-here'),
      },
    },
  });
  return harness;
}

async function api<T>(
  h: { url: string },
  path: string,
  init: { method?: 'GET' | 'POST'; body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await request(`${h.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...ADMIN, 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, body: JSON.parse(text) as T };
}

async function chat(h: GatewayHarness, model: string, user: string) {
  return h
    .openai({ apiKey: 'admin-secret' })
    .chat.completions.create({ model, user, messages: [{ role: 'user', content: `hi ${user}` }] });
}

describe('workspace API', () => {
  it('describes the gateway: models, priced targets without secrets, and what it can serve', async () => {
    const h = await start();
    const { status, body } = await api<WorkspaceInfo>(h, '/api/info');
    expect(status).toBe(200);
    expect(body.mode).toBe('gateway');
    expect(body.models).toEqual(['auto', 'chat', 'deep', 'small', 'large']);
    expect(body.targets.find((entry) => entry.name === 'large')).toEqual({
      name: 'large',
      provider: 'openai-compatible',
      model: 'large-model',
      simulated: false,
      contextWindow: 100000,
      inputPricePerMillion: 10,
      outputPricePerMillion: 10,
    });
    expect(JSON.stringify(body)).not.toContain(h.simUrl);
    expect(body.features).toMatchObject({
      live: true,
      playground: true,
      killSwitch: true,
      requestLog: true,
      capturedBodies: true,
      runs: true,
      suitePath: join(dir, 'suite.jsonl'),
    });
  });

  it('labels a target simulated once its upstream (a sim server) has labelled an answer so', async () => {
    const h = await start();
    const simulatedOf = async (name: string) =>
      (await api<WorkspaceInfo>(h, '/api/info')).body.targets.find((entry) => entry.name === name)
        ?.simulated;
    const adminSimulated = async (name: string) =>
      (
        await api<{ targets: Array<{ name: string; simulated: boolean }> }>(h, '/admin/state')
      ).body.targets.find((entry) => entry.name === name)?.simulated;
    // Configured as openai-compatible: nothing says simulated until an answer does.
    expect(await simulatedOf('small')).toBe(false);
    expect(await adminSimulated('small')).toBe(false);
    await chat(h, 'chat', 'ann');
    expect(await simulatedOf('small')).toBe(true);
    expect(await adminSimulated('small')).toBe(true);
    const live = await api<LiveSnapshot>(h, '/api/live');
    expect(live.body.traffic.find((row) => row.target === 'small')?.simulated).toBe(true);
    // A target that has not answered yet stays unlabelled.
    expect(await simulatedOf('large')).toBe(false);
  });

  it('refuses /api without the admin token, and with a wrong one', async () => {
    const h = await start();
    const missing = await api<{ error: { code: string } }>(h, '/api/requests', {
      headers: { authorization: '' },
    });
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('missing_api_key');
    const wrong = await api<{ error: { code: string } }>(h, '/api/info', {
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_api_key');
  });

  it('pages the request log newest first with filters, and opens one request', async () => {
    const h = await start();
    await chat(h, 'chat', 'ann');
    await chat(h, 'deep', 'bob');
    await chat(h, 'chat', 'bob');
    await chat(h, 'large', 'cat');
    const missing = await h
      .openai({ apiKey: 'admin-secret' })
      .chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] })
      .catch((error: { status: number }) => error.status);
    expect(missing).toBe(404);
    await h.gateway.context.log?.flush();

    const all = await api<RequestListResponse>(h, '/api/requests');
    expect(all.body.requests.map((row) => row.userId)).toEqual([null, 'cat', 'bob', 'bob', 'ann']);
    expect(all.body.next).toBeNull();

    const bob = await api<RequestListResponse>(h, '/api/requests?user=bob&route=chat');
    expect(bob.body.requests).toHaveLength(1);
    expect(bob.body.requests[0]).toMatchObject({
      route: 'chat',
      servedTarget: 'small',
      status: 200,
      userId: 'bob',
      attempts: 1,
      hasBody: true,
    });
    const byTarget = await api<RequestListResponse>(h, '/api/requests?target=large');
    expect(byTarget.body.requests.map((row) => row.userId)).toEqual(['cat', 'bob']);
    const errors = await api<RequestListResponse>(h, '/api/requests?status=error');
    expect(errors.body.requests.map((row) => row.status)).toEqual([404]);
    const exact = await api<RequestListResponse>(h, '/api/requests?status=200');
    expect(exact.body.requests).toHaveLength(4);

    const first = await api<RequestListResponse>(h, '/api/requests?limit=2');
    expect(first.body.requests).toHaveLength(2);
    const second = await api<RequestListResponse>(
      h,
      `/api/requests?limit=2&cursor=${encodeURIComponent(first.body.next ?? '')}`,
    );
    expect(second.body.requests.map((row) => row.userId)).toEqual(['bob', 'bob']);
    expect(
      new Set([...first.body.requests, ...second.body.requests].map((row) => row.id)).size,
    ).toBe(4);

    const id = bob.body.requests[0]?.id ?? '';
    const detail = await api<{ id: string; request: { messages: unknown[] }; attempts: unknown[] }>(
      h,
      `/api/requests/${id}`,
    );
    expect(detail.status).toBe(200);
    expect(detail.body.id).toBe(id);
    expect(detail.body.request.messages).toEqual([{ role: 'user', content: 'hi bob' }]);
    expect(detail.body.attempts).toHaveLength(1);
    expect((await api(h, '/api/requests/no-such-id')).status).toBe(404);
  });

  it('names the parameter of a bad filter instead of widening the result', async () => {
    const h = await start();
    for (const [query, param] of [
      ['status=teapot', 'status'],
      ['limit=0', 'limit'],
      ['since=yesterday-ish', 'since'],
      ['cursor=garbage', 'cursor'],
      ['rout=chat', 'rout'],
    ] as const) {
      const { status, body } = await api<{ error: { code: string; param: string } }>(
        h,
        `/api/requests?${query}`,
      );
      expect(status, query).toBe(400);
      expect(body.error).toMatchObject({ code: 'invalid_request', param });
    }
  });

  it('lists stored runs newest first and returns a whole report', async () => {
    const h = await start();
    await runStore?.save(makeRunReport({ id: 'run-old', startedAt: '2026-11-01T10:00:00.000Z' }));
    await runStore?.save(makeRunReport({ id: 'run-new', startedAt: '2026-11-20T10:00:00.000Z' }));
    const list = await api<RunListResponse>(h, '/api/runs');
    expect(list.body.runs.map((run) => run.id)).toEqual(['run-new', 'run-old']);
    const report = await api<{ id: string; diff: unknown[] }>(h, '/api/runs/run-old');
    expect(report.status).toBe(200);
    expect(report.body.id).toBe('run-old');
    expect(report.body.diff.length).toBeGreaterThan(0);
    expect((await api(h, '/api/runs/missing')).status).toBe(404);
    // A prefix that matches both runs is ambiguous and says so.
    const ambiguous = await api<{ error: { code: string } }>(h, '/api/runs/run-');
    expect(ambiguous.status).toBe(400);
  });

  it('reports live traffic per route and target, breakers, and the kill-switch', async () => {
    const h = await start();
    // Only the chat route is used: the large target's breaker must still be listed.
    await chat(h, 'chat', 'ann');
    await chat(h, 'chat', 'bob');
    await chat(h, 'auto', 'cat');
    await api(h, '/admin/traffic', { method: 'POST', body: { kill: true, reason: 'drill' } });
    const { body } = await api<LiveSnapshot>(h, '/api/live');
    const rows = Object.fromEntries(body.traffic.map((row) => [`${row.route}/${row.target}`, row]));
    expect(rows['chat/small']?.requests).toBe(3);
    expect(Object.keys(rows)).toEqual(['chat/small']);
    expect(rows['chat/small']?.errorRate).toBe(0);
    expect(rows['chat/small']?.p95Ms).toBeGreaterThan(0);
    expect(rows['chat/small']?.costPerMinuteUsd).toBeGreaterThan(0);
    expect(body.breakers.map((breaker) => `${breaker.target}:${breaker.state}`).sort()).toEqual([
      'large:closed',
      'small:closed',
    ]);
    expect(body.killSwitch).toMatchObject({ active: true, reason: 'drill' });
    expect(body.safeRoute).toBe('chat');
  });

  it('saves a playground comparison as a test case that eval reads back', async () => {
    const h = await start();
    const saved = await api<{ id: string; path: string }>(h, '/api/suite-cases', {
      method: 'POST',
      body: {
        request: {
          model: 'small',
          stream: true,
          temperature: 0,
          messages: [{ role: 'user', content: 'What is 2+2?' }],
        },
        expected: '4',
        tags: ['math', 'math'],
        note: 'small was right',
      },
    });
    expect(saved.status).toBe(201);
    expect(saved.body.path).toBe(join(dir, 'suite.jsonl'));
    const bad = await api<{ error: { param: string } }>(h, '/api/suite-cases', {
      method: 'POST',
      body: { request: { messages: [] } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('request.messages');

    const trace = await readTrace(join(dir, 'suite.jsonl'));
    expect(trace.skipped).toEqual([]);
    expect(trace.entries).toHaveLength(1);
    const entry = trace.entries[0];
    expect(entry?.id).toBe(saved.body.id);
    expect(entry?.expected).toBe('4');
    expect(entry?.tags).toEqual(['workspace', 'math']);
    // The saved model and streaming choice are dropped: eval picks both.
    expect(entry?.request).toEqual({
      model: 'auto',
      messages: [{ role: 'user', content: 'What is 2+2?' }],
      temperature: 0,
    });
  });

  it('serves the built app under /ui with the index as fallback, and says when it is not built', async () => {
    const assets = join(dir, 'ui');
    mkdirSync(join(assets, 'assets'), { recursive: true });
    writeFileSync(join(assets, 'index.html'), '<!doctype html><title>workspace</title>');
    writeFileSync(join(assets, 'assets', 'app-abc123.js'), 'console.log(1)');
    const h = await start({ uiAssetsDir: assets });
    const page = await request(`${h.url}/ui/runs/run-1`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(await page.body.text()).toContain('<title>workspace</title>');
    const script = await request(`${h.url}/ui/assets/app-abc123.js`);
    expect(script.headers['cache-control']).toContain('immutable');
    expect(await script.body.text()).toBe('console.log(1)');
    const bare = await request(`${h.url}/ui`);
    await bare.body.dump();
    expect(bare.statusCode).toBe(301);
    expect(bare.headers.location).toBe('/ui/');
    // Encoded dot segments reach the server as written; they must not climb out of the app.
    writeFileSync(join(dir, 'secret.txt'), 'beside the app, not part of it');
    for (const climb of ['%2e%2e/secret.txt', '..%2fsecret.txt', '%2e%2e%2fsecret.txt']) {
      const climbed = await request(`${h.url}/ui/${climb}`);
      expect(await climbed.body.text(), climb).not.toContain('beside the app');
    }

    await harness?.close();
    harness = null;
    const unbuilt = await start();
    const missing = await request(`${unbuilt.url}/ui/`);
    expect(missing.statusCode).toBe(503);
    expect(await missing.body.text()).toContain('npm run build:ui');
  });

  it('accepts the admin token as a gateway key, so the playground needs one credential', async () => {
    runStore = createSqliteRunStore(join(dir, 'runs.db'));
    harness = await startHarness({
      profiles: { 'small-model': QUICK_PROFILE, 'large-model': QUICK_PROFILE },
      env: { ADMIN_TOKEN: 'admin-secret', CLIENT_KEY: 'client-key' },
      policyYaml: POLICY.replace(
        'server: { admin_token_env: ADMIN_TOKEN }',
        'server: { admin_token_env: ADMIN_TOKEN, api_keys_env: CLIENT_KEY }',
      ),
    });
    const answer = await chat(harness, 'small', 'ann');
    expect(answer.model).toBe('small');
    const refused = await harness
      .openai({ apiKey: 'wrong' })
      .chat.completions.create({ model: 'small', messages: [{ role: 'user', content: 'x' }] })
      .catch((error: { status: number }) => error.status);
    expect(refused).toBe(401);
  });
});

describe('switchyard ui server (offline)', () => {
  it('serves runs and the request log from a stored database, and no live traffic', async () => {
    const path = join(dir, 'stored.db');
    const logStore = createSqliteLogStore(path);
    const runs = createSqliteRunStore(path);
    await runs.save(makeRunReport({ id: 'stored-run' }));
    const server = createWorkspaceServer({ logStore, runStore: runs, suitePath: null });
    const { url } = await server.listen(0, '127.0.0.1');
    try {
      const info = await api<WorkspaceInfo>({ url }, '/api/info');
      expect(info.body.mode).toBe('offline');
      expect(info.body.features).toMatchObject({ live: false, playground: false, runs: true });
      expect((await api<RunListResponse>({ url }, '/api/runs')).body.runs[0]?.id).toBe(
        'stored-run',
      );
      const live = await api<{ error: { code: string; message: string } }>({ url }, '/api/live');
      expect(live.status).toBe(404);
      expect(live.body.error.message).toContain('running gateway');
      const save = await api({ url }, '/api/suite-cases', {
        method: 'POST',
        body: { request: { messages: [{ role: 'user', content: 'x' }] } },
      });
      expect(save.status).toBe(404);
      const root = await request(`${url}/`);
      await root.body.dump();
      expect(root.headers.location).toBe('/ui/');
    } finally {
      await server.close();
      await logStore.close();
      await runs.close();
    }
  });

  it('requires the token it was started with', async () => {
    const path = join(dir, 'stored.db');
    const logStore = createSqliteLogStore(path);
    const server = createWorkspaceServer({ logStore, runStore: null, token: 'ui-token' });
    const { url } = await server.listen(0, '127.0.0.1');
    try {
      expect((await api({ url }, '/api/info')).status).toBe(401);
      const ok = await api<WorkspaceInfo>({ url }, '/api/info', {
        headers: { authorization: 'Bearer ui-token' },
      });
      expect(ok.status).toBe(200);
      expect(ok.body.features.runs).toBe(false);
    } finally {
      await server.close();
      await logStore.close();
    }
  });
});

// Keeps the helper honest: the suite file written above is plain JSONL, one case per line.
describe('suite file format', () => {
  it('writes one JSON object per line', async () => {
    const { createSuiteWriter } = await import('../src/gateway/workspace-api/index.js');
    const path = join(dir, 'nested', 'suite.jsonl');
    const writer = createSuiteWriter(path);
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        writer.append({ request: { messages: [{ role: 'user', content: `case ${index}` }] } }),
      ),
    );
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(20);
    for (const line of lines) expect(JSON.parse(line).tags).toEqual(['workspace']);
  });
});
