import { type ConformanceScenario, runProviderConformance } from '../provider-conformance.case.js';
import type { SimFault, SimProfile } from './sim-profile.js';
import { createSimProvider } from './sim-provider.js';

/** The fault each scenario scripts; a script long enough for every call a test makes. */
const SCENARIO_FAULTS: Record<ConformanceScenario, SimFault> = {
  text: 'ok',
  tool_call: 'ok',
  server_error: 'server_error',
  rate_limited: 'rate_limited',
  truncated_stream: 'cut_mid_stream',
  malformed_chunk: 'malformed_chunk',
  context_length_exceeded: 'context_length_exceeded',
};

function profileFor(scenario: ConformanceScenario): SimProfile {
  return {
    // Fast, but slow enough that the mid-stream abort test aborts a live stream.
    ttftMs: { p50: 5, p95: 10 },
    interTokenMs: { p50: 2, p95: 4 },
    // Short answers stay under the suite's max_tokens, so they finish with 'stop'.
    outputTokens: { p50: 12, p95: 20 },
    capacity: { slots: 8, queue: 8, retryAfterS: 1 },
    faults: {
      rates: {},
      script: Array<SimFault>(8).fill(SCENARIO_FAULTS[scenario]),
      slowFirstTokenMs: 0,
    },
    seed: 11,
  };
}

runProviderConformance('sim (in-process)', async () => ({
  provider: (scenario) =>
    createSimProvider({ profile: profileFor(scenario), model: 'sim-conformance' }),
  close: () => Promise.resolve(),
}));
