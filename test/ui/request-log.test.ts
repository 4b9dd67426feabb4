import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserSession,
  collectPageErrors,
  horizontalOverflow,
  launchBrowser,
  saveScreenshot,
} from '../support/browser.js';
import { ensureUiBuilt } from '../support/ensure-ui-built.js';
import { type GatewayHarness, QUICK_PROFILE, startHarness } from '../support/gateway-harness.js';

/** The request log browser in real Chromium: filters, paging, a request's detail and replay. */

let harness: GatewayHarness;
let session: BrowserSession;

const target = (name: string) =>
  `  ${name}: { provider: openai-compatible, base_url: "{{SIM}}", model: ${name}-model, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 2 } }`;

/** Who sent what: [user, model (route), expected outcome]. Sent oldest first. */
const SENT = [
  ['alice', 'chat', 'ok'],
  ['bob', 'code', 'ok'],
  ['alice', 'chat', 'ok'],
  ['carol', 'failing', 'error'],
  ['alice', 'failing', 'error'],
] as const;

beforeAll(async () => {
  await ensureUiBuilt();
  harness = await startHarness({
    profiles: {
      'fast-model': QUICK_PROFILE,
      'smart-model': QUICK_PROFILE,
      'broken-model': { ...QUICK_PROFILE, faults: { rates: { server_error: 1 } } },
    },
    policyYaml: `
version: 1
log: { capture_bodies: true }
targets:
${target('fast')}
${target('smart')}
${target('broken')}
routes:
  chat: { targets: [fast] }
  code: { targets: [smart] }
  failing: { targets: [broken] }
default_route: chat
`,
  });
  const client = harness.openai();
  for (const [index, [user, model, outcome]] of SENT.entries()) {
    const sending = client.chat.completions.create({
      model,
      user,
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: `question ${index} from ${user}` },
      ],
    });
    if (outcome === 'ok') await sending;
    else await expect(sending).rejects.toThrow();
  }
  expect((await harness.records()).length).toBe(SENT.length);
  session = await launchBrowser();
});

afterAll(async () => {
  await session?.close();
  await harness?.close();
});

const rows = () => session.page.locator('table.request-table tbody tr');
const column = (name: string) => rows().locator(`td[data-column="${name}"]`).allTextContents();

async function applyFilters(fields: Record<string, string>) {
  const form = session.page.getByRole('form', { name: 'Filter requests' });
  await form.getByRole('button', { name: 'Clear' }).click();
  for (const [label, value] of Object.entries(fields)) {
    const control = form.getByLabel(label, { exact: true });
    if ((await control.evaluate((element) => element.tagName)) === 'SELECT')
      await control.selectOption(value);
    else await control.fill(value);
  }
  await form.getByRole('button', { name: 'Apply filters' }).click();
}

describe('request log browser', () => {
  it('lists requests newest first and filters them by route, user and status', async () => {
    const { page } = session;
    const errors = collectPageErrors(page);
    await page.goto(`${harness.url}/ui/requests`);
    await expect.poll(() => rows().count(), { timeout: 10_000 }).toBe(SENT.length);
    expect(await column('user')).toEqual(SENT.map(([user]) => user).reverse());

    await applyFilters({ Route: 'code' });
    await expect.poll(() => page.url(), { timeout: 10_000 }).toContain('route=code');
    await expect.poll(() => column('user'), { timeout: 10_000 }).toEqual(['bob']);

    await applyFilters({ User: 'alice' });
    await expect
      .poll(() => column('route'), { timeout: 10_000 })
      .toEqual(['failing', 'chat', 'chat']);

    await applyFilters({ Status: 'error' });
    await expect.poll(() => column('user'), { timeout: 10_000 }).toEqual(['alice', 'carol']);
    for (const status of await rows().locator('.status-chip').allTextContents()) {
      expect(Number(status)).toBeGreaterThanOrEqual(400);
    }

    await applyFilters({ User: 'alice', Status: 'ok' });
    await expect.poll(() => column('route'), { timeout: 10_000 }).toEqual(['chat', 'chat']);
    expect(new URL(page.url()).searchParams.get('status')).toBe('ok');

    await applyFilters({ Status: '42' });
    expect(await page.getByText('Use ok, error, or an HTTP status such as 429.').count()).toBe(1);

    // Filters live in the URL: a reload keeps them; an empty result says so.
    await page.goto(`${harness.url}/ui/requests?user=nobody`);
    await page.getByRole('heading', { name: 'No requests match these filters' }).waitFor();
    expect(await page.getByLabel('User', { exact: true }).inputValue()).toBe('nobody');

    // Paging: two per page, then older pages appended in order.
    await page.goto(`${harness.url}/ui/requests?limit=2`);
    await expect.poll(() => rows().count(), { timeout: 10_000 }).toBe(2);
    await page.getByRole('button', { name: 'Load older requests' }).click();
    await expect.poll(() => rows().count(), { timeout: 10_000 }).toBe(4);
    await page.getByRole('button', { name: 'Load older requests' }).click();
    await expect.poll(() => rows().count(), { timeout: 10_000 }).toBe(5);
    expect(await column('user')).toEqual(SENT.map(([user]) => user).reverse());
    expect(await page.getByRole('button', { name: 'Load older requests' }).count()).toBe(0);
    await saveScreenshot(page, 'request-log');
    expect(errors).toEqual([]);
  });

  it('opens a request with its attempts and chat, and replays the chat in the playground', async () => {
    const { page } = session;
    await page.goto(`${harness.url}/ui/requests?route=code`);
    await page.locator('table.request-table tbody tr th a').first().click();
    await page.getByRole('heading', { level: 1, name: /^Request / }).waitFor();
    expect(await page.locator('.waterfall-row').count()).toBe(1);
    expect(await page.locator('.waterfall-label').textContent()).toContain('smart');
    expect(await page.locator('.chat-message').allTextContents()).toEqual([
      'systemAnswer briefly.',
      'userquestion 1 from bob',
      expect.stringMatching(/^answer \(smart\)\[simulated\]/),
    ]);
    await saveScreenshot(page, 'request-detail');

    await page.getByRole('button', { name: 'Replay this chat' }).click();
    await page.getByRole('heading', { level: 1, name: 'Playground' }).waitFor();
    expect(await page.getByLabel('Prompt').inputValue()).toBe('question 1 from bob');
    expect(await page.locator('details.history li').allTextContents()).toEqual([
      'system: Answer briefly.',
    ]);
  });

  it('fits a 390 px wide screen without horizontal page scrolling', async () => {
    const narrow = await launchBrowser({ width: 390, height: 844 });
    try {
      for (const [path, name] of [
        ['/ui/requests', 'request-log-390'],
        ['/ui/playground', 'playground-390'],
      ] as const) {
        await narrow.page.goto(`${harness.url}${path}`);
        await narrow.page.locator('main h1').waitFor();
        if (path === '/ui/requests')
          await expect
            .poll(() => narrow.page.locator('table.request-table tbody tr').count(), {
              timeout: 10_000,
            })
            .toBe(SENT.length);
        const overflow = await horizontalOverflow(narrow.page);
        expect(overflow, `${path} overflows by ${overflow} px`).toBeLessThanOrEqual(0);
        await saveScreenshot(narrow.page, name);
      }
      // The navigation collapses behind a Menu button.
      const menu = narrow.page.getByRole('button', { name: 'Menu' });
      expect(await narrow.page.getByRole('link', { name: 'Runs' }).isVisible()).toBe(false);
      await menu.click();
      expect(await menu.getAttribute('aria-expanded')).toBe('true');
      await narrow.page.getByRole('link', { name: 'Runs' }).click();
      await narrow.page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor();
    } finally {
      await narrow.close();
    }
  });
});
