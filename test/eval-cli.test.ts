import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TWO_TARGET_POLICY, traceLines } from '../src/eval/__fixtures__/eval-workspace.js';

const RUN_CLI = new URL('./support/run-cli.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-eval-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = (name: string) => join(dir, name);

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', RUN_CLI, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

writeFileSync(join(dir, 'policy.yaml'), TWO_TARGET_POLICY);
writeFileSync(join(dir, 'trace.jsonl'), `${traceLines(20)}{"messages": "not a list"}\n`);
const EVAL = `policy: policy.yaml
trace: trace.jsonl
baseline: pricey
candidates: [pricey, cheap]
load: replay:2x
report: { dir: out, formats: [json, html] }
`;
writeFileSync(
  join(dir, 'failing.yaml'),
  `name: strict\n${EVAL}gates:\n  - p95_latency_ms < 5000\n  - cost_per_success_usd < 0.0000001\n`,
);
writeFileSync(join(dir, 'passing.yaml'), `name: lenient\n${EVAL}gates:\n  - error_rate < 0.5\n`);
writeFileSync(join(dir, 'bad.yaml'), EVAL.replace('[pricey, cheap]', '[pricey, gpt-9]'));

describe('switchyard eval', () => {
  it('exits 1 with a clear summary when a gate fails, and writes and stores the run', () => {
    const result = cli('eval', at('failing.yaml'));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/SIMULATED/);
    expect(result.stdout).toMatch(
      /FAILED: 1 of 2 gate checks failed:\n {2}cheap: cost_per_success_usd < 0.0000001 \(was /,
    );
    expect(result.stdout).toMatch(/stored as run \S+ in .*runs\.db/);
    expect(result.stderr).toMatch(
      /skipping 1 malformed trace line\(s\), 20 entries remain:\n {2}line 21: /,
    );
    const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8'));
    expect(report.passed).toBe(false);
    expect(report.trace.skipped).toHaveLength(1);
    expect(existsSync(join(dir, 'out', 'report.html'))).toBe(true);
  });

  it('exits 0 when every gate passes, printing the JSON report with --json', () => {
    const result = cli(
      'eval',
      at('passing.yaml'),
      '--json',
      '--report-dir',
      at('json-out'),
      '--no-store',
    );
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.name).toBe('lenient');
    expect(
      report.candidates.map((candidate: { candidate: string }) => candidate.candidate),
    ).toEqual(['pricey', 'cheap']);
    expect(result.stderr).toMatch(/PASSED: all 1 gate checks/);
    expect(existsSync(join(dir, 'json-out', 'report.json'))).toBe(true);
  });

  it('exits 2 before sending anything when the config names an unknown target', () => {
    const result = cli('eval', at('bad.yaml'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /bad\.yaml:4:22 candidates\[1\]: unknown target "gpt-9"; policy\.yaml defines cheap, pricey/,
    );
    expect(result.stdout).toBe('');
  });
});
