import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { makeCandidateSummary, makeDiffRows, makeRunReport } from './__fixtures__/run-report.js';
import { HTML_DIFF_ROW_LIMIT, renderHtml } from './render-html.js';

function decodeAttribute(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * Runs the page's inline script against a minimal stand-in for the DOM built from the rendered
 * rows, so the filter logic is exercised as shipped (no DOM library is installed).
 */
function loadFilters(html: string) {
  const script = html.match(/<script>([\s\S]*?)<\/script>/)?.[1];
  if (script === undefined) throw new Error('no inline script');
  const rows = [
    ...html.matchAll(/<tr data-candidate="([^"]*)" data-slices="([^"]*)" data-checks="([^"]*)">/g),
  ].map((match) => {
    const attributes: Record<string, string> = {
      'data-candidate': decodeAttribute(match[1] ?? ''),
      'data-slices': decodeAttribute(match[2] ?? ''),
      'data-checks': decodeAttribute(match[3] ?? ''),
    };
    return { hidden: false, getAttribute: (name: string) => attributes[name] ?? null };
  });
  const listeners: Record<string, Array<() => void>> = {};
  const elements: Record<string, unknown> = {
    'diff-table': { tBodies: [{ rows }] },
    'diff-filters': {
      addEventListener: (type: string, listener: () => void) => {
        listeners[type] = [...(listeners[type] ?? []), listener];
      },
    },
    'diff-filter-slice': { value: '' },
    'diff-filter-check': { value: '' },
    'diff-filter-candidate': { value: '' },
    'diff-filter-status': { textContent: '' },
  };
  runInNewContext(script, { document: { getElementById: (id: string) => elements[id] ?? null } });
  const select = (id: string) => elements[id] as { value: string };
  return {
    rows,
    status: () => (elements['diff-filter-status'] as { textContent: string }).textContent,
    set(filter: 'slice' | 'check' | 'candidate', value: string) {
      select(`diff-filter-${filter}`).value = value;
      for (const listener of listeners.change ?? []) listener();
    },
  };
}

describe('renderHtml', () => {
  it('draws one latency CDF path per candidate on a log axis', () => {
    const html = renderHtml(makeRunReport());
    const paths = [...html.matchAll(/<path class="cdf-line" data-candidate="([^"]+)" d="M[^"]+"/g)];
    expect(paths.map((match) => match[1])).toEqual([
      'big-decoder-v2',
      'small-precise',
      'mid-balanced',
    ]);
    expect(html).toContain('log scale');
  });

  it('draws the cost-vs-quality scatter with the Pareto front through the undominated candidates', () => {
    const html = renderHtml(makeRunReport());
    const polyline = html.match(/<polyline class="pareto-front" points="([^"]+)"/);
    expect(polyline).not.toBeNull();
    // small-precise (cheapest) and mid-balanced (best) are on the front; big-decoder-v2 is not.
    expect(polyline?.[1]?.split(' ')).toHaveLength(2);
    expect(html).toMatch(/<circle class="point on-front" data-candidate="small-precise"/);
    expect(html).toMatch(/<circle class="point on-front" data-candidate="mid-balanced"/);
    expect(html).toMatch(/<circle class="point" data-candidate="big-decoder-v2"/);
  });

  it('draws capacity cliff charts for load and size', () => {
    const html = renderHtml(makeRunReport());
    for (const id of [
      'capacity-load-error-rate',
      'capacity-load-p99',
      'capacity-size-error-rate',
      'capacity-size-p99',
    ]) {
      expect(html).toContain(`<svg id="${id}"`);
    }
    expect(html.match(/class="capacity-line"/g)).toHaveLength(8);
  });

  it('fetches nothing: no external src or href, no external stylesheet or script', () => {
    const html = renderHtml(makeRunReport());
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<script[^>]*\bsrc=/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toMatch(/<style>[\s\S]+<\/style>/);
  });

  it('escapes answers and prompts so their HTML is shown, not run', () => {
    const html = renderHtml(makeRunReport());
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain('&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt; &amp; more');
    expect(html).toContain('what does &lt;b&gt;bold&lt;/b&gt;');
    expect(html).not.toContain('<b>bold</b>');
  });

  it('escapes names everywhere, including chart labels and attributes', () => {
    const evil = '"><img onerror=alert(1)>';
    const html = renderHtml(
      makeRunReport({
        name: evil,
        baseline: evil,
        candidates: [makeCandidateSummary({ candidate: evil })],
      }),
    );
    expect(html).not.toContain('<img');
    expect(html).toContain('&quot;&gt;&lt;img onerror=alert(1)&gt;');
  });

  it('has labelled filter controls for slice and failed check', () => {
    const html = renderHtml(makeRunReport());
    for (const id of ['diff-filter-slice', 'diff-filter-check', 'diff-filter-candidate']) {
      expect(html).toContain(`<label for="${id}">`);
      expect(html).toContain(`<select id="${id}"`);
    }
    expect(html).toContain('<option value="tag:noisy">tag:noisy</option>');
    expect(html).toContain('<option value="check:json-contract">json-contract</option>');
    expect(html).toContain('role="status" aria-live="polite"');
  });

  it('filters diff rows by slice, by failed check and by both', () => {
    const filters = loadFilters(renderHtml(makeRunReport({ diff: makeDiffRows(30) })));
    expect(filters.status()).toBe('Showing 30 of 30 rows');
    filters.set('slice', 'tag:noisy');
    expect(filters.status()).toBe('Showing 10 of 30 rows');
    filters.set('check', 'check:json-contract');
    // Rows 0, 6, 12, 18, 24: in tag:noisy (index % 3 == 0) and failing (index % 2 == 0).
    expect(filters.status()).toBe('Showing 5 of 30 rows');
    filters.set('slice', '');
    filters.set('check', 'none');
    expect(filters.status()).toBe('Showing 15 of 30 rows');
    expect(filters.rows.filter((row) => row.hidden)).toHaveLength(15);
  });

  it('labels a simulated run and not a real one', () => {
    const simulated = renderHtml(makeRunReport());
    expect(simulated).toContain('<title>Switchyard eval: big-vs-routed [SIMULATED]</title>');
    expect(simulated).toContain('class="banner"');
    const real = renderHtml(
      makeRunReport({ simulated: false, candidates: [makeCandidateSummary({ simulated: false })] }),
    );
    expect(real).not.toMatch(/simulated/i);
  });

  it('has every table: summary, slices, errors, gates, what-if and diff', () => {
    const html = renderHtml(makeRunReport());
    for (const id of [
      'summary',
      'slices',
      'errors',
      'gates',
      'advice',
      'diff',
      'capacity',
      'skipped',
    ]) {
      expect(html).toContain(`<section id="${id}"`);
    }
    expect(html).toContain('<tr class="failed"><th scope="row" class="bad">FAIL</th>');
    expect(html).toContain('default_model: small-precise');
  });

  it('caps the diff at the row limit and says so', () => {
    const html = renderHtml(makeRunReport({ diff: makeDiffRows(HTML_DIFF_ROW_LIMIT + 250) }));
    expect(html.match(/<tr data-candidate=/g)).toHaveLength(HTML_DIFF_ROW_LIMIT);
    expect(html).toContain(`out of ${(HTML_DIFF_ROW_LIMIT + 250).toLocaleString('en-US')}`);
  });

  it('renders a 100,000-row diff quickly into a page of reasonable size', () => {
    const report = makeRunReport({ diff: makeDiffRows(100_000) });
    const started = performance.now();
    const html = renderHtml(report);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(5000);
    expect(html.length).toBeLessThan(5_000_000);
  });

  it('still renders when there is nothing to chart', () => {
    const html = renderHtml(
      makeRunReport({
        candidates: [],
        slices: [],
        gates: [],
        diff: [],
        capacity: { bySize: [], byLoad: [] },
        advice: null,
      }),
    );
    expect(html).toContain('No latency data to chart.');
    expect(html).toContain('No capacity data in this run.');
    expect(html).toContain('No gates configured.');
  });
});
