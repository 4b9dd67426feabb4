import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createWorkspace,
  TWO_TARGET_POLICY,
  traceLines,
} from '../../src/eval/__fixtures__/eval-workspace.js';
import { parseEvalConfigText } from '../../src/eval/eval-config.js';
import { runEval } from '../../src/eval/run-eval.js';
import type { RunReport } from '../../src/eval/run-report.js';
import type { RunStore } from '../../src/eval/run-store.js';
import { createSqliteRunStore } from '../../src/store/sqlite-run-store.js';
import {
  type BrowserSession,
  collectPageErrors,
  horizontalOverflow,
  launchBrowser,
  saveScreenshot,
} from '../support/browser.js';
import { ensureUiBuilt } from '../support/ensure-ui-built.js';
import { type GatewayHarness, QUICK_PROFILE, startHarness } from '../support/gateway-harness.js';

/** Run pages in real Chromium: a stored eval run rendered with its charts, diff and a comparison. */

const workspace = createWorkspace({
  'policy.yaml': TWO_TARGET_POLICY,
  'trace.jsonl': traceLines(12),
});
let runStore: RunStore;
let harness: GatewayHarness;
let session: BrowserSession;
const runs: RunReport[] = [];

beforeAll(async () => {
  await ensureUiBuilt();
  runStore = createSqliteRunStore(workspace.path('runs.db'));
  for (const [name, gate] of [
    ['nightly', 'error_rate < 0.5'],
    ['strict-cost', 'cost_per_success_usd < 0.0000001'],
  ] as const) {
    const config = await parseEvalConfigText(
      `name: ${name}\npolicy: policy.yaml\ntrace: trace.jsonl\nbaseline: pricey\ncandidates: [pricey, cheap]\nload: replay:4x\nchecks:\n  - { name: simulated, kind: contains, value: "[simulated]" }\n  - { name: never, kind: contains, value: "no model says this" }\ngates:\n  - ${gate}\n`,
      workspace.path('eval.yaml'),
      { env: {} },
    );
    const report = await runEval(config, {
      now: () => new Date(Date.UTC(2025, 0, runs.length + 1)),
    });
    await runStore.save(report);
    runs.push(report);
  }
  harness = await startHarness({
    profiles: { 'main-model': QUICK_PROFILE },
    policyYaml: `
version: 1
targets:
  main: { provider: openai-compatible, base_url: "{{SIM}}", model: main-model, context_window: 100000 }
`,
    gatewayOptions: { workspace: { runStore } },
  });
  session = await launchBrowser();
});

afterAll(async () => {
  await session?.close();
  await harness?.close();
  await runStore?.close();
  workspace.cleanup();
});

const numbers = (texts: string[]) => texts.map((text) => Number(/[\d.]+/.exec(text)?.[0]));

describe('run pages', () => {
  it('renders a stored run with its tables, latency CDF and Pareto charts, and a filterable diff', async () => {
    const { page } = session;
    const errors = collectPageErrors(page);
    const run = runs[1] as RunReport;
    await page.goto(`${harness.url}/ui/runs`);
    const listed = page.locator('table.runs-table tbody tr');
    await listed.first().waitFor();
    expect(await listed.count()).toBe(2);
    // Newest first.
    expect(await listed.first().getAttribute('data-run-id')).toBe(run.id);
    await page.getByRole('link', { name: 'strict-cost' }).click();

    await page.getByRole('heading', { level: 1, name: 'strict-cost' }).waitFor();
    expect(page.url()).toBe(`${harness.url}/ui/runs/${encodeURIComponent(run.id)}`);
    expect(await page.getByTestId('run-verdict').textContent()).toMatch(
      /^FAIL: 1 of 1 gate failed/,
    );
    expect(await page.getByRole('note').textContent()).toContain('SIMULATED');

    const summary = page.getByRole('region', { name: 'Summary per candidate' });
    expect(await summary.locator('thead th').allTextContents()).toEqual([
      'metric',
      'pricey (baseline, sim)',
      'cheap (sim)',
    ]);
    expect(await summary.getByRole('rowheader', { name: 'p95 latency' }).count()).toBe(1);
    const slices = page.getByRole('region', { name: 'Metrics per slice' });
    expect(await slices.getByRole('rowheader', { name: 'intent:code' }).count()).toBe(2);
    expect(
      await page.getByRole('region', { name: 'Gate verdicts' }).locator('tr.failed').count(),
    ).toBe(1);

    // One chart implementation: the report's SVG renderers, one series per candidate.
    const cdf = page.locator('svg#run-latency-cdf');
    expect(await cdf.getAttribute('role')).toBe('img');
    expect(
      await cdf
        .locator('path.cdf-line')
        .evaluateAll((paths) => paths.map((path) => path.getAttribute('data-candidate'))),
    ).toEqual(['pricey', 'cheap']);
    for (const d of await cdf
      .locator('path.cdf-line')
      .evaluateAll((paths) => paths.map((path) => path.getAttribute('d') ?? ''))) {
      expect(d).toMatch(/^M[\d.]+,[\d.]+L/);
    }
    const pareto = page.locator('svg#run-cost-quality');
    expect(await pareto.locator('circle.point').count()).toBe(2);
    expect(await pareto.locator('polyline.pareto-front').count()).toBe(1);

    // The diff: every row, largest drift first, then filtered by slice and by failed check.
    const status = page.getByTestId('diff-status');
    const rows = page.locator('li.diff-row');
    expect(await status.textContent()).toBe(
      `Showing ${run.diff.length} of ${run.diff.length} matching rows (${run.diff.length} in all)`,
    );
    const drifts = numbers(await rows.locator('.drift strong').allTextContents());
    expect(drifts.length).toBe(run.diff.length);
    expect(drifts).toEqual([...drifts].sort((a, b) => b - a));

    const codeRows = run.diff.filter((row) => row.slices.includes('intent:code'));
    expect(codeRows.length).toBeGreaterThan(0);
    expect(codeRows.length).toBeLessThan(run.diff.length);
    await page.getByLabel('Slice', { exact: true }).selectOption('intent:code');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(codeRows.length);
    expect(
      (
        await rows.evaluateAll((items) => items.map((item) => item.getAttribute('data-entry')))
      ).sort(),
    ).toEqual(codeRows.map((row) => row.entryId).sort());
    const neverCheck = run.diff[0]?.failedChecks[0] ?? '';
    expect(neverCheck).toMatch(/^never/);
    await page.getByLabel('Failed check', { exact: true }).selectOption('none');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(0);
    expect(await page.getByText('No diff rows match these filters.').count()).toBe(1);
    await page.getByLabel('Failed check', { exact: true }).selectOption(neverCheck);
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(codeRows.length);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(run.diff.length);

    await saveScreenshot(page, 'run-page');
    expect(errors).toEqual([]);
  });

  it('compares two runs picked from the list, with deltas per shared candidate', async () => {
    const { page } = session;
    await page.goto(`${harness.url}/ui/runs`);
    await page.getByRole('checkbox', { name: /Compare nightly/ }).check();
    await page.getByRole('checkbox', { name: /Compare strict-cost/ }).check();
    await page.getByRole('button', { name: 'Compare selected runs' }).click();
    await page.getByRole('heading', { level: 1, name: 'Compare runs' }).waitFor();
    // Run A is the older run.
    expect(new URL(page.url()).searchParams.get('a')).toBe(runs[0]?.id);
    expect(new URL(page.url()).searchParams.get('b')).toBe(runs[1]?.id);
    const cheap = page.getByRole('region', { name: 'cheap: run A vs run B' });
    await cheap.waitFor();
    const p95 = cheap.getByRole('row', { name: /^p95 latency/ });
    const cells = await p95.locator('td').allTextContents();
    expect(cells).toHaveLength(3);
    expect(cells[2]).toMatch(/^(\+|-|±)/);
    expect(await page.getByRole('region', { name: 'pricey: run A vs run B' }).count()).toBe(1);
    await saveScreenshot(page, 'run-compare');
  });

  it('lays the run page out for a 390 px screen: charts scale, wide tables scroll inside their region', async () => {
    const narrow = await launchBrowser({ width: 390, height: 844 });
    try {
      const run = runs[1] as RunReport;
      await narrow.page.goto(`${harness.url}/ui/runs/${encodeURIComponent(run.id)}`);
      await narrow.page.locator('svg#run-latency-cdf').waitFor();
      const overflow = await horizontalOverflow(narrow.page);
      expect(overflow).toBeLessThanOrEqual(0);
      const chartWidth = await narrow.page
        .locator('svg#run-latency-cdf')
        .evaluate((svg) => svg.getBoundingClientRect().width);
      expect(chartWidth).toBeGreaterThan(250);
      expect(chartWidth).toBeLessThanOrEqual(390);
      const summary = narrow.page.getByRole('region', { name: 'Summary per candidate' });
      expect(await summary.getAttribute('tabindex')).toBe('0');
      await saveScreenshot(narrow.page, 'run-page-390');
    } finally {
      await narrow.close();
    }
  });
});
