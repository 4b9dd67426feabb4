import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserSession,
  collectPageErrors,
  launchBrowser,
  saveScreenshot,
} from '../support/browser.js';
import { ensureUiBuilt } from '../support/ensure-ui-built.js';
import { type GatewayHarness, QUICK_PROFILE, startHarness } from '../support/gateway-harness.js';

/** The live page's kill-switch in real Chromium, proven by the next API request's route. */

const ADMIN_TOKEN = 'admin-secret';
let harness: GatewayHarness;
let session: BrowserSession;

const target = (name: string) =>
  `  ${name}: { provider: openai-compatible, base_url: "{{SIM}}", model: ${name}-model, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 2 } }`;

beforeAll(async () => {
  await ensureUiBuilt();
  harness = await startHarness({
    profiles: { 'main-model': QUICK_PROFILE, 'safe-model': QUICK_PROFILE },
    env: { ADMIN_TOKEN },
    policyYaml: `
version: 1
server: { admin_token_env: ADMIN_TOKEN }
traffic: { safe_route: safe }
targets:
${target('main')}
${target('safe')}
routes:
  primary: { targets: [main] }
  safe: { targets: [safe] }
default_route: primary
`,
  });
  session = await launchBrowser();
});

afterAll(async () => {
  await session?.close();
  await harness?.close();
});

async function ask() {
  const { data, response } = await harness
    .openai({ apiKey: ADMIN_TOKEN })
    .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] })
    .withResponse();
  return { target: data.model, route: response.headers.get('x-switchyard-route') };
}

describe('kill-switch', () => {
  it('asks for the token, then flips routing to the safe route after confirmation with the admin token, and lifts it', async () => {
    const { page } = session;
    const errors = collectPageErrors(page);
    expect(await ask()).toEqual({ target: 'main', route: 'primary' });

    // /api needs the admin token on this gateway: the Workspace asks for it first.
    await page.goto(`${harness.url}/ui/live`);
    await page.getByRole('heading', { name: 'This gateway needs an API key' }).waitFor();
    await page.getByLabel('API key', { exact: true }).fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.getByRole('heading', { level: 1, name: 'Live' }).waitFor();
    const state = page.getByTestId('kill-state');
    await expect.poll(() => state.textContent(), { timeout: 10_000 }).toMatch(/^Off\./);
    // The request sent above shows in the traffic table.
    await page
      .getByRole('region', { name: 'Traffic per route and target' })
      .getByRole('rowheader', { name: 'primary' })
      .waitFor();

    await page.getByRole('button', { name: 'Kill traffic…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Send all traffic to the safe route?' });
    await dialog.waitFor();
    await dialog.getByLabel('Reason', { exact: true }).fill('incident 42');
    await dialog.getByLabel('Admin token').fill('wrong-token');
    await saveScreenshot(page, 'kill-switch-dialog');
    await dialog.getByRole('button', { name: 'Kill traffic' }).click();
    await expect
      .poll(() => dialog.getByRole('alert').textContent(), { timeout: 10_000 })
      .toMatch(/not valid/);
    expect(await ask()).toEqual({ target: 'main', route: 'primary' });

    await dialog.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await dialog.getByRole('button', { name: 'Kill traffic' }).click();
    await page.getByTestId('kill-result').waitFor();
    expect(await page.getByTestId('kill-result').textContent()).toBe(
      'Kill-switch is ON: every request now takes route safe.',
    );
    expect(await dialog.isVisible()).toBe(false);
    await expect
      .poll(() => state.textContent(), { timeout: 10_000 })
      .toMatch(/^ON since .*incident 42.*route safe/);
    expect(await ask()).toEqual({ target: 'safe', route: 'safe' });
    await saveScreenshot(page, 'kill-switch-on');

    await page.getByRole('button', { name: 'Lift kill-switch…' }).click();
    const lift = page.getByRole('dialog', { name: 'Lift the kill-switch?' });
    await lift.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await lift.getByRole('button', { name: 'Lift kill-switch' }).click();
    await expect
      .poll(() => page.getByTestId('kill-result').textContent(), { timeout: 10_000 })
      .toMatch(/lifted/);
    await expect.poll(() => state.textContent(), { timeout: 10_000 }).toMatch(/^Off\./);
    expect(await ask()).toEqual({ target: 'main', route: 'primary' });
    expect(errors.filter((error) => !error.includes('401'))).toEqual([]);
  });
});
