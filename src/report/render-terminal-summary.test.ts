import { describe, expect, it } from 'vitest';
import type { GateResult } from '../eval/run-report.js';
import { makeCandidateSummary, makeRunReport } from './__fixtures__/run-report.js';
import { renderTerminalSummary } from './render-terminal-summary.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point.
const ANSI = /\u001b\[[0-9;]*m/;

describe('renderTerminalSummary', () => {
  it('shows every candidate with its key numbers', () => {
    const output = renderTerminalSummary(makeRunReport());
    for (const name of ['big-decoder-v2', 'small-precise', 'mid-balanced']) {
      expect(output).toContain(name);
    }
    // small-precise: p95 220 ms, p99 412 ms, p99 service 377 ms, TTFT p95 88 ms.
    for (const value of ['220 ms', '412 ms', '377 ms', '88 ms', '1,450 ms']) {
      expect(output).toContain(value);
    }
    expect(output).toContain('$0.000431');
    expect(output).toContain('$12,000');
    expect(output).toContain('89.50%');
    expect(output).toContain('-1.5 pp');
    expect(output).toContain('0.231');
    expect(output).toContain('32.9 req/s');
  });

  it('shows the SIMULATED banner on simulated runs only', () => {
    expect(renderTerminalSummary(makeRunReport({ simulated: true }))).toContain('SIMULATED');
    const real = makeRunReport({
      simulated: false,
      candidates: [makeCandidateSummary({ simulated: false })],
    });
    expect(renderTerminalSummary(real)).not.toContain('SIMULATED');
  });

  it('lists failed gates before passed ones, with their values', () => {
    const output = renderTerminalSummary(makeRunReport());
    expect(output).toContain('Gates: FAILED (2 of 4 failed)');
    const lines = output.split('\n');
    const firstFail = lines.findIndex((line) => line.includes('FAIL ') && line.includes('│'));
    const firstPass = lines.findIndex((line) => line.includes('PASS ') && line.includes('│'));
    expect(firstFail).toBeGreaterThan(-1);
    expect(firstFail).toBeLessThan(firstPass);
    expect(lines[firstFail]).toContain('600');
    expect(output).toContain('-0.0421');
    expect(output).toContain('RESULT: FAIL (2 gates failed)');
  });

  it('always states the skipped-line count, even when it is zero', () => {
    expect(renderTerminalSummary(makeRunReport())).toContain(
      'Skipped trace lines: 2 (line 17: invalid JSON',
    );
    const clean = makeRunReport({
      trace: { source: 'trace.jsonl', entries: 10, skipped: [] },
    });
    expect(renderTerminalSummary(clean)).toContain('Skipped trace lines: 0');
  });

  it('prints the what-if table before and after', () => {
    const output = renderTerminalSummary(makeRunReport());
    const row = output.split('\n').find((line) => line.includes('monthly spend'));
    expect(row).toContain('$12,000');
    expect(row).toContain('$4,300');
    expect(row).toContain('-64.2%');
    const noAdvice = renderTerminalSummary(makeRunReport({ advice: null }));
    expect(noAdvice).not.toContain('what-if');
  });

  it('colours only when asked', () => {
    expect(renderTerminalSummary(makeRunReport())).not.toMatch(ANSI);
    expect(renderTerminalSummary(makeRunReport(), { color: true })).toMatch(ANSI);
  });

  it('splits many candidates into tables of four', () => {
    const candidates = Array.from({ length: 6 }, (_, index) =>
      makeCandidateSummary({ candidate: `target-${index}` }),
    );
    const output = renderTerminalSummary(
      makeRunReport({ candidates, baseline: 'target-0', gates: [], advice: null }),
    );
    expect(output.split('\n').filter((line) => line.startsWith('│ metric')).length).toBe(2);
    expect(output).toContain('RESULT: FAIL');
  });

  it('prints every failed gate but caps the passing ones', () => {
    const gates: GateResult[] = Array.from({ length: 100 }, (_, index) => ({
      gate: `p95_latency_ms < ${index}`,
      candidate: 'small-precise',
      slice: `tag:t${index}`,
      value: 1,
      pass: index >= 45,
      note: null,
    }));
    const output = renderTerminalSummary(makeRunReport({ gates }));
    const rows = output.split('\n').filter((line) => /│ (PASS|FAIL) /.test(line));
    expect(rows.filter((line) => line.includes('FAIL'))).toHaveLength(45);
    expect(rows).toHaveLength(45);
    expect(output).toContain('and 55 more passing gates');
  });

  it('strips control characters that came from the trace', () => {
    const output = renderTerminalSummary(
      makeRunReport({
        name: 'evil\u001b[2Jname',
        trace: {
          source: 't.jsonl',
          entries: 1,
          skipped: [{ line: 3, reason: 'bad\rline\u001b[31m' }],
        },
      }),
    );
    expect(output).not.toContain('\u001b');
    expect(output).not.toContain('\r');
    expect(output).toContain('evil [2Jname');
  });
});
