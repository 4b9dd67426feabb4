import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  launchBrowser,
  saveScreenshot,
} from '../support/browser.js';
import { ensureUiBuilt } from '../support/ensure-ui-built.js';

/** `switchyard ui` on a stored database: live pages explain themselves instead of breaking. */

const dir = mkdtempSync(join(tmpdir(), 'switchyard-ui-offline-'));
let runStore: RunStore;
let server: WorkspaceServer;
let url: string;
let session: BrowserSession;
const report = makeRunReport({ id: '20250301-120000-offline', name: 'stored-run' });

beforeAll(async () => {
  await ensureUiBuilt();
  runStore = createSqliteRunStore(join(dir, 'runs.db'));
  await runStore.save(report);
  server = createWorkspaceServer({ logStore: null, runStore });
  ({ url } = await server.listen(0, '127.0.0.1'));
  session = await launchBrowser();
});

afterAll(async () => {
  await session?.close();
  await server?.close();
  await runStore?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('offline Workspace', () => {
  it('starts on the runs, explains why live, playground and the log are unavailable, and fetches nothing it cannot serve', async () => {
    const { page } = session;
    const errors = collectPageErrors(page);
    await page.goto(`${url}/ui/`);
    await page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/ui/runs');
    // The heading renders before the run list arrives: wait for the list, then count it.
    await page.getByRole('link', { name: 'stored-run' }).first().waitFor();
    expect(await page.getByRole('link', { name: 'stored-run' }).count()).toBe(1);
    expect(await page.locator('.badge-offline').textContent()).toMatch(/^offline/);

    for (const [path, title, reason] of [
      ['/ui/live', 'Live traffic', /stored database/],
      ['/ui/playground', 'Playground', /no gateway to send chats through/],
      ['/ui/requests', 'Request log', /no readable request log/],
    ] as const) {
      await page
        .getByRole('link', {
          name: path === '/ui/requests' ? 'Requests' : (title.split(' ')[0] ?? ''),
        })
        .first()
        .click();
      const panel = page.getByRole('region', { name: title });
      await panel.waitFor();
      expect(await panel.locator('.unavailable-reason').textContent()).toMatch(reason);
      // It points to what does work here.
      expect(await panel.getByRole('link', { name: 'Runs' }).count()).toBe(1);
      expect(new URL(page.url()).pathname).toBe(path);
    }
    await saveScreenshot(page, 'offline-request-log');

    // A stored run's diff offers no "Open in playground": there is no playground offline.
    await page.goto(`${url}/ui/runs/${encodeURIComponent(report.id)}`);
    await page.locator('li.diff-row').first().waitFor();
    expect(await page.getByRole('link', { name: /Open in playground/ }).count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
