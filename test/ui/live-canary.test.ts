import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  LiveCanary,
  LiveSnapshot,
} from '../../src/gateway/workspace-api/workspace-api-types.js';
import { formatGateValue } from '../../src/report/report-tables.js';
import {
  type BrowserSession,
  collectPageErrors,
  launchBrowser,
  saveScreenshot,
} from '../support/browser.js';
import { ensureUiBuilt } from '../support/ensure-ui-built.js';
import { type GatewayHarness, QUICK_PROFILE, startHarness } from '../support/gateway-harness.js';

/** The live page's canary card in real Chromium: progress, steps, gate values, and a rollback. */

const ADMIN_TOKEN = 'admin-secret';
const REASON = 'p95 regression seen by on-call';
let harness: GatewayHarness;
let session: BrowserSession;

const target = (name: string) =>
  `  ${name}: { provider: openai-compatible, base_url: "{{SIM}}", model: ${name}-model, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 2 } }`;

async function call(path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${harness.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

async function chatCanary(): Promise<LiveCanary | undefined> {
  const live = (await call('/api/live')).json as LiveSnapshot;
  return live.canaries.find((canary) => canary.route === 'chat');
}

beforeAll(async () => {
  await ensureUiBuilt();
  harness = await startHarness({
    profiles: { 'base-model': QUICK_PROFILE, 'cand-model': QUICK_PROFILE },
    env: { ADMIN_TOKEN },
    gatewayOptions: { canaryEvaluationMs: 50 },
    // interval_s is long so the canary holds at its first step while the page is checked.
    policyYaml: `
version: 1
server: { admin_token_env: ADMIN_TOKEN }
targets:
${target('base')}
${target('cand')}
routes:
  chat:
    targets: [base]
    canary: { target: cand, steps: [20, 50, 100], interval_s: 600, min_samples: 3, window_s: 30, gates: ["error_rate <= baseline + 0.05", "p95_latency_ms < 5000"] }
default_route: chat
`,
  });
  const client = harness.openai({ apiKey: ADMIN_TOKEN });
  // Enough distinct users that both arms collect min_samples, bounded in count and time.
  const started = Date.now();
  for (let index = 0; index < 200 && Date.now() - started < 6000; index += 1) {
    await client.chat.completions.create({
      model: 'chat',
      user: `user-${index}`,
      messages: [{ role: 'user', content: `hello ${index}` }],
    });
    if (index >= 10 && index % 5 === 0) {
      const canary = await chatCanary();
      const gates = canary?.lastVerdict?.gates ?? [];
      if (gates.length > 0 && gates.every((gate) => gate.canary !== null)) break;
    }
  }
  session = await launchBrowser();
  // The Workspace keeps its token in sessionStorage; set it before the app reads it.
  await session.context.addInitScript(
    `sessionStorage.setItem('switchyard.workspace.token', ${JSON.stringify(ADMIN_TOKEN)})`,
  );
});

afterAll(async () => {
  await session?.close();
  await harness?.close();
});

describe('live canary', () => {
  it('shows a canary’s percentage, steps and last verdict’s gate values, then its rollback after an abort', async () => {
    const { page } = session;
    const errors = collectPageErrors(page);
    const before = await chatCanary();
    expect(before?.percentage).toBe(20);
    const verdict = before?.lastVerdict;
    expect(verdict, 'the canary was judged before the page opened').toBeTruthy();
    expect(verdict?.gates.map((gate) => gate.gate)).toEqual([
      'error_rate <= baseline + 0.05',
      'p95_latency_ms < 5000',
    ]);

    await page.goto(`${harness.url}/ui/live`);
    const card = page.getByRole('article', { name: /^Route chat: cand/ });
    await card.waitFor();
    expect(await card.getByRole('heading').first().textContent()).toBe('Route chat: cand running');
    const progress = card.getByRole('progressbar', { name: /% of traffic/ });
    expect(await progress.getAttribute('value')).toBe('20');
    expect(await card.locator('label').first().textContent()).toBe('20% of traffic, next step 50%');
    const steps = card.getByRole('list', { name: 'Canary steps' }).getByRole('listitem');
    expect(await steps.allTextContents()).toEqual(['20%', '50%', '100%']);
    expect(await steps.evaluateAll((items) => items.map((item) => item.className))).toEqual([
      'reached',
      '',
      '',
    ]);

    // Each gate's row shows the values of the last verdict, formatted as the reports do.
    const gates = card.getByRole('region', { name: 'Canary gates of chat' });
    const shown = await chatCanary();
    for (const gate of shown?.lastVerdict?.gates ?? []) {
      const cells = await gates
        .getByRole('row', {
          name: new RegExp(`^${gate.gate.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
        })
        .locator('td')
        .allTextContents();
      expect(cells).toEqual([
        gate.status,
        formatGateValue(gate.canary),
        formatGateValue(gate.baseline),
        formatGateValue(gate.threshold),
      ]);
    }
    expect(shown?.lastVerdict?.gates.some((gate) => gate.canary !== null)).toBe(true);
    const history = card.locator('ol.history-list li');
    expect(await history.allTextContents()).toEqual([
      expect.stringMatching(/^canary-start .*: 0% → 20%, canary of cand started at 20%$/),
    ]);
    await saveScreenshot(page, 'live-canary-running');

    // The operator aborts the canary through the admin API; the page picks it up by polling.
    const aborted = await call('/admin/traffic', {
      route: 'chat',
      canary: 'abort',
      reason: REASON,
    });
    expect(aborted.status).toBe(200);
    await expect
      .poll(() => card.getByRole('heading').first().textContent(), { timeout: 10_000 })
      .toBe('Route chat: cand rolled_back');
    expect(await progress.getAttribute('value')).toBe('0');
    // Newest first: the rollback above the start.
    expect(await history.count()).toBe(2);
    expect(await history.first().textContent()).toMatch(
      new RegExp(
        `^canary-rollback \\d{4}-\\d\\d-\\d\\d [\\d:]+: 20% → 0%, manual abort: ${REASON} \\(manual\\)$`,
      ),
    );
    expect(await history.first().locator('.chip-bad').textContent()).toBe('canary-rollback');
    await saveScreenshot(page, 'live-canary-rolled-back');
    expect(errors).toEqual([]);
  });
});
