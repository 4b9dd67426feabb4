import { describe, expect, it } from 'vitest';
import { makeDiffRows, makeRunReport } from './__fixtures__/run-report.js';
import { escapeMarkdown, MARKDOWN_DIFF_ROW_LIMIT, renderMarkdown } from './render-markdown.js';

function sectionOf(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  expect(start).toBeGreaterThan(-1);
  const next = markdown.indexOf('\n## ', start + heading.length + 2);
  return markdown.slice(start, next === -1 ? undefined : next);
}

describe('renderMarkdown', () => {
  it('renders the summary as a GFM table with numeric columns right-aligned', () => {
    const markdown = renderMarkdown(makeRunReport());
    const summary = sectionOf(markdown, '## Summary');
    expect(summary).toContain(
      '| metric | big-decoder-v2 (baseline, sim) | small-precise (sim) | mid-balanced |',
    );
    expect(summary).toContain('| --- | ---: | ---: | ---: |');
    expect(summary).toContain('| p95 latency | 600 ms | 220 ms | 380 ms |');
    expect(summary).toContain('| monthly cost | $12,000 | $4,300 | $9,500 |');
  });

  it('labels a simulated run and leaves a real one unlabelled', () => {
    expect(renderMarkdown(makeRunReport())).toContain('> **SIMULATED:');
    expect(renderMarkdown(makeRunReport({ simulated: false }))).not.toContain('SIMULATED');
  });

  it('has the per-slice, error, capacity, gate and what-if tables', () => {
    const markdown = renderMarkdown(makeRunReport());
    expect(sectionOf(markdown, '## Slices')).toContain(
      '| intent:code | small-precise | 500 | 0.20% | 101 ms | 251 ms | $0.000450 | 86.00% |',
    );
    expect(sectionOf(markdown, '## Errors')).toContain('| timeout | 41 (2.05%) | 4 (0.20%) | 0 |');
    const capacity = sectionOf(markdown, '## Capacity cliff');
    expect(capacity).toContain('| tokens 4k+ | big-decoder-v2 | 100 | 20.00% | 9,000 ms |');
    expect(capacity).toContain('| 10x | small-precise | 2,000 | 0.30% | 610 ms |');
    expect(sectionOf(markdown, '## Gates')).toContain(
      '| **FAIL** | p95\\_latency\\_ms &lt; 300 | big-decoder-v2 | all requests | 600 |  |',
    );
    expect(sectionOf(markdown, '## Policy advice')).toContain(
      '| p95 latency | 600 ms | 220 ms | -63.3% |',
    );
  });

  it('puts the proposed policy YAML in a yaml code block', () => {
    const markdown = renderMarkdown(makeRunReport());
    expect(markdown).toContain(
      '```yaml\nrouting:\n  default_model: small-precise\n  fallbacks:\n    - model: big-decoder-v2\n```',
    );
  });

  it('uses a longer fence when the YAML itself holds backticks', () => {
    const base = makeRunReport();
    const advice = base.advice;
    if (advice === null) throw new Error('fixture has advice');
    const markdown = renderMarkdown(
      makeRunReport({ advice: { ...advice, yaml: 'note: "```not a fence```"\n' } }),
    );
    expect(markdown).toContain('````yaml\nnote: "```not a fence```"\n````');
  });

  it('shows the top diff rows, largest drift first, with HTML and pipes escaped', () => {
    const rows = makeDiffRows(40).reverse();
    const markdown = renderMarkdown(makeRunReport({ diff: rows }));
    const diff = sectionOf(markdown, '## Diff');
    expect(diff).toContain(`the top ${MARKDOWN_DIFF_ROW_LIMIT} of 40 rows`);
    const dataRows = diff.split('\n').filter((line) => /^\| \d\.\d{3} \|/.test(line));
    expect(dataRows).toHaveLength(MARKDOWN_DIFF_ROW_LIMIT);
    expect(dataRows[0]).toContain('req\\_000000');
    expect(diff).not.toContain('<script>');
    expect(diff).toContain("&lt;script&gt;alert('xss')&lt;/script&gt;");
    expect(diff).toContain('\\| pipe');
  });

  it('lists skipped lines with their line numbers', () => {
    const markdown = renderMarkdown(makeRunReport());
    expect(sectionOf(markdown, '## Skipped trace lines')).toContain(
      '- line 904: messages must be a non-empty array',
    );
  });

  it('escapes Markdown and HTML punctuation in cells', () => {
    expect(escapeMarkdown('a|b <i>*x*</i>\nnext')).toBe('a\\|b &lt;i&gt;\\*x\\*&lt;/i&gt;<br>next');
  });
});
