import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderDemoTable, runDemo } from '../src/cli/demo-command.js';
import { createSqliteRunStore } from '../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('switchyard demo', () => {
  it('shows the big-model config failing under the first burst and the routed config recovering', async () => {
    // The first 450 requests reach into the trace's first burst (about 110 req/s from t = 12 s);
    // at 2.5x they replay in under 6 s.
    const { report, paths, databasePath } = await runDemo({
      limit: 450,
      speed: 2.5,
      reportDir: dir,
    });
    const before = report.candidates.find((candidate) => candidate.candidate === 'before');
    const after = report.candidates.find((candidate) => candidate.candidate === 'after');
    expect(report.simulated).toBe(true);
    expect(before?.requests).toBe(450);
    expect(after?.requests).toBe(450);
    expect(before?.errorRate ?? 0).toBeGreaterThan(after?.errorRate ?? 1);
    expect(before?.latency.p95 ?? 0).toBeGreaterThan(
      after?.latency.p95 ?? Number.POSITIVE_INFINITY,
    );
    expect(before?.costPerSuccessUsd ?? 0).toBeGreaterThan(after?.costPerSuccessUsd ?? 1);

    expect(paths.html).toBe(join(dir, 'report.html'));
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/simulated/i);

    // The run is stored for the Workspace (`switchyard ui --db`).
    expect(databasePath).toBe(join(dir, 'demo.db'));
    const runs = createSqliteRunStore(databasePath);
    try {
      expect(
        (await runs.get(report.id))?.candidates.map((candidate) => candidate.candidate),
      ).toEqual(report.candidates.map((candidate) => candidate.candidate));
    } finally {
      await runs.close();
    }

    const table = renderDemoTable(report);
    expect(table).toMatch(/SIMULATED/);
    expect(table).toMatch(/before .*ms .*ms .*%.*\$.*\$/);
  }, 30_000);
});
