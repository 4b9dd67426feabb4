import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium; playwright-core ships no browser of its own. */
export const CHROMIUM_PATH = process.env.SWITCHYARD_CHROMIUM ?? '/usr/bin/chromium';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/ui', import.meta.url));

/** A headless Chromium with one page, and a way to close it all. */
export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * Launches headless Chromium with no network services of its own (no QUIC, sync, component
 * updates or background fetches), so tests reach only the loopback gateway. Every launch gets a
 * fresh temporary profile, so no state leaks between tests. Every wait defaults to 5 s.
 */
export async function launchBrowser(
  options: { width?: number; height?: number } = {},
): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 15_000,
  });
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
  });
  // Generous: CI runs these next to the rest of the suite on two cores; a wait only takes this
  // long when something is wrong.
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(10_000);
  const page = await context.newPage();
  return {
    browser,
    context,
    page,
    async close() {
      await context.close().catch(() => {});
      await browser.close();
    },
  };
}

/** Saves a full-page screenshot as test-artifacts/ui/<name>.png; resolves with its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Collects uncaught page errors and console errors, so a test can assert there were none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}

/**
 * How many CSS pixels the page is wider than the viewport (0 or less: no horizontal scroll).
 * Evaluated from a string because the test runner's types have no DOM.
 */
export async function horizontalOverflow(page: Page): Promise<number> {
  return Number(
    await page.evaluate(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    ),
  );
}

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** One axe-core rule a page breaks, with up to five of the offending elements' selectors. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Injects axe-core (from node_modules, no network) into the page as it is now and returns the
 * violations of impact `serious` or `critical`. Inject again after every navigation that loads
 * a new document.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: AXE_PATH });
  // A string, because the test runner's types have no DOM (and no `axe` global).
  const violations = (await page.evaluate(`
    axe.run(document, { resultTypes: ['violations'] }).then((result) =>
      result.violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        nodes: violation.nodes.slice(0, 5).map((node) => node.target.join(' ')),
      })),
    )
  `)) as AxeViolation[];
  return violations.filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical',
  );
}

/** Violations as a readable failure message: rule, impact, help text and where. */
export function describeViolations(where: string, violations: AxeViolation[]): string {
  return [
    `${where}: ${violations.length} serious or critical axe violation(s)`,
    ...violations.map(
      (violation) =>
        `- [${violation.impact}] ${violation.id}: ${violation.help} at ${violation.nodes.join(', ')}`,
    ),
  ].join('\n');
}
