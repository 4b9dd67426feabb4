import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStore } from '../../src/eval/run-store.js';
import { makeRunReport } from '../../src/report/__fixtures__/run-report.js';
import { createSqliteRunStore } from '../../src/store/sqlite-run-store.js';
import { type BrowserSession, launchBrowser, saveScreenshot } from '../support/browser.js';
import { ensureUiBuilt } from '../support/ensure-ui-built.js';
import { type GatewayHarness, QUICK_PROFILE, startHarness } from '../support/gateway-harness.js';

/** Failing API calls in real Chromium: every page shows its error state with a retry, never a blank. */

const dir = mkdtempSync(join(tmpdir(), 'switchyard-ui-states-'));
let runStore: RunStore;
let harness: GatewayHarness;
let stoppable: GatewayHarness | null = null;
let session: BrowserSession;
let requestId: string;
const runA = makeRunReport({ id: '20250301-120000-states-a', name: 'states-a' });
const runB = makeRunReport({ id: '20250302-120000-states-b', name: 'states-b' });

const POLICY = `
version: 1
log: { capture_bodies: true }
targets:
  main: { provider: openai-compatible, base_url: "{{SIM}}", model: main-model, context_window: 100000 }
`;

beforeAll(async () => {
  await ensureUiBuilt();
  runStore = createSqliteRunStore(join(dir, 'runs.db'));
  await runStore.save(runA);
  await runStore.save(runB);
  harness = await startHarness({
    profiles: { 'main-model': QUICK_PROFILE },
    gatewayOptions: { workspace: { runStore } },
    policyYaml: POLICY,
  });
  await harness.openai().chat.completions.create({
    model: 'auto',
    messages: [{ role: 'user', content: 'hello' }],
  });
  requestId = (await harness.records())[0]?.id ?? '';
  session = await launchBrowser();
});

afterAll(async () => {
  await session?.close();
  await harness?.close();
  await stoppable?.close();
  await runStore?.close();
  rmSync(dir, { recursive: true, force: true });
});

const FAILURE = {
  status: 500,
  contentType: 'application/json',
  body: JSON.stringify({
    error: { message: 'The store is unavailable', type: 'server_error', code: 'internal_error' },
  }),
};

/** The designed error state: a titled alert with the server's message, code and a retry button. */
async function expectErrorState(page: Page, title: string | RegExp) {
  const alert = page.locator('.state-error');
  await alert.getByRole('heading', { name: title }).waitFor();
  expect(await alert.getAttribute('role')).toBe('alert');
  // Waited for, not sampled: right after a retry the alert can be re-rendering (loading state in
  // between), and a one-shot isVisible() then reads false on a busy machine.
  await alert.getByRole('button', { name: 'Try again' }).waitFor({ state: 'visible' });
  // The header and navigation stay, so the user can go elsewhere.
  expect(await page.getByRole('navigation', { name: 'Workspace' }).count()).toBe(1);
  return alert;
}

describe('error states', () => {
  it('shows each page’s error state with a working retry when its /api call answers 500', async () => {
    const { page } = session;
    const cases: Array<{
      name: string;
      path: string;
      api: RegExp;
      title: string | RegExp;
      loaded: (page: Page) => Promise<unknown>;
    }> = [
      {
        name: 'workspace',
        path: '/ui/playground',
        api: /\/api\/info$/,
        title: 'Could not load the Workspace',
        loaded: (p) => p.getByRole('heading', { level: 1, name: 'Playground' }).waitFor(),
      },
      {
        name: 'runs',
        path: '/ui/runs',
        api: /\/api\/runs$/,
        title: 'Could not load the runs',
        loaded: (p) => p.locator('table.runs-table tbody tr').first().waitFor(),
      },
      {
        name: 'run',
        path: `/ui/runs/${runA.id}`,
        api: /\/api\/runs\/[^/]+$/,
        title: `Could not load run ${runA.id}`,
        loaded: (p) => p.locator('svg#run-latency-cdf').waitFor(),
      },
      {
        name: 'compare',
        path: `/ui/runs/compare?a=${runA.id}&b=${runB.id}`,
        api: /\/api\/runs\/[^/]+$/,
        title: 'Could not load the runs',
        loaded: (p) =>
          p
            .getByRole('region', { name: /run A vs run B$/ })
            .first()
            .waitFor(),
      },
      {
        name: 'request-log',
        path: '/ui/requests',
        api: /\/api\/requests\?/,
        title: 'Could not load the request log',
        loaded: (p) => p.locator('table.request-table tbody tr').first().waitFor(),
      },
      {
        name: 'request',
        path: `/ui/requests/${requestId}`,
        api: /\/api\/requests\/[^/?]+$/,
        title: `Could not load request ${requestId}`,
        loaded: (p) => p.locator('.chat-message').first().waitFor(),
      },
      {
        name: 'live',
        path: '/ui/live',
        api: /\/api\/live$/,
        title: 'Could not load live traffic',
        loaded: (p) => p.getByRole('heading', { level: 2, name: 'Traffic', exact: true }).waitFor(),
      },
    ];
    for (const entry of cases) {
      await page.route(entry.api, (route) => route.fulfill(FAILURE));
      await page.goto(`${harness.url}${entry.path}`);
      const alert = await expectErrorState(page, entry.title);
      expect(await alert.textContent()).toContain('The store is unavailable');
      expect(await alert.locator('code').textContent()).toBe('internal_error');
      if (entry.name === 'run') await saveScreenshot(page, 'state-error-run');
      await page.unroute(entry.api);
      await alert.getByRole('button', { name: 'Try again' }).click();
      await entry.loaded(page);
      expect(await page.locator('.state-error').count(), entry.name).toBe(0);
    }
  });

  it('keeps the app usable when the gateway stops after the page loaded', async () => {
    stoppable = await startHarness({
      profiles: { 'main-model': QUICK_PROFILE },
      gatewayOptions: { workspace: { runStore } },
      policyYaml: POLICY,
    });
    const { page } = session;
    await page.goto(`${stoppable.url}/ui/live`);
    await page.getByRole('heading', { level: 2, name: 'Traffic', exact: true }).waitFor();
    await stoppable.close();
    stoppable = null;

    // Live keeps the last snapshot and says the updates are failing.
    const stale = page.locator('.notice-bad[role="alert"]');
    await stale.waitFor({ timeout: 15_000 });
    // A poll cut off mid-answer can fail with another message first; the next one cannot connect.
    await expect
      .poll(() => stale.textContent(), { timeout: 15_000 })
      .toMatch(/^Live updates are failing \(Could not reach the gateway/);
    expect(
      await page.getByRole('heading', { level: 2, name: 'Traffic', exact: true }).isVisible(),
    ).toBe(true);

    // Another page (the bundle is already loaded) shows its error state; retrying keeps it.
    await page
      .getByRole('navigation', { name: 'Workspace' })
      .getByRole('link', { name: 'Runs' })
      .click();
    const alert = await expectErrorState(page, 'Could not load the runs');
    expect(await alert.locator('code').textContent()).toBe('network_error');
    await alert.getByRole('button', { name: 'Try again' }).click();
    await expectErrorState(page, 'Could not load the runs');
    await saveScreenshot(page, 'state-gateway-stopped');
  });
});
