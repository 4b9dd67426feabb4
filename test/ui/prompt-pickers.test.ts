import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStore } from '../../src/eval/run-store.js';
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

/** The playground's prompt sources in real Chromium: the request log, a trace file, a run's diff. */

const dir = mkdtempSync(join(tmpdir(), 'switchyard-ui-pickers-'));
let runStore: RunStore;
let harness: GatewayHarness;
let session: BrowserSession;
const run = makeRunReport({ id: '20250301-120000-pickers', name: 'picker-run' });

/** Sent oldest first; each is one logged chat with a stored body. */
const CHATS = [
  [{ role: 'user', content: 'first logged question' }],
  [
    { role: 'system', content: 'You are a billing assistant.' },
    { role: 'user', content: 'Where is invoice 7?' },
    { role: 'assistant', content: 'It was sent on Monday.' },
    { role: 'user', content: 'Send it again please' },
  ],
];

const TRACE = [
  JSON.stringify({
    id: 'refund-1',
    tags: ['billing', 'vip'],
    messages: [
      { role: 'system', content: 'Trace system prompt.' },
      { role: 'user', content: 'I want my money back for order 991 right now' },
    ],
  }),
  '{"prompt": broken json',
  JSON.stringify({
    id: 'exported',
    request: { messages: [{ role: 'user', content: 'From an export' }] },
  }),
  JSON.stringify({ hello: 'not a chat' }),
  '',
  JSON.stringify({ id: 'short', prompt: 'Write a haiku', system: 'Be poetic.', tags: 'poetry' }),
].join('\n');

beforeAll(async () => {
  await ensureUiBuilt();
  runStore = createSqliteRunStore(join(dir, 'runs.db'));
  await runStore.save(run);
  harness = await startHarness({
    profiles: { 'one-model': QUICK_PROFILE, 'two-model': QUICK_PROFILE },
    gatewayOptions: { workspace: { runStore } },
    policyYaml: `
version: 1
server: { expose_targets: true }
log: { capture_bodies: true }
targets:
  one: { provider: openai-compatible, base_url: "{{SIM}}", model: one-model, context_window: 100000 }
  two: { provider: openai-compatible, base_url: "{{SIM}}", model: two-model, context_window: 100000 }
routes:
  chat: { targets: [one] }
default_route: chat
`,
  });
  for (const messages of CHATS) {
    await harness.openai().chat.completions.create({
      model: 'chat',
      messages: messages as Array<{ role: 'user'; content: string }>,
    });
  }
  session = await launchBrowser();
});

afterAll(async () => {
  await session?.close();
  await harness?.close();
  await runStore?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('playground prompt pickers', () => {
  it('lists recent logged chats with loading, error and empty states, and fills the chat from one', async () => {
    const { page } = session;
    const errors = collectPageErrors(page);
    const records = await harness.records();
    const newest = records.reduce((a, b) => (b.ts > a.ts ? b : a));

    // Held answer: the loading state shows; then a 500: the error state with a retry.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(/\/api\/requests\?/, async (route) => {
      await held;
      await route.fulfill({
        status: 500,
        contentType: 'application/json',
        body: JSON.stringify({ error: { message: 'log store is down', code: 'internal_error' } }),
      });
    });
    await page.goto(`${harness.url}/ui/playground`);
    const picker = page.getByTestId('logged-chat-picker');
    await picker.getByText('From the request log').click();
    await picker.getByText('Loading recent chats…').waitFor();
    release();
    await picker.getByRole('heading', { name: 'Could not load recent chats' }).waitFor();
    expect(await picker.getByRole('alert').textContent()).toContain('log store is down');

    // An empty log says so.
    await page.unroute(/\/api\/requests\?/);
    await page.route(/\/api\/requests\?/, (route) =>
      route.fulfill({
        contentType: 'application/json',
        body: JSON.stringify({ requests: [], next: null }),
      }),
    );
    await picker.getByRole('button', { name: 'Try again' }).click();
    await picker.getByText('The request log is empty').waitFor();
    await page.unroute(/\/api\/requests\?/);

    // The real log: newest first, every row with a stored body.
    await page.reload();
    await picker.getByText('From the request log').click();
    const items = picker.getByRole('list', { name: 'Recent logged chats' }).getByRole('button');
    await items.first().waitFor();
    expect(await items.count()).toBe(CHATS.length);
    expect(await items.first().getAttribute('data-request-id')).toBe(newest.id);

    // Keyboard pick: focus the newest chat and press Enter.
    await items.first().focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('chat-source').waitFor();
    expect(await page.getByTestId('chat-source').textContent()).toBe(
      `Loaded request ${newest.id} with 3 earlier messages.`,
    );
    expect(await page.getByLabel('Prompt').inputValue()).toBe('Send it again please');
    expect(await page.locator('details.history li').allTextContents()).toEqual([
      'system: You are a billing assistant.',
      'user: Where is invoice 7?',
      'assistant: It was sent on Monday.',
    ]);
    // Focus moved to the prompt, ready to edit.
    expect(await page.evaluate('document.activeElement.id')).toBe('prompt');
    await saveScreenshot(page, 'playground-log-picker');
    expect(errors.filter((error) => !error.includes('500'))).toEqual([]);
  });

  it('reads a local trace file, reports skipped lines, filters, and compares the picked chat', async () => {
    const { page } = session;
    await page.goto(`${harness.url}/ui/playground`);
    const picker = page.getByTestId('trace-file-picker');
    await picker.getByText('From a trace file').click();
    expect(await picker.getByText('No file chosen yet.').count()).toBe(1);
    await picker.getByLabel('JSONL trace file').setInputFiles({
      name: 'support.jsonl',
      mimeType: 'application/jsonl',
      buffer: Buffer.from(TRACE),
    });
    const summary = picker.getByTestId('trace-summary');
    await summary.waitFor();
    expect(await summary.textContent()).toBe('support.jsonl: 3 chats; 2 malformed lines skipped.');
    await picker.getByText('Why lines were skipped').click();
    expect(await picker.locator('.skipped-lines li').allTextContents()).toEqual([
      'Line 2: invalid JSON',
      expect.stringMatching(/^Line 4: expected "messages"/),
    ]);
    const items = picker.getByRole('list', { name: 'Chats in support.jsonl' }).getByRole('button');
    expect(
      await items.evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-entry'))),
    ).toEqual(['refund-1', 'exported', 'short']);
    expect(await items.first().textContent()).toContain('billing');
    expect(await items.first().textContent()).toContain('I want my money back for order 991');

    await picker.getByLabel('Filter entries').fill('vip');
    await expect.poll(() => items.count(), { timeout: 10_000 }).toBe(1);
    await picker.getByLabel('Filter entries').fill('no such words');
    await picker.getByText('No entry matches').waitFor();
    await picker.getByLabel('Filter entries').fill('');
    await expect.poll(() => items.count(), { timeout: 10_000 }).toBe(3);

    const violations = await seriousViolations(page);
    expect(violations, describeViolations('playground with a trace', violations)).toEqual([]);

    await items.first().click();
    expect(await page.getByTestId('chat-source').textContent()).toBe(
      'Loaded entry refund-1 (line 1) of support.jsonl with 1 earlier message.',
    );
    expect(await page.getByLabel('Prompt').inputValue()).toBe(
      'I want my money back for order 991 right now',
    );
    await saveScreenshot(page, 'playground-trace-picker');

    // The picked chat is what the comparison sends, system prompt included.
    const models = page.getByRole('group', { name: /Models to compare/ });
    for (const box of await models.getByRole('checkbox').all()) await box.uncheck();
    await models.getByRole('checkbox', { name: /^one/ }).check();
    await models.getByRole('checkbox', { name: /^two/ }).check();
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.locator('article.answer-done[data-model="one"]').waitFor();
    await page.locator('article.answer-done[data-model="two"]').waitFor();
    const sent = (await harness.records()).filter((record) =>
      JSON.stringify(record.request).includes('order 991'),
    );
    expect(sent.length).toBe(2);
    for (const record of sent) {
      expect((record.request as { messages: unknown[] }).messages).toEqual([
        { role: 'system', content: 'Trace system prompt.' },
        { role: 'user', content: 'I want my money back for order 991 right now' },
      ]);
    }
  });

  it('opens a run diff row in the playground with its prompt', async () => {
    const { page } = session;
    const row = run.diff[0];
    expect(row).toBeDefined();
    await page.goto(`${harness.url}/ui/runs/${encodeURIComponent(run.id)}`);
    const first = page.locator('li.diff-row').first();
    await first.waitFor();
    expect(await first.getAttribute('data-entry')).toBe(row?.entryId);
    await first.getByRole('link', { name: /^Open in playground/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Playground' }).waitFor();
    expect(await page.getByLabel('Prompt').inputValue()).toBe(row?.prompt);
    expect(await page.getByTestId('chat-source').textContent()).toBe(
      `Prompt from entry ${row?.entryId} of run picker-run.`,
    );
    // A reload keeps the prompt: it travels in the URL.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Playground' }).waitFor();
    expect(await page.getByLabel('Prompt').inputValue()).toBe(row?.prompt);
    await saveScreenshot(page, 'playground-from-diff');
  });
});
