import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startFixtureUpstream } from '../src/providers/fixture-upstream.case.js';
import { type GatewayHarness, QUICK_PROFILE, startHarness } from './support/gateway-harness.js';

let harness: GatewayHarness | null = null;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await harness?.close();
  harness = null;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** An upstream that answers every request with this content. */
async function jsonAnswerUpstream(content: string) {
  const upstream = await startFixtureUpstream(() => ({
    status: 200,
    headers: { 'content-type': 'application/json' },
    chunks: [
      JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1,
        model: 'json-model',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
      }),
    ],
  }));
  cleanups.push(() => upstream.close());
  return upstream;
}

const VERIFIED_ROUTE = (jsonUrl: string) => `
version: 1
targets:
  prose: { provider: openai-compatible, base_url: "{{SIM}}", model: prose-model, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 1 } }
  structured: { provider: openai-compatible, base_url: "${jsonUrl}/v1", model: json-model, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 1 } }
routes:
  main:
    targets: [prose, structured]
    verifier:
      kind: schema
      schema: { type: object, required: [status], properties: { status: { type: string } } }
      on_fail: fallback
default_route: main
`;

describe('route verifier', () => {
  it('falls back past a target whose answer fails the schema, and returns the one that passes', async () => {
    const json = await jsonAnswerUpstream('{"status": "shipped"}');
    harness = await startHarness({
      profiles: { 'prose-model': QUICK_PROFILE },
      policyYaml: VERIFIED_ROUTE(json.url),
    });
    const completion = await harness.openai().chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'order status as JSON' }],
    });
    expect(completion.model).toBe('structured');
    expect(JSON.parse(completion.choices[0]?.message.content ?? '')).toEqual({ status: 'shipped' });
    const [record] = await harness.records();
    expect(record?.attempts.map((attempt) => [attempt.target, attempt.errorClass])).toEqual([
      ['prose', 'verifier_rejected'],
      ['structured', null],
    ]);
  });

  it('fails with verification_failed when no answer passes, rather than returning a bad one', async () => {
    const json = await jsonAnswerUpstream('{"state": "no status field"}');
    harness = await startHarness({
      profiles: { 'prose-model': QUICK_PROFILE },
      policyYaml: VERIFIED_ROUTE(json.url),
    });
    const error = await harness
      .openai()
      .chat.completions.create({
        model: 'auto',
        messages: [{ role: 'user', content: 'order status as JSON' }],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('verification_failed');
    expect(json.requests).toHaveLength(1);
  });
});
