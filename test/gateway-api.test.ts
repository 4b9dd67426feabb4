import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayHarness, QUICK_PROFILE, startHarness } from './support/gateway-harness.js';

const POLICY = `
version: 1
server: { api_keys: [gw-key-1], body_limit_bytes: 20000 }
targets:
  fast:
    provider: openai-compatible
    base_url: "{{SIM}}"
    model: fast-model
    price: { input_per_mtok: 1, output_per_mtok: 2 }
    context_window: 8000
  big:
    provider: openai-compatible
    base_url: "{{SIM}}"
    model: big-model
    price: { input_per_mtok: 10, output_per_mtok: 30 }
    context_window: 128000
classification:
  intents:
    - { intent: summarize_long_doc, keywords: [summarize] }
rules:
  - { name: summaries-to-big, when: { intent: [summarize_long_doc] }, route: heavy }
routes:
  light: { targets: [fast, big] }
  heavy: { targets: [big] }
default_route: light
`;

let harness: GatewayHarness;
let client: OpenAI;

beforeAll(async () => {
  harness = await startHarness({
    profiles: { 'fast-model': QUICK_PROFILE, 'big-model': QUICK_PROFILE },
    policyYaml: POLICY,
  });
  client = harness.openai({ apiKey: 'gw-key-1' });
});
afterAll(async () => harness.close());

describe('chat completions through the official openai client', () => {
  it('answers a non-streaming request and names the target that answered', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'auto', messages: [{ role: 'user', content: 'hello there' }] })
      .withResponse();
    expect(data.model).toBe('fast');
    expect(data.choices[0]?.message.content).toMatch(/\S/);
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-switchyard-route')).toBe('light');
    expect(response.headers.get('x-switchyard-target')).toBe('fast');
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(Number(response.headers.get('x-switchyard-overhead-ms'))).toBeGreaterThanOrEqual(0);
    // The targets are openai-compatible, but the server behind them is a `switchyard sim`.
    expect(response.headers.get('x-switchyard-simulated')).toBe('true');
  });

  it('labels a stream from a sim server behind an openai-compatible target as simulated', async () => {
    const { response } = await client.chat.completions
      .create({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(response.headers.get('x-switchyard-simulated')).toBe('true');
    await response.body?.cancel();
  });

  it('routes by intent rule to the heavy route', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'auto',
        messages: [{ role: 'user', content: 'Please summarize this report' }],
      })
      .withResponse();
    expect(data.model).toBe('big');
    expect(response.headers.get('x-switchyard-route')).toBe('heavy');
  });

  it('accepts a route name and a bare target name as model', async () => {
    const byRoute = await client.chat.completions.create({
      model: 'heavy',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(byRoute.model).toBe('big');
    const byTarget = await client.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(byTarget.model).toBe('fast');
  });

  it('streams with include_usage: content deltas, one finish_reason, usage last', async () => {
    const stream = await client.chat.completions.create({
      model: 'auto',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'tell me a story' }],
    });
    let text = '';
    const finishReasons: string[] = [];
    let usageChunks = 0;
    let lastHadUsage = false;
    for await (const chunk of stream) {
      expect(chunk.model).toBe('fast');
      text += chunk.choices[0]?.delta.content ?? '';
      const finish = chunk.choices[0]?.finish_reason;
      if (finish) finishReasons.push(finish);
      lastHadUsage = Boolean(chunk.usage);
      if (chunk.usage) usageChunks++;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(finishReasons).toEqual(['stop']);
    expect(usageChunks).toBe(1);
    expect(lastHadUsage).toBe(true);
  });

  it('does not send the usage chunk when the client did not ask for it', async () => {
    const stream = await client.chat.completions.create({
      model: 'auto',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    for await (const chunk of stream) {
      expect(chunk.usage ?? null).toBeNull();
      expect(chunk.choices.length).toBe(1);
    }
  });

  it('passes tools through and returns tool calls, streaming and not', async () => {
    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string' } },
            required: ['city'],
          },
        },
      },
    ];
    const completion = await client.chat.completions.create({
      model: 'auto',
      tools,
      tool_choice: 'required',
      messages: [{ role: 'user', content: 'weather in Paris?' }],
    });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    if (call?.type === 'function')
      expect(JSON.parse(call.function.arguments)).toHaveProperty('city');

    const stream = await client.chat.completions.create({
      model: 'auto',
      tools,
      tool_choice: 'required',
      stream: true,
      messages: [{ role: 'user', content: 'weather in Paris?' }],
    });
    let args = '';
    let name = '';
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += delta.function?.name ?? '';
        args += delta.function?.arguments ?? '';
      }
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toHaveProperty('city');
  });

  it('accepts image and text content parts', async () => {
    const completion = await client.chat.completions.create({
      model: 'auto',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
    });
    expect(completion.choices[0]?.message.content).toMatch(/\S/);
  });
});

describe('bad input gets a 4xx with a stable code, and the gateway stays up', () => {
  const post = (body: string, headers: Record<string, string> = {}) =>
    request(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer gw-key-1', ...headers },
      body,
    });

  it('rejects malformed JSON with invalid_json', async () => {
    const response = await post('{"model": "auto", "messages": [');
    expect(response.statusCode).toBe(400);
    const body = (await response.body.json()) as {
      error: { code: string; type: string; message: string };
    };
    expect(body.error.code).toBe('invalid_json');
    expect(body.error.type).toBe('invalid_request_error');
  });

  it('names the field with the wrong type', async () => {
    const error = await client.chat.completions
      .create({
        model: 'auto',
        messages: [{ role: 'user', content: 'hi' }],
        temperature: 'hot' as unknown as number,
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(apiError.code).toBe('invalid_request');
    expect(apiError.param).toBe('temperature');
    expect(apiError.message).toMatch(/temperature: expected number/);
  });

  it('rejects an unknown role and names where it is', async () => {
    const response = await post(
      JSON.stringify({ model: 'auto', messages: [{ role: 'robot', content: 'x' }] }),
    );
    const body = (await response.body.json()) as { error: { code: string; param: string } };
    expect(response.statusCode).toBe(400);
    expect(body.error.param).toBe('messages[0].role');
  });

  it('rejects a body over the limit with 413 body_too_large', async () => {
    const huge = JSON.stringify({
      model: 'auto',
      messages: [{ role: 'user', content: 'x'.repeat(30_000) }],
    });
    const response = await post(huge);
    expect(response.statusCode).toBe(413);
    const body = (await response.body.json()) as { error: { code: string } };
    expect(body.error.code).toBe('body_too_large');
  });

  it('rejects an unknown model with 404 model_not_found', async () => {
    const error = await client.chat.completions
      .create({ model: 'gpt-nonexistent', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it('rejects a missing gateway key with missing_api_key and a wrong one with invalid_api_key', async () => {
    const missing = await request(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(missing.statusCode).toBe(401);
    expect(((await missing.body.json()) as { error: { code: string } }).error.code).toBe(
      'missing_api_key',
    );

    const wrong = await harness
      .openai({ apiKey: 'not-the-key' })
      .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(wrong).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((wrong as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
  });

  it('still serves after all of the above', async () => {
    const completion = await client.chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'ok?' }],
    });
    expect(completion.choices[0]?.message.content).toMatch(/\S/);
  });

  it('logs every answered request, bad ones included', async () => {
    const records = await harness.records();
    const codes = records.map((record) => record.errorCode);
    expect(codes).toContain('invalid_json');
    expect(codes).toContain('body_too_large');
    expect(codes).toContain('model_not_found');
    expect(codes).toContain('invalid_api_key');
    expect(records.filter((record) => record.status === 200).length).toBeGreaterThanOrEqual(8);
  });
});

describe('other endpoints', () => {
  it('lists auto, routes and targets in /v1/models', async () => {
    const models = await client.models.list();
    const ids = models.data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(['auto', 'light', 'heavy', 'fast', 'big']));
  });

  it('answers /healthz', async () => {
    const response = await request(`${harness.url}/healthz`);
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ status: 'ok' });
  });

  it('exports Prometheus metrics with request counts and breaker state', async () => {
    const response = await request(`${harness.url}/metrics`);
    const text = await response.body.text();
    expect(text).toMatch(/switchyard_requests_total\{[^}]*target="fast"/);
    expect(text).toMatch(/switchyard_breaker_state\{target="fast"\} 0/);
  });

  it('answers an unknown path with 404 not_found JSON', async () => {
    const response = await request(`${harness.url}/v2/nothing`);
    expect(response.statusCode).toBe(404);
    expect(((await response.body.json()) as { error: { code: string } }).error.code).toBe(
      'not_found',
    );
  });
});
