import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStore } from '../../src/eval/run-store.js';
import {
  createWorkspaceServer,
  type WorkspaceServer,
} from '../../src/gateway/workspace-api/index.js';
import { makeRunReport } from '../../src/report/__fixtures__/run-report.js';
import { createSqliteRunStore } from '../../src/store/sqlite-run-store.js';
import {
  type BrowserSession,
  collectPageErrors,
  describeViolations,
  launchBrowser,
  saveScreenshot,
  seriousViolations,
} from '../support/browser.js';
import { ensureUiBuilt } from '../support/ensure-ui-built.js';
import { type GatewayHarness, QUICK_PROFILE, startHarness } from '../support/gateway-harness.js';

/**
 * Every Workspace page audited with axe-core in real Chromium at desktop and phone widths, and
 * the playground driven with the keyboard alone.
 */

const dir = mkdtempSync(join(tmpdir(), 'switchyard-ui-a11y-'));
let runStore: RunStore;
let harness: GatewayHarness;
let offline: WorkspaceServer;
let offlineUrl: string;
let session: BrowserSession;
let requestId: string;
const runA = makeRunReport({ id: '20250301-120000-a11y-a', name: 'a11y-nightly' });
const runB = makeRunReport({
  id: '20250302-120000-a11y-b',
  name: 'a11y-candidate',
  startedAt: '2025-03-02T12:00:00.000Z',
});

const target = (name: string) =>
  `  ${name}: { provider: openai-compatible, base_url: "{{SIM}}", model: ${name}-model, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 2 } }`;

beforeAll(async () => {
  await ensureUiBuilt();
  runStore = createSqliteRunStore(join(dir, 'runs.db'));
  await runStore.save(runA);
  await runStore.save(runB);
  harness = await startHarness({
    profiles: { 'base-model': QUICK_PROFILE, 'cand-model': QUICK_PROFILE },
    gatewayOptions: { workspace: { runStore }, canaryEvaluationMs: 50 },
    policyYaml: `
version: 1
server: { expose_targets: true }
log: { capture_bodies: true }
targets:
${target('base')}
${target('cand')}
routes:
  chat:
    targets: [base]
    canary: { target: cand, steps: [20, 50, 100], interval_s: 60, min_samples: 3, window_s: 10, gates: ["error_rate <= baseline + 0.05", "p95_latency_ms < 5000"] }
default_route: chat
`,
  });
  const client = harness.openai();
  for (let index = 0; index < 6; index += 1) {
    await client.chat.completions.create({
      model: 'chat',
      user: `user-${index}`,
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: `question ${index}` },
      ],
    });
  }
  requestId = (await harness.records())[0]?.id ?? '';
  offline = createWorkspaceServer({ logStore: null, runStore });
  ({ url: offlineUrl } = await offline.listen(0, '127.0.0.1'));
  session = await launchBrowser();
});

afterAll(async () => {
  await session?.close();
  await harness?.close();
  await offline?.close();
  await runStore?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The audited pages: where they are and what shows they have finished loading. */
const PAGES: Array<{ name: string; url: () => string; ready: (page: Page) => Promise<unknown> }> = [
  {
    name: 'playground',
    url: () => `${harness.url}/ui/playground`,
    ready: async (page) => {
      await page.getByRole('heading', { level: 1, name: 'Playground' }).waitFor();
      // Audit the pickers open, with the log's list loaded.
      await page.getByText('From the request log').click();
      await page.getByText('From a trace file').click();
      await page.getByRole('list', { name: 'Recent logged chats' }).waitFor();
    },
  },
  {
    name: 'runs',
    url: () => `${harness.url}/ui/runs`,
    ready: (page) => page.locator('table.runs-table tbody tr').first().waitFor(),
  },
  {
    name: 'run',
    url: () => `${harness.url}/ui/runs/${encodeURIComponent(runA.id)}`,
    ready: (page) => page.locator('li.diff-row').first().waitFor(),
  },
  {
    name: 'compare',
    url: () =>
      `${harness.url}/ui/runs/compare?a=${encodeURIComponent(runA.id)}&b=${encodeURIComponent(runB.id)}`,
    ready: (page) =>
      page
        .getByRole('region', { name: /run A vs run B$/ })
        .first()
        .waitFor(),
  },
  {
    name: 'live',
    url: () => `${harness.url}/ui/live`,
    ready: (page) => page.locator('article.canary').waitFor(),
  },
  {
    name: 'request-log',
    url: () => `${harness.url}/ui/requests`,
    ready: (page) => page.locator('table.request-table tbody tr').first().waitFor(),
  },
  {
    name: 'request',
    url: () => `${harness.url}/ui/requests/${encodeURIComponent(requestId)}`,
    ready: (page) => page.locator('.chat-message').first().waitFor(),
  },
  {
    // At 390 px the navigation sits behind a Menu button: audit it open (and hovered).
    name: 'navigation',
    url: () => `${harness.url}/ui/nowhere`,
    ready: async (page) => {
      await page.getByRole('heading', { level: 1, name: 'No such page' }).waitFor();
      const menu = page.getByRole('button', { name: 'Menu' });
      if (await menu.isVisible()) {
        await menu.click();
        await page
          .getByRole('navigation', { name: 'Workspace' })
          .getByRole('link', { name: 'Runs' })
          .waitFor();
      }
    },
  },
  {
    name: 'offline-live',
    url: () => `${offlineUrl}/ui/live`,
    ready: (page) => page.getByRole('region', { name: 'Live traffic' }).waitFor(),
  },
];

describe('accessibility', () => {
  it('has no serious or critical axe violations on any page at 1280 px and at 390 px', async () => {
    const { page } = session;
    const errors = collectPageErrors(page);
    const failures: string[] = [];
    let audited = 0;
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width > 800 ? 900 : 844 });
      for (const entry of PAGES) {
        await page.goto(entry.url());
        await entry.ready(page);
        const violations = await seriousViolations(page);
        audited += 1;
        if (entry.name === 'playground') await saveScreenshot(page, `a11y-playground-${width}`);
        if (violations.length > 0)
          failures.push(describeViolations(`${entry.name} @ ${width}px`, violations));
      }
    }
    expect(audited).toBe(PAGES.length * 2);
    // The audit can fail: a planted unlabelled field is reported.
    await page.evaluate(
      `document.querySelector('main').insertAdjacentHTML('beforeend', '<input type="text">')`,
    );
    expect((await seriousViolations(page)).map((violation) => violation.id)).toContain('label');
    expect(failures, failures.join('\n\n')).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('runs a playground comparison with the keyboard alone, starting from a skip link and the nav', async () => {
    const { page } = session;
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${harness.url}/ui/playground`);
    await page.getByRole('heading', { level: 1, name: 'Playground' }).waitFor();
    const focused = () =>
      page.evaluate(`(() => {
        const element = document.activeElement;
        if (element === null) return '';
        const name = element.getAttribute('aria-label') ?? element.textContent ?? '';
        return element.tagName.toLowerCase() + ':' + (element.value && element.type === 'checkbox' ? element.value : name.trim());
      })()`) as Promise<string>;

    const stops: string[] = [];
    for (let press = 0; press < 6; press += 1) {
      await page.keyboard.press('Tab');
      stops.push(await focused());
    }
    expect(stops).toEqual([
      'a:Skip to content',
      'a:Switchyard Workspace',
      'a:Playground',
      'a:Runs',
      'a:Live',
      'a:Requests',
    ]);

    // The skip link takes focus past the header to the page's content.
    await page.goto(`${harness.url}/ui/playground`);
    await page.getByRole('heading', { level: 1, name: 'Playground' }).waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.id')).toBe('main');

    // Tab to the prompt, type, then Space toggles models: the default pair is base and cand;
    // cand goes out and the chat route comes in.
    for (let press = 0; press < 20 && (await focused()) !== 'textarea:'; press += 1) {
      await page.keyboard.press('Tab');
    }
    expect(await focused()).toBe('textarea:');
    await page.keyboard.type('Name one prime number.');
    const toggles = new Set(['cand', 'chat']);
    let compareFocused = false;
    for (let press = 0; press < 20 && !compareFocused; press += 1) {
      await page.keyboard.press('Tab');
      const stop = await focused();
      const model = stop.startsWith('input:') ? stop.slice('input:'.length) : null;
      if (model !== null && toggles.has(model)) {
        await page.keyboard.press('Space');
        toggles.delete(model);
      }
      compareFocused = stop === 'button:Compare';
    }
    expect(toggles.size).toBe(0);
    expect(compareFocused).toBe(true);
    await page.keyboard.press('Enter');

    const done = (model: string) =>
      page.locator(`article.answer.answer-done[data-model="${model}"]`);
    await done('base').waitFor();
    await done('chat').waitFor();
    expect(await page.locator('article.answer').count()).toBe(2);
    for (const model of ['base', 'chat']) {
      expect((await done(model).getByTestId('answer-text').textContent())?.length).toBeGreaterThan(
        5,
      );
    }
    const sent = (await harness.records()).filter((record) =>
      JSON.stringify(record.request ?? '').includes('Name one prime number.'),
    );
    expect(sent.length).toBe(2);
    const violations = await seriousViolations(page);
    expect(violations, describeViolations('playground with answers', violations)).toEqual([]);
    await saveScreenshot(page, 'a11y-keyboard-comparison');
  });
});
