import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatUsd } from '../../src/report/format-values.js';
import {
  type BrowserSession,
  collectPageErrors,
  launchBrowser,
  saveScreenshot,
} from '../support/browser.js';
import { ensureUiBuilt } from '../support/ensure-ui-built.js';
import { type GatewayHarness, QUICK_PROFILE, startHarness } from '../support/gateway-harness.js';

/** The playground in real Chromium against a served gateway with simulated targets. */

let harness: GatewayHarness;
let session: BrowserSession;
const suitePath = join(tmpdir(), `switchyard-ui-suite-${process.pid}-${Date.now()}.jsonl`);

/** Prices per million tokens, chosen so the two answers' costs differ visibly. */
const PRICES = {
  quick: { input: 2, output: 6 },
  labsim: { input: 30, output: 90 },
} as const;

beforeAll(async () => {
  await ensureUiBuilt();
  harness = await startHarness({
    profiles: {
      'quick-model': QUICK_PROFILE,
      'broken-model': { ...QUICK_PROFILE, faults: { rates: { server_error: 1 } } },
    },
    policyYaml: `
version: 1
server: { expose_targets: true }
targets:
  quick: { provider: openai-compatible, base_url: "{{SIM}}", model: quick-model, context_window: 100000, price: { input_per_mtok: ${PRICES.quick.input}, output_per_mtok: ${PRICES.quick.output} } }
  labsim: { provider: sim, model: labsim, context_window: 100000, price: { input_per_mtok: ${PRICES.labsim.input}, output_per_mtok: ${PRICES.labsim.output} }, sim: { ttft_ms: { p50: 30, p95: 40 }, inter_token_ms: { p50: 1, p95: 2 }, output_tokens: { p50: 10, p95: 14 } } }
  broken: { provider: openai-compatible, base_url: "{{SIM}}", model: broken-model, context_window: 100000 }
routes:
  chat: { targets: [quick] }
  failing: { targets: [broken] }
default_route: chat
`,
    gatewayOptions: { workspace: { suitePath } },
  });
  session = await launchBrowser();
});

afterAll(async () => {
  await session?.close();
  await harness?.close();
  rmSync(suitePath, { force: true });
});

describe('playground', () => {
  it('streams two targets side by side with latency, TTFT, tokens, cost and the simulated label, shows an error in its column, and saves a test case', async () => {
    const { page } = session;
    const errors = collectPageErrors(page);
    await page.goto(`${harness.url}/ui/playground`);
    await page.getByLabel('Prompt').fill('Explain circuit breakers in one sentence.');
    const picker = page.getByRole('group', { name: /Models to compare/ });
    for (const box of await picker.getByRole('checkbox').all()) await box.uncheck();
    await picker.getByRole('checkbox', { name: /^quick/ }).check();
    await picker.getByRole('checkbox', { name: /^labsim/ }).check();
    await picker.getByRole('checkbox', { name: /^failing/ }).check();
    await page.getByRole('button', { name: 'Compare' }).click();

    const column = (model: string) => page.locator(`article.answer[data-model="${model}"]`);
    await column('quick').and(page.locator('.answer-done')).waitFor();
    await column('labsim').and(page.locator('.answer-done')).waitFor();
    await column('failing').and(page.locator('.answer-error')).waitFor();

    for (const [model, price] of Object.entries(PRICES)) {
      const answer = column(model);
      expect(await answer.getByTestId('answer-target').textContent()).toBe(model);
      expect((await answer.getByTestId('answer-text').textContent())?.length).toBeGreaterThan(5);
      expect(await answer.locator('[data-metric="latency"]').textContent()).toMatch(
        /^\d[\d,.]* ms$/,
      );
      expect(await answer.locator('[data-metric="ttft"]').textContent()).toMatch(/^\d[\d,.]* ms$/);
      const tokens = (await answer.locator('[data-metric="tokens"]').textContent()) ?? '';
      const match = /^(\d+) \/ (\d+)$/.exec(tokens);
      expect(match, `tokens of ${model}: ${tokens}`).not.toBeNull();
      const [input, output] = [Number(match?.[1]), Number(match?.[2])];
      expect(input).toBeGreaterThan(0);
      expect(output).toBeGreaterThan(0);
      // Cost is the answer's usage priced at the answering target's prices.
      expect(await answer.locator('[data-metric="cost"]').textContent()).toBe(
        formatUsd((input * price.input + output * price.output) / 1_000_000),
      );
    }
    // The in-process sim target's answers are labelled; the ttft floor shows in its TTFT.
    await expect(column('labsim').locator('.badge-sim').textContent()).resolves.toBe('simulated');
    const labsimTtft = Number.parseFloat(
      (await column('labsim').locator('[data-metric="ttft"]').textContent()) ?? '',
    );
    expect(labsimTtft).toBeGreaterThanOrEqual(25);

    const failure = column('failing').getByRole('alert');
    expect(await failure.textContent()).toMatch(/Error \(HTTP 5\d\d\)/);
    expect(await column('failing').locator('[data-metric="tokens"]').textContent()).toBe('—');

    // Every column went through the gateway as a streamed chat completion.
    const records = await harness.records();
    expect(records.map((record) => [record.servedTarget, record.stream]).sort()).toEqual(
      expect.arrayContaining([
        ['labsim', true],
        ['quick', true],
      ]),
    );

    const quickText = await column('quick').getByTestId('answer-text').textContent();
    const form = page.getByRole('form', { name: 'Save as test case' });
    await form.getByRole('radio', { name: /The answer of quick/ }).check();
    await form.getByLabel('Tags').fill('circuit, e2e');
    await form.getByLabel('Note').fill('quick was clearer');
    await form.getByRole('button', { name: 'Save test case' }).click();
    await page.getByTestId('saved-case').waitFor();
    expect(await page.getByTestId('saved-case').textContent()).toContain(suitePath);
    const saved = JSON.parse(readFileSync(suitePath, 'utf8').trim().split('\n').at(-1) ?? '{}');
    expect(JSON.stringify(saved)).toContain('Explain circuit breakers in one sentence.');
    expect(JSON.stringify(saved)).toContain(JSON.stringify(quickText).slice(1, -1));
    expect(JSON.stringify(saved)).toMatch(/circuit[\s\S]*e2e/);

    await saveScreenshot(page, 'playground-comparison');
    expect(errors.filter((error) => !error.includes('Failed to load resource'))).toEqual([]);
  });
});
