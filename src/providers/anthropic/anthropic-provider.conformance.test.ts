import {
  type FixtureTranscript,
  loadFixture,
  startFixtureConformanceHarness,
  withEventAt,
  withoutEvents,
} from '../fixture-upstream.case.js';
import { type ConformanceScenario, runProviderConformance } from '../provider-conformance.case.js';
import { createAnthropicProvider } from './anthropic-provider.js';

/** Which fixture answers each scenario, streaming or not. */
function transcriptFor(scenario: ConformanceScenario, stream: boolean): FixtureTranscript {
  switch (scenario) {
    case 'text':
      return loadFixture(stream ? 'anthropic-stream-text' : 'anthropic-message-text');
    case 'tool_call':
      return loadFixture(stream ? 'anthropic-stream-tool-use' : 'anthropic-message-tool-use');
    case 'server_error':
      return loadFixture('anthropic-error-overloaded');
    case 'rate_limited':
      return loadFixture('anthropic-error-rate-limited');
    case 'context_length_exceeded':
      return loadFixture('anthropic-error-prompt-too-long');
    case 'truncated_stream':
      // message_delta (with stop_reason) arrives, the body ends cleanly, no message_stop.
      return withoutEvents(loadFixture('anthropic-stream-text'), (event) =>
        event.startsWith('event: message_stop'),
      );
    case 'malformed_chunk':
      return withEventAt(
        loadFixture('anthropic-stream-text'),
        3,
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_de\n\n',
      );
  }
}

runProviderConformance('anthropic', () =>
  startFixtureConformanceHarness(transcriptFor, (scenarioUrl, dispatcher) =>
    createAnthropicProvider({
      baseUrl: scenarioUrl,
      model: 'claude-sonnet-4-5',
      apiKey: 'sk-ant-conformance-0123456789',
      dispatcher,
    }),
  ),
);
