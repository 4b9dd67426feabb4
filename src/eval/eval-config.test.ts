import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEvalConfig, parseEvalConfigText } from './eval-config.js';
import { EvalConfigError } from './eval-config-error.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-eval-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(
  join(dir, 'policy.yaml'),
  `targets:
  small: { provider: sim, sim: small-fast, price: { per_1k: 0.3 } }
  big: { provider: sim, sim: big-slow, price: { per_1k: 1.2 } }
  hosted:
    provider: openai-compatible
    base_url: https://api.example.com/v1
    api_key_env: EXAMPLE_API_KEY
routes:
  fast: { targets: [small, big] }
`,
);
writeFileSync(join(dir, 'trace.jsonl'), '{"messages":[{"role":"user","content":"hi"}]}\n');

const source = join(dir, 'eval.yaml');
const parse = (text: string, env: NodeJS.ProcessEnv = {}) =>
  parseEvalConfigText(text, source, { env });

async function issuesOf(text: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  try {
    await parse(text, env);
  } catch (error) {
    if (error instanceof EvalConfigError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

const VALID = `name: smoke
policy: policy.yaml
trace: trace.jsonl
baseline: big
candidates: [big, small]
`;

describe('parseEvalConfigText', () => {
  it('fills defaults and resolves paths against the file', async () => {
    const config = await parse(VALID);
    expect(config.name).toBe('smoke');
    expect(config.policyPath).toBe(join(dir, 'policy.yaml'));
    expect(config.tracePath).toBe(join(dir, 'trace.jsonl'));
    expect(config.candidates).toEqual([
      { name: 'big', kind: 'target', target: 'big' },
      { name: 'small', kind: 'target', target: 'small' },
    ]);
    expect(config.load).toEqual({ kind: 'replay', speed: 1 });
    expect(config.repeats).toBe(1);
    expect(config.stream).toBe(true);
    expect(config.report.formats).toEqual(['json', 'md', 'html']);
    expect(config.store).toEqual({ enabled: true, path: null });
  });

  it('reads candidates, load, checks, slos, gates, advice and store', async () => {
    const config =
      await parse(`${VALID.replace('candidates: [big, small]', 'candidates:\n  - big\n  - { name: cheap, target: small }\n  - { name: routed, route: fast }')}
load: poisson:20,burst=2
repeats: 3
stream: false
checks:
  - { kind: contains, value: Paris, ignore_case: true }
  - { name: json, kind: json_schema, schema: { type: object } }
slos: { latency_ms: 800, ttft_ms: 200, checks: true }
gates:
  - p95_latency_ms < 300
  - { gate: "error_rate < 1%", slice: "intent:*", candidates: [cheap] }
advice: { current_policy: policy.yaml }
store: runs.db
monthly_requests: 100000
`);
    expect(config.candidates.map((candidate) => candidate.kind)).toEqual([
      'target',
      'target',
      'policy',
    ]);
    expect(config.candidates[2]).toMatchObject({
      name: 'routed',
      route: 'fast',
      policyPath: join(dir, 'policy.yaml'),
    });
    expect(config.load).toEqual({ kind: 'poisson', rate: 20, burstiness: 2 });
    expect(config.checks.map((check) => [check.name, check.kind])).toEqual([
      ['contains', 'contains'],
      ['json', 'json_schema'],
    ]);
    expect(config.slos).toEqual({ latencyMs: 800, ttftMs: 200, requireChecks: true });
    expect(config.gates[1]).toMatchObject({
      metric: 'error_rate',
      operator: '<',
      threshold: 0.01,
      slice: 'intent:*',
      candidates: ['cheap'],
    });
    expect(config.advice).toEqual({ enabled: true, currentPolicyPath: join(dir, 'policy.yaml') });
    expect(config.store).toEqual({ enabled: true, path: join(dir, 'runs.db') });
    expect(config.monthlyRequests).toBe(100000);
  });

  it('adds a baseline that names a policy target but is not listed as a candidate', async () => {
    const config = await parse(VALID.replace('candidates: [big, small]', 'candidates: [small]'));
    expect(config.candidates.map((candidate) => candidate.name)).toEqual(['big', 'small']);
  });

  it('names file, line, column and field of a shape error', async () => {
    const issues = await issuesOf(`${VALID}repeats: many\nstreem: true\n`);
    expect(issues).toContain(`${source}:6:10 repeats: expected a number, got "many"`);
    expect(
      issues.some((line) =>
        line.startsWith(`${source}:7:1 streem: unknown field "streem" (did you mean "stream"?)`),
      ),
    ).toBe(true);
  });

  it('reports an unknown target and an unknown baseline at their lines', async () => {
    const issues = await issuesOf(
      VALID.replace('baseline: big', 'baseline: huge').replace('[big, small]', '[big, tiny]'),
    );
    expect(issues).toContainEqual(
      expect.stringMatching(/eval\.yaml:4:11 baseline: unknown baseline "huge"/),
    );
    expect(issues).toContainEqual(
      expect.stringMatching(
        /eval\.yaml:5:19 candidates\[1\]: unknown target "tiny"; policy\.yaml defines small, big, hosted/,
      ),
    );
  });

  it('reports a target whose key is not set, and accepts it once the key is there', async () => {
    const text = VALID.replace('[big, small]', '[big, hosted]');
    const issues = await issuesOf(text);
    expect(issues).toContainEqual(
      expect.stringMatching(
        /candidates\[1\]: missing key: target "hosted" reads its key from EXAMPLE_API_KEY, which is not set/,
      ),
    );
    await expect(parse(text, { EXAMPLE_API_KEY: 'sk-test' })).resolves.toBeDefined();
  });

  it('reports an unreadable trace, a bad gate and a bad load model', async () => {
    const issues = await issuesOf(
      `${VALID.replace('trace.jsonl', 'missing.jsonl')}load: warp:9\ngates:\n  - p95 < 3\n`,
    );
    expect(issues).toContainEqual(
      expect.stringMatching(/:3:8 trace: cannot read trace .*missing\.jsonl: file not found/),
    );
    expect(issues).toContainEqual(
      expect.stringMatching(/:6:7 load: load model "warp:9": unknown kind "warp"/),
    );
    expect(issues).toContainEqual(
      expect.stringMatching(/:8:5 gates\[0\]: unknown gate metric "p95"/),
    );
  });

  it('reports a check that cannot compile at its line', async () => {
    const issues = await issuesOf(`${VALID}checks:\n  - { kind: regex, pattern: "(" }\n`);
    expect(issues).toContainEqual(
      expect.stringMatching(/eval\.yaml:7:29 checks\[0\]\.pattern: .*regular expression/i),
    );
  });

  it('reports an unknown judge target', async () => {
    const issues = await issuesOf(
      `${VALID}checks:\n  - { kind: judge, target: oracle, rubric: "is it right?" }\n`,
    );
    expect(issues).toContainEqual(
      expect.stringMatching(/checks\[0\]\.target: unknown judge target "oracle"/),
    );
  });

  it('reports an unknown route of a policy candidate and a gate on an unknown candidate', async () => {
    const issues = await issuesOf(
      `${VALID.replace('[big, small]', '[big, { name: p, route: slow }]')}gates:\n  - { gate: error_rate < 0.1, candidates: [nobody] }\n`,
    );
    expect(issues).toContainEqual(
      expect.stringMatching(/candidates\[1\]\.route: unknown route "slow"/),
    );
    expect(issues).toContainEqual(
      expect.stringMatching(/gates\[0\]\.candidates: unknown candidate "nobody"/),
    );
  });
});

describe('loadEvalConfig', () => {
  it('says when the file itself cannot be read', async () => {
    await expect(loadEvalConfig(join(dir, 'nope.yaml'))).rejects.toThrow(
      /nope\.yaml cannot read eval config: file not found/,
    );
  });

  it('reports YAML syntax errors with their position', async () => {
    writeFileSync(join(dir, 'broken.yaml'), 'policy: [unclosed\n');
    await expect(loadEvalConfig(join(dir, 'broken.yaml'))).rejects.toThrow(
      /broken\.yaml:\d+:\d+ YAML syntax error/,
    );
  });
});
