import OpenAI from 'openai';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type FixtureReply,
  type RecordedRequest,
  startFixtureUpstream,
} from '../src/providers/fixture-upstream.case.js';
import { type GatewayHarness, QUICK_PROFILE, startHarness } from './support/gateway-harness.js';

/**
 * The route verifier on streaming requests: the answer is buffered, verified, and only then
 * replayed to the client, so a rejected answer never reaches it.
 */

let harness: GatewayHarness | null = null;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await harness?.close();
  harness = null;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const SHIPPED = '{"status": "shipped"}';

/** An upstream answering `content`: as SSE in three pieces when asked to stream, else as JSON. */
function answerWith(content: string) {
  return (received: RecordedRequest): FixtureReply => {
    const streaming = (received.body as { stream?: boolean } | undefined)?.stream === true;
    const usage = { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 };
    if (!streaming) {
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        chunks: [
          JSON.stringify({
            id: 'chatcmpl-json',
            object: 'chat.completion',
            created: 1,
            model: 'json-model',
            choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
            usage,
          }),
        ],
      };
    }
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-json', object: 'chat.completion.chunk', created: 1, model: 'json-model', choices, ...extra })}\n\n`;
    const third = Math.ceil(content.length / 3);
    const pieces = [
      content.slice(0, third),
      content.slice(third, 2 * third),
      content.slice(2 * third),
    ];
    return {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      delayMs: 2,
      chunks: [
        chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
        ...pieces.map((piece) =>
          chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]),
        ),
        chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
        chunk([], { usage }),
        'data: [DONE]\n\n',
      ],
    };
  };
}

async function upstream(
  handler: (received: RecordedRequest) => FixtureReply | Promise<FixtureReply>,
) {
  const started = await startFixtureUpstream(handler);
  cleanups.push(() => started.close());
  return started;
}

const target = (name: string, model: string, baseUrl = '{{SIM}}') =>
  `  ${name}: { provider: openai-compatible, base_url: "${baseUrl}", model: ${model}, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 1 } }`;

const SCHEMA_VERIFIER = `
    verifier:
      kind: schema
      schema: { type: object, required: [status], properties: { status: { type: string } } }
      on_fail: fallback`;

/** Read a streamed answer over raw HTTP: the status, headers and every `data:` payload in order. */
async function rawStream(url: string, body: Record<string, unknown>) {
  const response = await request(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer unused' },
    body: JSON.stringify({ model: 'auto', stream: true, ...body }),
  });
  const text = await response.body.text();
  const events = text
    .split('\n\n')
    .filter((event) => event.startsWith('data: '))
    .map((event) => event.slice('data: '.length));
  return { status: response.statusCode, headers: response.headers, text, events };
}

describe('route verifier on streaming requests', () => {
  it('streams only the fallback’s answer when the first target’s answer fails the verifier', async () => {
    const json = await upstream(answerWith(SHIPPED));
    harness = await startHarness({
      profiles: { 'prose-model': QUICK_PROFILE },
      policyYaml: `
version: 1
targets:
${target('prose', 'prose-model')}
${target('structured', 'json-model', `${json.url}/v1`)}
routes:
  main:
    targets: [prose, structured]${SCHEMA_VERIFIER}
default_route: main
`,
    });
    const stream = await harness.openai().chat.completions.create({
      model: 'auto',
      stream: true,
      messages: [{ role: 'user', content: 'order status as JSON' }],
    });
    const models = new Set<string>();
    let content = '';
    let finishReason: string | null = null;
    for await (const chunk of stream) {
      models.add(chunk.model);
      content += chunk.choices[0]?.delta.content ?? '';
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
    }
    expect(content).toBe(SHIPPED);
    expect(finishReason).toBe('stop');
    expect([...models]).toEqual(['structured']);

    // On the wire too: nothing of the sim's rejected prose, which always starts "[simulated]".
    const raw = await rawStream(harness.url, {
      messages: [{ role: 'user', content: 'order status as JSON' }],
    });
    expect(raw.status).toBe(200);
    expect(raw.text).not.toContain('simulated');
    expect(raw.headers['x-switchyard-target']).toBe('structured');

    const records = (await harness.records()).filter((record) => record.stream);
    expect(records).toHaveLength(2);
    const [record] = records;
    expect(record?.attempts.map((attempt) => [attempt.target, attempt.errorClass])).toEqual([
      ['prose', 'verifier_rejected'],
      ['structured', null],
    ]);
    // Every attempt keeps its upstream TTFT; the record's TTFT is when the client got its first token.
    for (const attempt of record?.attempts ?? []) expect(attempt.ttftMs).toBeGreaterThan(0);
    expect(record?.ttftMs ?? 0).toBeGreaterThanOrEqual(
      (record?.attempts[0]?.latencyMs ?? 0) + (record?.attempts[1]?.ttftMs ?? 0),
    );
    expect(record).toMatchObject({ status: 200, servedTarget: 'structured', finishReason: 'stop' });
    expect(json.requests.every((received) => (received.body as { stream?: boolean }).stream)).toBe(
      true,
    );
  });

  it('streams a passing answer as role chunk, content, finish_reason, usage and [DONE]', async () => {
    const json = await upstream(answerWith(SHIPPED));
    harness = await startHarness({
      profiles: {},
      policyYaml: `
version: 1
targets:
${target('structured', 'json-model', `${json.url}/v1`)}
routes:
  main:
    targets: [structured]${SCHEMA_VERIFIER}
default_route: main
`,
    });
    const raw = await rawStream(harness.url, {
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'order status as JSON' }],
    });
    expect(raw.status).toBe(200);
    expect(raw.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(raw.events.at(-1)).toBe('[DONE]');
    const chunks = raw.events.slice(0, -1).map(
      (event) =>
        JSON.parse(event) as {
          model: string;
          choices: Array<{
            delta: { role?: string; content?: string };
            finish_reason: string | null;
          }>;
          usage?: { prompt_tokens: number; completion_tokens: number } | null;
        },
    );
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(SHIPPED);
    expect(chunks.filter((chunk) => chunk.choices[0]?.finish_reason === 'stop')).toHaveLength(1);
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 5, completion_tokens: 7 },
    });
    expect(chunks.every((chunk) => chunk.model === 'structured')).toBe(true);

    // The official client reads the same stream to its end.
    const stream = await harness.openai().chat.completions.create({
      model: 'auto',
      stream: true,
      messages: [{ role: 'user', content: 'order status as JSON' }],
    });
    let content = '';
    let usageChunks = 0;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usageChunks += 1;
    }
    expect(content).toBe(SHIPPED);
    expect(usageChunks).toBe(0);
  });

  it('sends no byte before the verifier’s verdict', async () => {
    let release: () => void = () => undefined;
    const verdictGiven = new Promise<void>((resolve) => {
      release = resolve;
    });
    const checker = await upstream(async (received) => {
      await verdictGiven;
      return answerWith('VERDICT: SUPPORTED\nSCORE: 1\nUNSUPPORTED CLAIMS:\n- none')(received);
    });
    const json = await upstream(answerWith(SHIPPED));
    harness = await startHarness({
      profiles: {},
      policyYaml: `
version: 1
targets:
${target('structured', 'json-model', `${json.url}/v1`)}
${target('checker', 'checker-model', `${checker.url}/v1`)}
routes:
  main:
    targets: [structured]
    verifier: { kind: grounding, target: checker }
default_route: main
`,
    });
    let headersAt: number | null = null;
    const pending = request(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'auto',
        stream: true,
        messages: [
          { role: 'system', content: 'Order 42 has shipped.' },
          { role: 'user', content: 'status of order 42?' },
        ],
      }),
    }).then((response) => {
      headersAt = Date.now();
      return response.body.text();
    });
    const deadline = Date.now() + 5_000;
    while (checker.requests.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(checker.requests).toHaveLength(1);
    expect(json.requests).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(headersAt).toBeNull();
    const releasedAt = Date.now();
    release();
    const text = await pending;
    expect(headersAt).toBeGreaterThanOrEqual(releasedAt);
    expect(text).toContain('shipped');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('moves to the next target when a buffered stream breaks mid-answer, before the client sees a token', async () => {
    const json = await upstream(answerWith(SHIPPED));
    harness = await startHarness({
      profiles: { 'prose-model': { ...QUICK_PROFILE, faults: { script: ['cut_mid_stream'] } } },
      policyYaml: `
version: 1
targets:
${target('prose', 'prose-model')}
${target('structured', 'json-model', `${json.url}/v1`)}
routes:
  main:
    targets: [prose, structured]${SCHEMA_VERIFIER}
default_route: main
`,
    });
    const raw = await rawStream(harness.url, {
      messages: [{ role: 'user', content: 'order status as JSON' }],
    });
    expect(raw.status).toBe(200);
    expect(raw.text).not.toContain('simulated');
    expect(raw.events.at(-1)).toBe('[DONE]');
    const [record] = await harness.records();
    expect(record?.attempts.map((attempt) => attempt.target)).toEqual(['prose', 'structured']);
    expect(record?.attempts[0]?.errorClass).not.toBeNull();
    expect(record?.attempts[0]?.errorClass).not.toBe('verifier_rejected');
    expect(record?.attempts[1]?.errorClass).toBeNull();
  });

  it('fails with verification_failed, before any stream starts, when no answer passes', async () => {
    const json = await upstream(answerWith('{"state": "no status field"}'));
    harness = await startHarness({
      profiles: { 'prose-model': QUICK_PROFILE },
      policyYaml: `
version: 1
targets:
${target('prose', 'prose-model')}
${target('structured', 'json-model', `${json.url}/v1`)}
routes:
  main:
    targets: [prose, structured]${SCHEMA_VERIFIER}
default_route: main
`,
    });
    const error = await harness
      .openai()
      .chat.completions.create({
        model: 'auto',
        stream: true,
        messages: [{ role: 'user', content: 'order status as JSON' }],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('verification_failed');
    expect(json.requests).toHaveLength(1);
    const [record] = await harness.records();
    expect(record?.attempts.map((attempt) => attempt.errorClass)).toEqual([
      'verifier_rejected',
      'verifier_rejected',
    ]);
  });
});
