import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { convertSeedPolicy, isSeedPolicy } from './convert-seed-policy.js';
import { parsePolicyText } from './load-policy.js';
import { PolicyError } from './policy-error.js';

const examples = path.resolve(import.meta.dirname, '../../../examples');

async function convertExample(name: string) {
  const input: unknown = parse(await readFile(path.join(examples, name), 'utf8'));
  const converted = convertSeedPolicy(input);
  return { ...converted, policy: parsePolicyText(converted.yaml, '<inline>', {}) };
}

describe('convertSeedPolicy', () => {
  it('turns bad_config into one sim target on one route', async () => {
    const { policy } = await convertExample('seed-bad-config.yaml');
    expect([...policy.targets.keys()]).toEqual(['big-decoder-v2']);
    expect(policy.targets.get('big-decoder-v2')?.provider).toBe('sim');
    expect(policy.rules).toEqual([]);
    expect(policy.routes.get(policy.defaultRoute)?.chain.map((step) => step.target)).toEqual([
      'big-decoder-v2',
    ]);
  });

  it('gives big/xl models a slower sim profile than small ones', async () => {
    const { policy } = await convertExample('seed-corrected-config.yaml');
    const small = policy.targets.get('small-precise')?.sim;
    const big = policy.targets.get('big-decoder-v2')?.sim;
    expect(small && big && big.ttftMs.p95 > small.ttftMs.p95).toBe(true);
  });

  it('turns fallbacks.when into intent and tag rules routing to the big model', async () => {
    const { policy } = await convertExample('seed-corrected-config.yaml');
    expect(policy.classification.intentRules.map((rule) => rule.intent)).toEqual([
      'complex_synthesis',
    ]);
    expect(policy.classification.tagRules).toEqual([
      { tag: 'long_context', when: { minPromptTokens: 1025 }, elseTag: null },
    ]);
    expect(policy.rules).toEqual([
      {
        name: 'complex_synthesis-or-long_context-to-big-decoder-v2',
        when: { any: [{ intent: ['complex_synthesis'] }, { tags: ['long_context'] }] },
        route: 'big-decoder-v2',
      },
    ]);
    expect(policy.routes.get('big-decoder-v2')?.chain.map((step) => step.target)).toEqual([
      'big-decoder-v2',
    ]);
  });

  it('turns cost_threshold_ms into a latency budget and exponential_backoff into the retry block', async () => {
    const { policy, notes } = await convertExample('seed-corrected-config.yaml');
    const route = policy.routes.get(policy.defaultRoute);
    expect(
      route?.chain.map((step) => [step.target, step.latencyBudgetMs, step.maxAttempts]),
    ).toEqual([
      ['small-precise', 200, 2],
      ['big-decoder-v2', null, 2],
    ]);
    expect(route?.retry).toEqual({ baseDelayMs: 100, maxDelayMs: 2000, retryAfterCapMs: 5000 });
    expect(notes.some((note) => note.includes('latency budget'))).toBe(true);
  });

  it('keeps the canary as a canary block on the default route', async () => {
    const { policy } = await convertExample('seed-canary.json');
    expect([...policy.targets.keys()]).toEqual(['small-chat-v1', 'candidate-xl']);
    const route = policy.routes.get(policy.defaultRoute);
    expect(route?.chain.map((step) => step.target)).toEqual(['small-chat-v1']);
    expect(route?.canary).toEqual({
      target: 'candidate-xl',
      percentage: 5,
      gates: [],
      criteria: ['latency<300', 'accuracy_delta>0.02'],
    });
  });

  it('writes its notes as comments at the top of the YAML', async () => {
    const { yaml, notes } = await convertExample('seed-corrected-config.yaml');
    for (const note of notes) expect(yaml).toContain(`# - ${note}`);
  });

  it('notes thresholds it cannot convert and a retry policy it does not know', () => {
    const { notes, yaml } = convertSeedPolicy({
      routing: { default_model: 'm', thresholds: { p95_ms: 300 }, retry_policy: 'fibonacci' },
    });
    expect(notes).toContain(
      'routing.thresholds.p95_ms has no native equivalent and was dropped; see docs/policy.md',
    );
    expect(notes.some((note) => note.startsWith('retry_policy fibonacci is not known'))).toBe(true);
    expect(() => parsePolicyText(yaml, '<inline>', {})).not.toThrow();
  });

  it('rejects input that is not a seed policy', () => {
    expect(() => convertSeedPolicy({ routing: { fallbacks: [] } })).toThrow(PolicyError);
    expect(() =>
      convertSeedPolicy({ routing: { default_model: 'a' }, route: { default_model: 'b' } }),
    ).toThrow(/exactly one of routing or route/);
  });

  it('recognises seed files by their top-level key', () => {
    expect(isSeedPolicy({ routing: {} })).toBe(true);
    expect(isSeedPolicy({ route: {} })).toBe(true);
    expect(isSeedPolicy({ targets: {}, routes: {} })).toBe(false);
    expect(isSeedPolicy(['routing'])).toBe(false);
  });
});
