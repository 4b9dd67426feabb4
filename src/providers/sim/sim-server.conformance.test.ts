import { Agent } from 'undici';
import { createAnthropicProvider } from '../anthropic/index.js';
import type { ChatProvider } from '../chat-provider.js';
import { createOpenAICompatibleProvider } from '../openai-compatible/index.js';
import { type ConformanceScenario, runProviderConformance } from '../provider-conformance.case.js';
import type { SimFault, SimProfile } from './sim-profile.js';
import { createSimServer } from './sim-server.js';

/*
 * The real wire providers facing the sim server: proof that its wire faults look, to a real
 * client, like the failures they stand for. Each scenario is a model name whose profile scripts
 * the fault, so one server serves every scenario.
 */

const SCENARIO_FAULTS: Record<ConformanceScenario, SimFault> = {
  text: 'ok',
  tool_call: 'ok',
  server_error: 'server_error',
  rate_limited: 'rate_limited',
  truncated_stream: 'cut_mid_stream',
  malformed_chunk: 'malformed_chunk',
  context_length_exceeded: 'context_length_exceeded',
};

function profileFor(fault: SimFault): SimProfile {
  return {
    ttftMs: { p50: 5, p95: 10 },
    interTokenMs: { p50: 2, p95: 4 },
    outputTokens: { p50: 12, p95: 20 },
    capacity: { slots: 8, queue: 8, retryAfterS: 1 },
    faults: { rates: {}, script: Array<SimFault>(8).fill(fault), slowFirstTokenMs: 0 },
    seed: 13,
  };
}

async function startHarness(
  makeProvider: (options: { url: string; model: string; dispatcher: Agent }) => ChatProvider,
) {
  const profiles = Object.fromEntries(
    Object.entries(SCENARIO_FAULTS).map(([scenario, fault]) => [scenario, profileFor(fault)]),
  );
  const server = createSimServer({ profiles });
  const { url } = await server.listen(0, '127.0.0.1');
  const dispatcher = new Agent({ connect: { timeout: 2_000 } });
  return {
    provider: (scenario: ConformanceScenario) => makeProvider({ url, model: scenario, dispatcher }),
    close: async () => {
      await dispatcher.destroy();
      await server.close();
    },
  };
}

runProviderConformance('openai-compatible against the sim server', () =>
  startHarness(({ url, model, dispatcher }) =>
    createOpenAICompatibleProvider({ baseUrl: `${url}/v1`, model, apiKey: 'sk-sim', dispatcher }),
  ),
);

runProviderConformance('anthropic against the sim server', () =>
  startHarness(({ url, model, dispatcher }) =>
    createAnthropicProvider({ baseUrl: url, model, apiKey: 'sk-ant-sim', dispatcher }),
  ),
);
