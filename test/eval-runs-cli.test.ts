import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TWO_TARGET_POLICY, traceLines } from '../src/eval/__fixtures__/eval-workspace.js';
import { parseEvalConfigText } from '../src/eval/eval-config.js';
import { runEval } from '../src/eval/run-eval.js';
import type { RunReport } from '../src/eval/run-report.js';
import { createSqliteRunStore } from '../src/store/sqlite-run-store.js';

const RUN_CLI = new URL('./support/run-cli.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-runs-cli-'));
const at = (name: string) => join(dir, name);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', RUN_CLI, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

writeFileSync(at('policy.yaml'), TWO_TARGET_POLICY);
writeFileSync(at('trace.jsonl'), traceLines(10));
writeFileSync(
  at('guarded.yaml'),
  TWO_TARGET_POLICY.replace(
    '  cheap: { targets: [cheap, pricey] }',
    '  cheap: { targets: [cheap, pricey], canary: { target: pricey, percentage: 5, criteria: ["error_rate<0.01"] } }',
  ),
);

const runs: RunReport[] = [];
beforeAll(async () => {
  const store = createSqliteRunStore(at('runs.db'));
  try {
    for (const [name, gate] of [
      ['strict', 'cost_per_success_usd < 0.0000001'],
      ['lenient', 'error_rate < 0.5'],
    ]) {
      const config = await parseEvalConfigText(
        `name: ${name}\npolicy: policy.yaml\ntrace: trace.jsonl\nbaseline: pricey\ncandidates: [pricey, cheap]\nload: replay:4x\ngates:\n  - ${gate}\n`,
        at('eval.yaml'),
        { env: {} },
      );
      const report = await runEval(config, {
        now: () => new Date(Date.UTC(2025, 0, runs.length + 1)),
      });
      await store.save(report);
      runs.push(report);
    }
  } finally {
    await store.close();
  }
});

describe('switchyard runs and compare', () => {
  it('lists stored runs, newest first', () => {
    const listed = cli('runs', '--db', at('runs.db'), '--json');
    expect(listed.code).toBe(0);
    expect(
      (JSON.parse(listed.stdout) as Array<{ name: string; passed: boolean }>).map((run) => [
        run.name,
        run.passed,
      ]),
    ).toEqual([
      ['lenient', true],
      ['strict', false],
    ]);
    expect(cli('runs', '--db', at('runs.db')).stdout).toMatch(/lenient[\s\S]*strict/);
  });

  it('compares two runs named by id or unique prefix, and says when one is missing', () => {
    const [older, newer] = runs;
    const compared = cli(
      'compare',
      older?.id ?? '',
      (newer?.id ?? '').slice(0, 17),
      '--db',
      at('runs.db'),
    );
    expect(compared.code).toBe(0);
    expect(compared.stdout).toMatch(/Comparing runs/);
    expect(compared.stdout).toMatch(/cheap/);
    const missing = cli('compare', 'nope', older?.id ?? '', '--db', at('runs.db'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no stored run matches nope/);
  });
});

describe('switchyard audit', () => {
  it('prints pass or fail with a reason per item and exits 1 on any fail', () => {
    const result = cli('audit', '--config', at('policy.yaml'), '--db', at('runs.db'));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/PASS {2}every route has a fallback and timeouts/);
    expect(result.stdout).toMatch(
      /FAIL {2}a canary with rollback exists for every changed route\n {6}no canary configured/,
    );
    expect(result.stdout).toMatch(
      /PASS {2}p95 and cost were measured on the same request pattern\n {6}run \S+ .*measured p95/,
    );
    expect(result.stdout).toMatch(/1 of 5 checks failed/);
  });

  it('exits 0 when every item passes, and fails the run item when no run is stored', () => {
    const withRun = cli('audit', '--config', at('guarded.yaml'), '--db', at('runs.db'));
    expect(withRun.stdout).toMatch(/all 5 checks passed/);
    expect(withRun.code).toBe(0);
    const result = cli(
      'audit',
      '--config',
      at('guarded.yaml'),
      '--db',
      at('no-runs-here.db'),
      '--json',
    );
    expect(result.code).toBe(1);
    const parsed = JSON.parse(result.stdout) as { items: Array<{ id: string; pass: boolean }> };
    expect(parsed.items.filter((item) => !item.pass).map((item) => item.id)).toEqual([
      'same-pattern',
    ]);
  });
});
