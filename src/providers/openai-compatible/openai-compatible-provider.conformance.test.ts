import {
  type FixtureTranscript,
  loadFixture,
  startFixtureConformanceHarness,
  withEventAt,
  withoutEvents,
} from '../fixture-upstream.case.js';
import { type ConformanceScenario, runProviderConformance } from '../provider-conformance.case.js';
import { createOpenAICompatibleProvider } from './openai-compatible-provider.js';

/** Which fixture answers each scenario, streaming or not. */
function transcriptFor(scenario: ConformanceScenario, stream: boolean): FixtureTranscript {
  switch (scenario) {
    case 'text':
      return loadFixture(stream ? 'openai-stream-text' : 'openai-completion-text');
    case 'tool_call':
      return loadFixture(stream ? 'openai-stream-tool-call' : 'openai-completion-tool-call');
    case 'server_error':
      return loadFixture('openai-error-server');
    case 'rate_limited':
      return loadFixture('openai-error-rate-limited');
    case 'context_length_exceeded':
      return loadFixture('openai-error-context-length');
    case 'truncated_stream':
      // The hardest truncation: finish_reason and usage arrive, the body ends cleanly, no [DONE].
      return withoutEvents(loadFixture('openai-stream-text'), (event) => event.includes('[DONE]'));
    case 'malformed_chunk':
      return withEventAt(
        loadFixture('openai-stream-text'),
        3,
        'data: {"id":"chatcmpl-cut","choi\n\n',
      );
  }
}

runProviderConformance('openai-compatible', () =>
  startFixtureConformanceHarness(transcriptFor, (scenarioUrl, dispatcher) =>
    createOpenAICompatibleProvider({
      baseUrl: `${scenarioUrl}/v1`,
      model: 'gpt-4o-mini',
      apiKey: 'sk-conformance-0123456789',
      dispatcher,
    }),
  ),
);
