import { Agent } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TargetConfig } from '../routing/policy/policy-types.js';
import type { ChatProvider } from './chat-provider.js';
import { createProvider } from './create-provider.js';
import {
  type FixtureUpstream,
  loadFixture,
  replay,
  startFixtureUpstream,
} from './fixture-upstream.case.js';

function target(fields: Partial<TargetConfig>): TargetConfig {
  return {
    name: 'primary',
    provider: 'openai-compatible',
    baseUrl: 'http://127.0.0.1:9/v1',
    model: 'gpt-4o-mini',
    apiKeyEnv: null,
    headers: {},
    inputPricePerToken: 0,
    outputPricePerToken: 0,
    contextWindow: 128_000,
    sim: null,
    breaker: null,
    ...fields,
  };
}

let upstream: FixtureUpstream | undefined;
const dispatcher = new Agent({ connect: { timeout: 2_000 } });

afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});

afterAll(async () => {
  await dispatcher.destroy();
});

describe('createProvider', () => {
  it('builds an openai-compatible provider that sends the key read from the named variable', async () => {
    upstream = await startFixtureUpstream(() => replay(loadFixture('openai-completion-text')));
    const provider = createProvider(
      target({
        baseUrl: `${upstream.url}/v1`,
        apiKeyEnv: 'TEST_OPENAI_KEY',
        headers: { 'x-team': 'search' },
      }),
      { dispatcher, env: { TEST_OPENAI_KEY: 'sk-from-env-123456' } },
    );
    expect(provider.kind).toBe('openai-compatible');
    expect(provider.model).toBe('gpt-4o-mini');
    await provider.doComplete(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] },
      { signal: new AbortController().signal },
    );
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer sk-from-env-123456');
    expect(upstream.requests[0]?.headers['x-team']).toBe('search');
  });

  it('builds an anthropic provider that sends x-api-key', async () => {
    upstream = await startFixtureUpstream(() => replay(loadFixture('anthropic-message-text')));
    const provider = createProvider(
      target({
        provider: 'anthropic',
        baseUrl: upstream.url,
        model: 'claude-sonnet-4-5',
        apiKeyEnv: 'TEST_ANTHROPIC_KEY',
      }),
      { dispatcher, env: { TEST_ANTHROPIC_KEY: 'sk-ant-from-env-1234' } },
    );
    expect(provider.kind).toBe('anthropic');
    await provider.doComplete(
      { model: 'x', messages: [{ role: 'user', content: 'Hi' }] },
      { signal: new AbortController().signal },
    );
    expect(upstream.requests[0]?.headers['x-api-key']).toBe('sk-ant-from-env-1234');
  });

  it('sends no key when the variable is unset or blank', async () => {
    upstream = await startFixtureUpstream(() => replay(loadFixture('openai-completion-text')));
    for (const env of [{}, { TEST_OPENAI_KEY: '  ' }]) {
      const provider = createProvider(
        target({ baseUrl: `${upstream.url}/v1`, apiKeyEnv: 'TEST_OPENAI_KEY' }),
        {
          dispatcher,
          env,
        },
      );
      await provider.doComplete(
        { model: 'x', messages: [{ role: 'user', content: 'Hi' }] },
        { signal: new AbortController().signal },
      );
    }
    expect(upstream.requests.map((request) => request.headers.authorization)).toEqual([
      undefined,
      undefined,
    ]);
  });

  it('hands sim targets to createSim', () => {
    const simProvider = { kind: 'sim', model: 'sim-small' } as ChatProvider;
    const seen: TargetConfig[] = [];
    const simTarget = target({ provider: 'sim', baseUrl: null, model: 'sim-small' });
    const provider = createProvider(simTarget, {
      dispatcher,
      env: {},
      createSim: (given) => {
        seen.push(given);
        return simProvider;
      },
    });
    expect(provider).toBe(simProvider);
    expect(seen).toEqual([simTarget]);
  });

  it('throws a clear error for a sim target without createSim', () => {
    expect(() =>
      createProvider(target({ provider: 'sim', baseUrl: null }), { dispatcher, env: {} }),
    ).toThrow(/target "primary": provider 'sim' needs createSim/);
  });

  it('throws a clear error for a wire target without a base URL', () => {
    for (const provider of ['openai-compatible', 'anthropic'] as const) {
      expect(() =>
        createProvider(target({ provider, baseUrl: null }), { dispatcher, env: {} }),
      ).toThrow(new RegExp(`target "primary": provider '${provider}' needs base_url`));
    }
  });
});
