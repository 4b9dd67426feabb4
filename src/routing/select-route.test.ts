import { describe, expect, it } from 'vitest';
import type { Classification } from './classify/classify-request.js';
import { parsePolicyText } from './policy/load-policy.js';
import type { Condition } from './policy/policy-types.js';
import { evaluateCondition, selectRoute } from './select-route.js';

const POLICY = `targets:
  small: { provider: sim, sim: {} }
  big: { provider: sim, sim: {} }
rules:
  - name: heavy-to-quality
    when: { tags: [heavy] }
    route: quality
  - name: code-to-fast
    when: { intent: [code] }
    route: fast
  - name: acme-to-quality
    when: { tenant: acme }
    route: quality
routes:
  fast: { targets: [small, big] }
  quality: { targets: [big, small] }
default_route: fast
`;

function classification(overrides: Partial<Classification> = {}): Classification {
  return {
    intent: 'general',
    intentSource: 'default',
    promptTokens: 100,
    promptTokensExact: true,
    tags: [],
    tenant: null,
    userId: null,
    sessionId: null,
    metadata: {},
    features: { hasImages: false, hasTools: false, hasResponseFormat: false, turns: 1 },
    ...overrides,
  };
}

describe('selectRoute', () => {
  const policy = parsePolicyText(POLICY, '<inline>', {});

  it('takes the first matching rule for auto', () => {
    const selection = selectRoute(
      policy,
      'auto',
      classification({ tags: ['heavy'], intent: 'code' }),
    );
    expect(selection).toMatchObject({ route: { name: 'quality' }, rule: 'heavy-to-quality' });
  });

  it('tries rules in file order', () => {
    const selection = selectRoute(
      policy,
      'auto',
      classification({ intent: 'code', tenant: 'acme' }),
    );
    expect(selection).toMatchObject({ route: { name: 'fast' }, rule: 'code-to-fast' });
  });

  it('uses the default route with no rule when nothing matches', () => {
    expect(selectRoute(policy, 'auto', classification())).toMatchObject({
      route: { name: 'fast' },
      rule: null,
    });
  });

  it('uses a named route without consulting rules', () => {
    expect(selectRoute(policy, 'fast', classification({ tags: ['heavy'] }))).toMatchObject({
      route: { name: 'fast' },
      rule: null,
    });
  });

  it('serves a bare target when targets are exposed, and not otherwise', () => {
    expect(selectRoute(policy, 'big', classification())).toEqual({
      target: policy.targets.get('big'),
    });
    const hidden = parsePolicyText(`${POLICY}server: { expose_targets: false }\n`, '<inline>', {});
    expect(selectRoute(hidden, 'big', classification())).toBeNull();
  });

  it('returns null for an unknown model', () => {
    expect(selectRoute(policy, 'gpt-7', classification())).toBeNull();
  });

  it('prefers a route over a target of the same name', () => {
    const shorthand = parsePolicyText(
      'targets:\n  small: { provider: sim, sim: {} }\n',
      '<inline>',
      {},
    );
    expect(selectRoute(shorthand, 'small', classification())).toMatchObject({
      route: { name: 'small' },
      rule: null,
    });
  });
});

describe('evaluateCondition', () => {
  const subject = classification({
    intent: 'code',
    tags: ['heavy', 'vip'],
    tenant: 'acme',
    promptTokens: 1025,
    metadata: { team: 'search', tier: 'pro' },
    features: { hasImages: true, hasTools: false, hasResponseFormat: true, turns: 3 },
  });
  const cases: Array<[string, Condition, boolean]> = [
    ['an empty condition matches everything', {}, true],
    ['intent in list', { intent: ['chat', 'code'] }, true],
    ['intent not in list', { intent: ['chat'] }, false],
    ['any listed tag present', { tags: ['light', 'vip'] }, true],
    ['no listed tag present', { tags: ['light'] }, false],
    ['tenant in list', { tenant: ['acme'] }, true],
    ['tenant missing', { tenant: ['globex'] }, false],
    ['min tokens inclusive', { minPromptTokens: 1025 }, true],
    ['min tokens above', { minPromptTokens: 1026 }, false],
    ['max tokens inclusive', { maxPromptTokens: 1025 }, true],
    ['max tokens below', { maxPromptTokens: 1024 }, false],
    ['metadata all keys equal', { metadata: { team: 'search', tier: 'pro' } }, true],
    ['metadata one key differs', { metadata: { team: 'search', tier: 'free' } }, false],
    ['metadata key absent', { metadata: { region: 'eu' } }, false],
    ['features hold', { hasImages: true, hasTools: false, hasResponseFormat: true }, true],
    ['feature differs', { hasTools: true }, false],
    ['turn bounds hold', { minTurns: 3, maxTurns: 3 }, true],
    ['turn bound fails', { maxTurns: 2 }, false],
    ['any: one member holds', { any: [{ intent: ['chat'] }, { tags: ['vip'] }] }, true],
    ['any: no member holds', { any: [{ intent: ['chat'] }, { tags: ['light'] }] }, false],
    ['all: every member holds', { all: [{ intent: ['code'] }, { tenant: ['acme'] }] }, true],
    ['all: one member fails', { all: [{ intent: ['code'] }, { tenant: ['globex'] }] }, false],
    ['fields and any combine with and', { intent: ['chat'], any: [{ tags: ['vip'] }] }, false],
  ];
  for (const [name, condition, expected] of cases) {
    it(`${name} → ${expected}`, () => {
      expect(evaluateCondition(condition, subject)).toBe(expected);
    });
  }

  it('does not match a tenant condition when the request has no tenant', () => {
    expect(evaluateCondition({ tenant: ['acme'] }, classification())).toBe(false);
  });
});
