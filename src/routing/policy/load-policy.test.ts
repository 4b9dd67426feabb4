import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIM_PRESETS } from '../../providers/sim/sim-profiles.js';
import { loadPolicyFile, parsePolicyText } from './load-policy.js';
import { DEFAULT_FALLBACK_ON, DEFAULT_TIMEOUTS } from './normalize-policy.js';
import { PolicyError } from './policy-error.js';

const MINIMAL = `
targets:
  small:
    provider: sim
    sim: {}
`;

function policyError(text: string, file = 'switchyard.yaml'): PolicyError {
  try {
    parsePolicyText(text, file, {});
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('expected the policy to be rejected');
}

describe('parsePolicyText errors', () => {
  const cases: Array<{
    name: string;
    text: string;
    line: number;
    column: number;
    field: string;
    message: RegExp;
  }> = [
    {
      name: 'a wrong type, with the value the author wrote',
      text: `targets:
  small: { provider: sim, sim: {} }
  big: { provider: sim, sim: {} }
routes:
  fast:
    targets:
      - small
      - target: big
        timeouts:
          ttft_ms: fast
`,
      line: 10,
      column: 20,
      field: 'routes.fast.targets[1].timeouts.ttft_ms',
      message: /expected a number, got "fast"$/,
    },
    {
      name: 'an unknown field, with a suggestion',
      text: `targets:
  small:
    provider: sim
    sim: {}
    contxt_window: 4096
`,
      line: 5,
      column: 5,
      field: 'targets.small.contxt_window',
      message: /unknown field "contxt_window" \(did you mean "context_window"\?\)/,
    },
    {
      name: 'a rule naming a route that does not exist',
      text: `targets:
  small: { provider: sim, sim: {} }
routes:
  fast: { targets: [small] }
rules:
  - name: heavy
    when: { tags: [heavy] }
    route: slow
`,
      line: 8,
      column: 12,
      field: 'rules[0].route',
      message: /rule route "slow" is not a defined route \(routes: fast\)/,
    },
    {
      name: 'a route step naming a target that does not exist',
      text: `targets:
  small: { provider: sim, sim: {} }
routes:
  fast:
    targets: [small, huge]
`,
      line: 5,
      column: 22,
      field: 'routes.fast.targets[1]',
      message: /route target "huge" is not a defined target \(targets: small\)/,
    },
    {
      name: 'a YAML syntax error',
      text: `targets:
  small: { provider: sim, sim: {}
routes: {}
`,
      line: 3,
      column: 1,
      field: '',
      message: /YAML syntax error: /,
    },
    {
      name: 'a literal api_key',
      text: `targets:
  gpt:
    provider: openai-compatible
    base_url: https://api.openai.com/v1
    api_key: sk-live-123
`,
      line: 5,
      column: 5,
      field: 'targets.gpt.api_key',
      message: /put the key in an environment variable and name it with api_key_env/,
    },
    {
      name: 'a credential header',
      text: `targets:
  gpt:
    provider: openai-compatible
    base_url: https://api.openai.com/v1
    headers: { Authorization: Bearer sk-live-123 }
`,
      line: 5,
      column: 16,
      field: 'targets.gpt.headers.Authorization',
      message: /credentials are not allowed/,
    },
    {
      name: 'a wire provider without base_url',
      text: `targets:
  claude:
    provider: anthropic
    api_key_env: ANTHROPIC_API_KEY
`,
      line: 2,
      column: 3,
      field: 'targets.claude',
      message: /provider anthropic needs base_url/,
    },
    {
      name: 'a sim target without a profile',
      text: `targets:
  small:
    provider: sim
`,
      line: 2,
      column: 3,
      field: 'targets.small',
      message: /provider sim needs a sim profile/,
    },
    {
      name: 'an unknown provider',
      text: `targets:
  small:
    provider: openai
`,
      line: 3,
      column: 15,
      field: 'targets.small.provider',
      message: /expected one of sim, openai-compatible, anthropic, got "openai"/,
    },
    {
      name: 'a missing required field',
      text: `targets:
  small: { provider: sim, sim: {} }
rules:
  - name: everything
    when: {}
`,
      line: 4,
      column: 5,
      field: 'rules[0].route',
      message: /missing required field \(expected a string\)/,
    },
    {
      name: 'an invalid intent pattern',
      text: `${MINIMAL}classification:
  intents:
    - intent: code
      patterns: ["(unclosed"]
`,
      line: 9,
      column: 18,
      field: 'classification.intents[0].patterns[0]',
      message: /invalid regular expression/,
    },
    {
      name: 'a default_route that does not exist',
      text: `${MINIMAL}default_route: nowhere
`,
      line: 6,
      column: 16,
      field: 'default_route',
      message: /default_route "nowhere" is not a defined route \(routes: small\)/,
    },
    {
      name: 'a classifier target that does not exist',
      text: `${MINIMAL}classification:
  classifier: { target: tiny, labels: [code] }
`,
      line: 7,
      column: 25,
      field: 'classification.classifier.target',
      message: /classifier target "tiny" is not a defined target/,
    },
    {
      name: 'a summarizer target that does not exist',
      text: `${MINIMAL}routes:
  chat:
    targets: [small]
    context_fit: { strategy: summarize, summarizer_target: tiny }
`,
      line: 9,
      column: 60,
      field: 'routes.chat.context_fit.summarizer_target',
      message: /summarizer_target "tiny" is not a defined target/,
    },
  ];

  for (const testCase of cases) {
    it(`reports ${testCase.name} with file, line, column and field`, () => {
      const error = policyError(testCase.text);
      const issue = error.issues[0];
      expect(issue).toMatchObject({
        file: 'switchyard.yaml',
        line: testCase.line,
        column: testCase.column,
        field: testCase.field,
      });
      expect(issue?.message).toMatch(testCase.message);
      const prefix = testCase.field
        ? `switchyard.yaml:${testCase.line}:${testCase.column} ${testCase.field}: `
        : `switchyard.yaml:${testCase.line}:${testCase.column} `;
      expect(error.message.split('\n')[0]?.startsWith(prefix)).toBe(true);
      expect(error).toMatchObject({
        file: 'switchyard.yaml',
        line: testCase.line,
        column: testCase.column,
      });
    });
  }

  it('lists every issue, one per line, in file order', () => {
    const error = policyError(`targets:
  small:
    provider: sim
    sim: {}
    colour: blue
routes:
  fast:
    targets: [small]
    deadline_ms: soon
`);
    expect(error.message).toBe(
      [
        'switchyard.yaml:5:5 targets.small.colour: unknown field "colour"',
        'switchyard.yaml:9:18 routes.fast.deadline_ms: expected a number, got "soon"',
      ].join('\n'),
    );
    expect(error.issues).toHaveLength(2);
  });

  it('reports a document that is not a mapping', () => {
    expect(policyError('- just\n- a list\n').message).toMatch(
      /^switchyard.yaml:1:1 expected a mapping/,
    );
  });

  it('refuses the reserved name auto', () => {
    const error = policyError(`targets:
  auto: { provider: sim, sim: {} }
`);
    expect(error.issues[0]).toMatchObject({ line: 2, column: 3, field: 'targets.auto' });
    expect(error.message).toMatch(/"auto" is reserved/);
  });

  it('refuses a price with only one side', () => {
    const error = policyError(`targets:
  small:
    provider: sim
    sim: {}
    price: { input_per_mtok: 1 }
`);
    expect(error.issues[0]).toMatchObject({ line: 5, column: 5, field: 'targets.small.price' });
  });
});

describe('parsePolicyText normalization', () => {
  it('fills defaults everywhere from a minimal file', () => {
    const policy = parsePolicyText(MINIMAL, '<inline>', {});
    expect(policy.sourcePath).toBe('<inline>');
    expect(policy.server).toEqual({
      host: '127.0.0.1',
      port: 8080,
      bodyLimitBytes: 10 * 1024 * 1024,
      apiKeys: [],
      adminToken: null,
      exposeTargets: true,
    });
    expect(policy.breaker).toEqual({
      consecutiveFailures: 5,
      errorRate: 0.5,
      windowMs: 30_000,
      minRequests: 20,
      openMs: 10_000,
      halfOpenProbes: 1,
    });
    expect(policy.classification).toMatchObject({
      defaultIntent: 'general',
      intentHeader: 'x-switchyard-intent',
      intentRules: [],
      tagRules: [],
      classifier: null,
    });
    const target = policy.targets.get('small');
    expect(target).toMatchObject({
      model: 'small',
      baseUrl: null,
      contextWindow: 128_000,
      breaker: null,
    });
    expect(target?.sim?.ttftMs).toEqual({ p50: 40, p95: 120 });
  });

  it('gives a policy with only targets one route per target', () => {
    const policy = parsePolicyText(
      `targets:
  a: { provider: sim, sim: {} }
  b: { provider: sim, sim: {} }
`,
      '<inline>',
      {},
    );
    expect([...policy.routes.keys()]).toEqual(['a', 'b']);
    expect(policy.defaultRoute).toBe('a');
    const route = policy.routes.get('b');
    expect(route?.chain).toEqual([
      {
        target: 'b',
        timeouts: DEFAULT_TIMEOUTS,
        fallbackOn: DEFAULT_FALLBACK_ON,
        latencyBudgetMs: null,
        maxAttempts: 2,
      },
    ]);
    expect(route).toMatchObject({ deadlineMs: 30_000, contextFit: null, canary: null });
  });

  it('merges step, route and default settings and expands fallback aliases', () => {
    const policy = parsePolicyText(
      `targets:
  a: { provider: sim, sim: {} }
  b: { provider: sim, sim: {} }
routes:
  r:
    timeouts: { ttft_ms: 3000 }
    max_attempts: 3
    targets:
      - a
      - target: b
        timeouts: { total_ms: 9000 }
        fallback_on: [429, "5xx", timeout, "429"]
        latency_budget_ms: 800
        max_attempts: 1
`,
      '<inline>',
      {},
    );
    const [first, second] = policy.routes.get('r')?.chain ?? [];
    expect(first).toEqual({
      target: 'a',
      timeouts: { ...DEFAULT_TIMEOUTS, ttftMs: 3000 },
      fallbackOn: DEFAULT_FALLBACK_ON,
      latencyBudgetMs: null,
      maxAttempts: 3,
    });
    expect(second).toEqual({
      target: 'b',
      timeouts: { ...DEFAULT_TIMEOUTS, ttftMs: 3000, totalMs: 9000 },
      fallbackOn: ['rate_limited', 'server_error', 'timeout'],
      latencyBudgetMs: 800,
      maxAttempts: 1,
    });
  });

  it('converts every price unit to USD per token', () => {
    const policy = parsePolicyText(
      `targets:
  m: { provider: sim, sim: {}, price: { input_per_mtok: 0.15, output_per_mtok: 0.6 } }
  k: { provider: sim, sim: {}, price: { input_per_1k: 0.5, output_per_1k: 1.5 } }
  p: { provider: sim, sim: {}, price: { per_1k: 0.3 } }
`,
      '<inline>',
      {},
    );
    expect(policy.targets.get('m')?.inputPricePerToken).toBeCloseTo(0.15e-6, 15);
    expect(policy.targets.get('m')?.outputPricePerToken).toBeCloseTo(0.6e-6, 15);
    expect(policy.targets.get('k')?.inputPricePerToken).toBeCloseTo(0.5e-3, 12);
    expect(policy.targets.get('k')?.outputPricePerToken).toBeCloseTo(1.5e-3, 12);
    expect(policy.targets.get('p')?.inputPricePerToken).toBeCloseTo(0.3e-3, 12);
    expect(policy.targets.get('p')?.outputPricePerToken).toBeCloseTo(0.3e-3, 12);
  });

  it('reads gateway keys and the admin token from the named environment variables', () => {
    const policy = parsePolicyText(
      `${MINIMAL}server:
  api_keys: [file-key]
  api_keys_env: MY_KEYS
  admin_token_env: MY_ADMIN
`,
      '<inline>',
      { MY_KEYS: ' one, two ,,file-key', MY_ADMIN: 'secret' },
    );
    expect(policy.server.apiKeys).toEqual(['file-key', 'one', 'two']);
    expect(policy.server.adminToken).toBe('secret');
  });

  it('keeps upstream keys out of the policy, naming only the variable', () => {
    const policy = parsePolicyText(
      `targets:
  gpt:
    provider: openai-compatible
    base_url: https://api.openai.com/v1/
    api_key_env: OPENAI_API_KEY
`,
      '<inline>',
      { OPENAI_API_KEY: 'sk-should-not-appear' },
    );
    expect(policy.targets.get('gpt')).toMatchObject({
      apiKeyEnv: 'OPENAI_API_KEY',
      baseUrl: 'https://api.openai.com/v1',
    });
    expect(JSON.stringify([...policy.targets.values()])).not.toContain('sk-should-not-appear');
  });

  it('merges a target breaker override onto the policy breaker', () => {
    const policy = parsePolicyText(
      `breaker: { open_ms: 2000 }
targets:
  a: { provider: sim, sim: {}, breaker: { consecutive_failures: 2 } }
`,
      '<inline>',
      {},
    );
    expect(policy.targets.get('a')?.breaker).toMatchObject({
      consecutiveFailures: 2,
      openMs: 2000,
      errorRate: 0.5,
    });
  });

  it('accepts a canary block on a route', () => {
    const policy = parsePolicyText(
      `targets:
  a: { provider: sim, sim: {} }
  b: { provider: sim, sim: {} }
routes:
  r:
    targets: [a]
    canary: { target: b, percentage: 5, criteria: ["latency<300"] }
`,
      '<inline>',
      {},
    );
    expect(policy.routes.get('r')?.canary).toEqual({
      target: 'b',
      percentage: 5,
      gates: [],
      criteria: ['latency<300'],
    });
  });

  it('resolves the log path against the policy file directory', () => {
    const policy = parsePolicyText(MINIMAL, '/etc/switchyard/policy.yaml', {});
    expect(policy.log.path).toBe('/etc/switchyard/switchyard.db');
    expect(policy.sourcePath).toBe('/etc/switchyard/policy.yaml');
  });

  it('defaults classifier labels to the declared intents', () => {
    const policy = parsePolicyText(
      `${MINIMAL}classification:
  intents: [{ intent: code, patterns: ["\`\`\`"] }, { intent: chat }]
  classifier: { target: small }
`,
      '<inline>',
      {},
    );
    expect(policy.classification.classifier).toEqual({
      target: 'small',
      labels: ['code', 'chat'],
      timeoutMs: 300,
      cacheSize: 10_000,
    });
  });

  it('takes a sim preset by name, as a copy', () => {
    const policy = parsePolicyText(
      'targets:\n  a: { provider: sim, sim: big-slow }\n',
      '<inline>',
      {},
    );
    const sim = policy.targets.get('a')?.sim;
    expect(sim).toEqual(SIM_PRESETS['big-slow']);
    expect(sim).not.toBe(SIM_PRESETS['big-slow']);
  });

  it('names the presets when the sim value is unknown', () => {
    const error = policyError('targets:\n  a: { provider: sim, sim: medium }\n');
    expect(error.message).toBe(
      'switchyard.yaml:2:28 targets.a.sim: expected one of small-fast, big-slow, a mapping, got "medium"',
    );
  });

  it('accepts JSON, since JSON is YAML', () => {
    const policy = parsePolicyText(
      JSON.stringify({ targets: { a: { provider: 'sim', sim: {} } }, default_route: 'a' }),
      'policy.json',
      {},
    );
    expect(policy.defaultRoute).toBe('a');
  });
});

describe('loadPolicyFile', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'switchyard-policy-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reports a missing file as a PolicyError naming it', async () => {
    const missing = path.join(directory, 'nope.yaml');
    await expect(loadPolicyFile(missing, {})).rejects.toThrow(
      `${missing} cannot read policy: file not found`,
    );
  });

  it('names the file as given in error positions', async () => {
    const file = path.join(directory, 'bad.yaml');
    await writeFile(file, 'targets:\n  a: { provider: sim, sim: {}, colour: red }\n');
    await expect(loadPolicyFile(file, {})).rejects.toThrow(
      `${file}:2:32 targets.a.colour: unknown field "colour"`,
    );
  });

  const examples = [
    'switchyard.yaml',
    'openai-anthropic.yaml',
    'seed-bad-config.yaml',
    'seed-corrected-config.yaml',
    'seed-canary.json',
  ];
  const examplesDirectory = path.resolve(import.meta.dirname, '../../../examples');
  for (const example of examples) {
    it(`loads examples/${example}`, async () => {
      const policy = await loadPolicyFile(path.join(examplesDirectory, example), {});
      expect(policy.targets.size).toBeGreaterThan(0);
      expect(policy.routes.has(policy.defaultRoute)).toBe(true);
      for (const route of policy.routes.values()) {
        for (const step of route.chain) expect(policy.targets.has(step.target)).toBe(true);
      }
    });
  }

  it('loads a seed-format file through the conversion and says so in notes', async () => {
    const policy = await loadPolicyFile(
      path.join(examplesDirectory, 'seed-corrected-config.yaml'),
      {},
    );
    expect(policy.notes?.[0]).toMatch(/seed format .* `switchyard policy convert /);
    expect([...policy.targets.keys()]).toEqual(['small-precise', 'big-decoder-v2']);
    expect(policy.routes.get(policy.defaultRoute)?.chain.map((step) => step.target)).toEqual([
      'small-precise',
      'big-decoder-v2',
    ]);
    expect(policy.routes.get(policy.defaultRoute)?.chain[0]?.latencyBudgetMs).toBe(200);
  });

  it('reports seed-format mistakes at their position', async () => {
    const file = path.join(directory, 'seed.yaml');
    await writeFile(file, 'routing:\n  default_model: big\n  fallbacks: nope\n');
    await expect(loadPolicyFile(file, {})).rejects.toThrow(
      `${file}:3:14 routing.fallbacks: expected a list, got "nope"`,
    );
  });
});
