import { describe, expect, it } from 'vitest';
import { parsePolicyText } from '../policy/index.js';
import { smallestTokenThreshold } from './token-threshold.js';

const policy = (extra: string, window = 128000) =>
  parsePolicyText(
    `
version: 1
targets:
  a: { provider: sim, model: a, context_window: ${window}, sim: { ttft_ms: { p50: 1, p95: 2 }, inter_token_ms: { p50: 1, p95: 2 }, output_tokens: { p50: 4, p95: 8 } } }
${extra}
routes:
  main: { targets: [a] }
default_route: main
`,
    'switchyard.yaml',
    {},
  );

describe('smallestTokenThreshold', () => {
  it('is the smallest context window when no rule looks at tokens', () => {
    expect(smallestTokenThreshold(policy('', 32000))).toBe(32000);
  });

  it('finds token bounds in tag rules and routing rules, nested any and all included', () => {
    const rules = `classification:
  tags:
    - tag: long
      when: { any: [{ intent: [code] }, { all: [{ min_prompt_tokens: 3000 }] }] }
rules:
  - name: short-ones
    when: { max_prompt_tokens: 900, tags: [long] }
    route: main`;
    expect(smallestTokenThreshold(policy(rules))).toBe(900);
    const onlyNested = `classification:
  tags:
    - tag: long
      when: { any: [{ intent: [code] }, { all: [{ min_prompt_tokens: 3000 }] }] }`;
    expect(smallestTokenThreshold(policy(onlyNested))).toBe(3000);
  });
});
