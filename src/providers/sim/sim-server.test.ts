import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimFault, SimProfile } from './sim-profile.js';
import { createSimServer, type SimServer, type SimServerOptions } from './sim-server.js';

function profile(script: SimFault[] = [], overrides: Partial<SimProfile> = {}): SimProfile {
  return {
    ttftMs: { p50: 3, p95: 6 },
    interTokenMs: { p50: 0.3, p95: 0.6 },
    outputTokens: { p50: 12, p95: 20 },
    capacity: { slots: 16, queue: 16, retryAfterS: 2 },
    faults: { rates: {}, script, slowFirstTokenMs: 1000 },
    seed: 5,
    ...overrides,
  };
}

const servers: SimServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: SimServerOptions): Promise<{ server: SimServer; url: string }> {
  const server = createSimServer(options);
  servers.push(server);
  const { url } = await server.listen(0, '127.0.0.1');
  return { server, url };
}

/** A server whose model 'sim' runs `script`, then behaves. */
function startScripted(script: SimFault[], overrides: Partial<SimProfile> = {}) {
  return start({ profiles: { sim: profile(script, overrides) } });
}

const MESSAGES = [{ role: 'user', content: 'Tell me about switchyards.' }];
const WEATHER_TOOL = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
      required: ['city', 'unit'],
    },
  },
};

function postChat(
  url: string,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim', messages: MESSAGES, ...body }),
    signal,
  });
}

/** Read a body to its end or its failure, keeping what arrived. */
async function readAll(response: Response): Promise<{ text: string; error: unknown }> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, error: null };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

interface OpenAiErrorJson {
  error: { message: string; type: string; code: string | null };
}

/** The parsed JSON body, typed as the test expects it. */
function jsonOf<T = OpenAiErrorJson>(response: Response): Promise<T> {
  return response.json() as Promise<T>;
}

function dataLines(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice('data: '.length));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll (bounded) until the condition holds. */
async function eventually(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('createSimServer with the openai SDK', () => {
  it('answers a non-streaming chat completion with usage', async () => {
    const { url } = await startScripted([]);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'sim',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(completion.choices[0]?.message.content?.startsWith('[simulated]')).toBe(true);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('streams with include_usage: usage: null on every chunk but a last usage-only chunk', async () => {
    const { url } = await startScripted([]);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'sim',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBe(chunks.length - 3);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('omits usage chunks unless include_usage is asked for', async () => {
    const { url } = await startScripted([]);
    const { text } = await readAll(await postChat(url, { stream: true }));
    const events = dataLines(text);
    expect(events.at(-1)).toBe('[DONE]');
    const parsed = events.slice(0, -1).map((event) => JSON.parse(event));
    expect(parsed.every((chunk) => !('usage' in chunk) && chunk.choices.length === 1)).toBe(true);
    // Chunks are compact JSON, byte for byte what JSON.stringify gives (no templating slips).
    for (const [index, chunk] of parsed.entries())
      expect(events[index]).toBe(JSON.stringify(chunk));
  });

  it('returns a tool call whose arguments satisfy the schema, streamed and not', async () => {
    const { url } = await startScripted([]);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const request = {
      model: 'sim',
      messages: [{ role: 'user' as const, content: 'Weather in Oslo?' }],
      tools: [WEATHER_TOOL],
    };
    const completion = await client.chat.completions.create(request);
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    const args = JSON.parse(call?.type === 'function' ? call.function.arguments : 'null');
    expect(typeof args.city).toBe('string');
    expect(['c', 'f']).toContain(args.unit);

    const stream = client.chat.completions.stream({ ...request, stream: true });
    const final = await stream.finalChatCompletion();
    const streamedCall = final.choices[0]?.message.tool_calls?.[0];
    expect(
      streamedCall?.type === 'function' && JSON.parse(streamedCall.function.arguments),
    ).toEqual(args);
  });

  it('surfaces a scripted 400 context_length_exceeded to the SDK with its code', async () => {
    const { url } = await startScripted(['context_length_exceeded']);
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
    const error = await client.chat.completions
      .create({ model: 'sim', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe(
      'context_length_exceeded',
    );
  });
});

describe('createSimServer with the anthropic SDK', () => {
  it('answers /v1/messages without streaming', async () => {
    const { url } = await startScripted([]);
    const client = new Anthropic({ baseURL: url, apiKey: 'x', maxRetries: 0 });
    const message = await client.messages.create({
      model: 'sim',
      max_tokens: 256,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(message.type).toBe('message');
    expect(message.stop_reason).toBe('end_turn');
    const block = message.content[0];
    expect(block?.type === 'text' && block.text.startsWith('[simulated]')).toBe(true);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  it('streams /v1/messages with every event type and the final usage', async () => {
    const { url } = await startScripted([]);
    const client = new Anthropic({ baseURL: url, apiKey: 'x', maxRetries: 0 });
    const stream = await client.messages.create({
      model: 'sim',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    const types: string[] = [];
    let text = '';
    let outputTokens = 0;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
        text += event.delta.text;
      if (event.type === 'message_delta') outputTokens = event.usage.output_tokens;
    }
    expect(types[0]).toBe('message_start');
    expect(types).toContain('content_block_start');
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(text.startsWith('[simulated]')).toBe(true);
    expect(outputTokens).toBe(types.filter((type) => type === 'content_block_delta').length);
  });

  it('answers with tool_use blocks, streamed and not', async () => {
    const { url } = await startScripted([]);
    const client = new Anthropic({ baseURL: url, apiKey: 'x', maxRetries: 0 });
    const request = {
      model: 'sim',
      max_tokens: 256,
      messages: [{ role: 'user' as const, content: 'Weather in Oslo?' }],
      tools: [
        {
          name: 'get_weather',
          input_schema: { ...WEATHER_TOOL.function.parameters, type: 'object' as const },
        },
      ],
    };
    const message = await client.messages.create(request);
    expect(message.stop_reason).toBe('tool_use');
    const block = message.content[0];
    expect(block?.type).toBe('tool_use');
    const input = block?.type === 'tool_use' ? (block.input as Record<string, unknown>) : {};
    expect(['c', 'f']).toContain(input.unit);

    const final = await client.messages.stream(request).finalMessage();
    const streamed = final.content[0];
    expect(streamed?.type === 'tool_use' && streamed.input).toEqual(input);
    expect(final.stop_reason).toBe('tool_use');
  });

  it("sends errors in Anthropic's shape", async () => {
    const { url } = await startScripted(['rate_limited', 'server_error']);
    for (const [status, type] of [
      [429, 'rate_limit_error'],
      [500, 'api_error'],
    ] as const) {
      const response = await fetch(`${url}/v1/messages`, {
        method: 'POST',
        body: JSON.stringify({ model: 'sim', max_tokens: 10, messages: MESSAGES }),
      });
      expect(response.status).toBe(status);
      expect(await jsonOf(response)).toEqual({
        type: 'error',
        error: { type, message: expect.any(String) },
      });
    }
  });
});

describe('createSimServer wire faults', () => {
  it('server_error answers 500 with OpenAI error JSON', async () => {
    const { url } = await startScripted(['server_error']);
    const response = await postChat(url, {});
    expect(response.status).toBe(500);
    expect(response.headers.get('x-switchyard-simulated')).toBe('true');
    expect((await jsonOf(response)).error.type).toBe('server_error');
  });

  it('rate_limited answers 429 with Retry-After; rate_limited_no_retry_after without', async () => {
    const { url } = await startScripted(['rate_limited', 'rate_limited_no_retry_after']);
    const limited = await postChat(url, {});
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect((await jsonOf(limited)).error.code).toBe('rate_limit_exceeded');
    const bare = await postChat(url, {});
    expect(bare.status).toBe(429);
    expect(bare.headers.get('retry-after')).toBeNull();
    expect(bare.headers.get('retry-after-ms')).toBeNull();
    await bare.body?.cancel();
  });

  it('reset_before_headers destroys the socket: the client sees a socket error and no status', async () => {
    const { url, server } = await startScripted(['reset_before_headers']);
    const error = await postChat(url, {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(String((error as Error).cause)).toMatch(/other side closed|socket|ECONNRESET/i);
    expect(server.stats().log[0]?.fault).toBe('reset_before_headers');
  });

  it('no_response reads the body and never answers while the client waits', async () => {
    const { url, server } = await startScripted(['no_response']);
    const controller = new AbortController();
    let answered = false;
    const pending = postChat(url, {}, controller.signal).then(
      () => {
        answered = true;
      },
      () => undefined,
    );
    await eventually(() => server.stats().total === 1);
    await sleep(150);
    expect(answered).toBe(false);
    expect(server.stats().inFlight).toBe(1);
    controller.abort();
    await pending;
    await eventually(() => server.stats().inFlight === 0);
  });

  it('slow_first_token sends headers at once and the first chunk after slowFirstTokenMs', async () => {
    const { url } = await startScripted(['slow_first_token'], {
      faults: { rates: {}, script: ['slow_first_token'], slowFirstTokenMs: 300 },
    });
    const startedAt = Date.now();
    const response = await postChat(url, { stream: true });
    expect(Date.now() - startedAt).toBeLessThan(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(295);
    await reader.cancel();
  });

  it('cut_mid_stream writes some chunks, then the socket dies: no finish_reason, no [DONE]', async () => {
    const { url } = await startScripted(['cut_mid_stream']);
    const response = await postChat(url, { stream: true });
    expect(response.status).toBe(200);
    const { text, error } = await readAll(response);
    expect(error).toBeInstanceOf(TypeError);
    const events = dataLines(text);
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events).not.toContain('[DONE]');
    expect(
      events.map((event) => JSON.parse(event)).some((chunk) => chunk.choices[0]?.finish_reason),
    ).toBe(false);
  });

  it('stall_mid_stream writes some chunks, then nothing while the connection stays open', async () => {
    const { url, server } = await startScripted(['stall_mid_stream']);
    const controller = new AbortController();
    const response = await postChat(url, { stream: true }, controller.signal);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    let silent = false;
    for (let step = 0; step < 50 && !silent; step++) {
      const next = await Promise.race([reader.read(), sleep(250).then(() => 'silent' as const)]);
      if (next === 'silent') silent = true;
      else if (next.done) break;
      else text += decoder.decode(next.value);
    }
    expect(silent).toBe(true);
    expect(dataLines(text).length).toBeGreaterThanOrEqual(2);
    expect(text).not.toContain('[DONE]');
    expect(server.stats().inFlight).toBe(1);
    controller.abort();
    await eventually(() => server.stats().inFlight === 0);
  });

  it('stall_mid_stream gives up after maxHoldMs by destroying the socket', async () => {
    const { url } = await start({
      profiles: { sim: profile(['stall_mid_stream']) },
      maxHoldMs: 100,
    });
    const { text, error } = await readAll(await postChat(url, { stream: true }));
    expect(error).toBeInstanceOf(TypeError);
    expect(text).not.toContain('[DONE]');
  });

  it('malformed_chunk sends one data line that is not JSON', async () => {
    const { url } = await startScripted(['malformed_chunk']);
    const { text, error } = await readAll(await postChat(url, { stream: true }));
    expect(error).toBeNull();
    const broken = dataLines(text).filter((event) => {
      if (event === '[DONE]') return false;
      try {
        JSON.parse(event);
        return false;
      } catch {
        return true;
      }
    });
    expect(broken).toEqual(['{not json']);
  });

  it('missing_done sends the finish chunk and ends the response without [DONE]', async () => {
    const { url } = await startScripted(['missing_done']);
    const { text, error } = await readAll(
      await postChat(url, { stream: true, stream_options: { include_usage: true } }),
    );
    expect(error).toBeNull();
    const events = dataLines(text);
    expect(events).not.toContain('[DONE]');
    const chunks = events.map((event) => JSON.parse(event));
    expect(chunks.at(-2).choices[0].finish_reason).toBe('stop');
    expect(chunks.at(-1).usage.total_tokens).toBeGreaterThan(0);
  });

  it('context_length_exceeded answers 400 with OpenAI code, scripted or from a long prompt', async () => {
    const { url } = await start({
      profiles: { sim: profile(['context_length_exceeded']) },
      contextWindow: 40,
    });
    for (const content of ['short', 'a much longer prompt '.repeat(20)]) {
      const response = await postChat(url, { messages: [{ role: 'user', content }] });
      expect(response.status).toBe(400);
      const { error } = await jsonOf(response);
      expect(error.code).toBe('context_length_exceeded');
      expect(error.type).toBe('invalid_request_error');
      expect(error.message).toMatch(/^This model's maximum context length is 40 tokens/);
    }
    const fits = await postChat(url, { messages: [{ role: 'user', content: 'short' }] });
    expect(fits.status).toBe(200);
    await fits.body?.cancel();
  });

  it('content_filter answers 400 with code content_filter', async () => {
    const { url } = await startScripted(['content_filter']);
    const response = await postChat(url, {});
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error.code).toBe('content_filter');
  });

  it('degrades cut_mid_stream on a non-streaming request to a body cut short', async () => {
    const { url } = await startScripted(['cut_mid_stream']);
    const response = await postChat(url, {});
    expect(response.status).toBe(200);
    const { text, error } = await readAll(response);
    expect(error).toBeInstanceOf(TypeError);
    expect(() => JSON.parse(text)).toThrow();
  });

  it('degrades stall_mid_stream on a non-streaming request to a body that never finishes', async () => {
    const { url, server } = await startScripted(['stall_mid_stream']);
    const controller = new AbortController();
    const response = await postChat(url, {}, controller.signal);
    expect(response.status).toBe(200);
    const finished = await Promise.race([
      response.text().then(
        () => true,
        () => true,
      ),
      sleep(250).then(() => false),
    ]);
    expect(finished).toBe(false);
    controller.abort();
    await eventually(() => server.stats().inFlight === 0);
  });
});

describe('createSimServer bookkeeping', () => {
  it('answers 429 with Retry-After when slots and queue are full, and logs it as capacity', async () => {
    const { url, server } = await startScripted([], {
      ttftMs: { p50: 300, p95: 300 },
      capacity: { slots: 1, queue: 0, retryAfterS: 0.25 },
    });
    const first = postChat(url, {});
    await eventually(() => server.stats().inFlight === 1 && server.stats().log.length === 1);
    const second = await postChat(url, {});
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(second.headers.get('retry-after-ms')).toBe('250');
    await second.body?.cancel();
    expect((await first).status).toBe(200);
    expect(server.stats().log.map((entry) => entry.faultSource)).toEqual([null, 'capacity']);
  });

  it('counts requests per model and logs each fault with a timestamp, until reset()', async () => {
    const { url, server } = await start({
      profiles: { sim: profile(['server_error', 'ok']), other: profile() },
    });
    const before = Date.now();
    for (const model of ['sim', 'sim', 'other']) {
      const response = await postChat(url, { model });
      await response.body?.cancel();
    }
    const stats = server.stats();
    expect(stats.total).toBe(3);
    expect(stats.byModel).toEqual({ sim: 2, other: 1 });
    expect(stats.log.map((entry) => [entry.model, entry.requestNumber, entry.fault])).toEqual([
      ['sim', 1, 'server_error'],
      ['sim', 2, 'ok'],
      ['other', 1, 'ok'],
    ]);
    for (const entry of stats.log) expect(entry.at).toBeGreaterThanOrEqual(before);
    await eventually(() => server.stats().inFlight === 0);

    server.reset();
    expect(server.stats()).toEqual({ total: 0, byModel: {}, inFlight: 0, log: [] });
    const again = await postChat(url, {});
    expect(again.status).toBe(500);
    await again.body?.cancel();
  });

  it('never crashes on bad input and labels every response as simulated', async () => {
    const { url } = await start({ profiles: { sim: profile() } });
    const cases: Array<[string, RequestInit, number]> = [
      ['/v1/chat/completions', { method: 'POST', body: '{"model": "sim", messages' }, 400],
      ['/v1/chat/completions', { method: 'POST', body: '[]' }, 400],
      [
        '/v1/chat/completions',
        { method: 'POST', body: '{"model":"sim","messages":[{"role":"user","content":5}]}' },
        400,
      ],
      [
        '/v1/chat/completions',
        { method: 'POST', body: '{"model":"sim","messages":[],"tools":[1]}' },
        400,
      ],
      ['/v1/chat/completions', { method: 'POST', body: '{"model":"nope","messages":[]}' }, 404],
      ['/v1/chat/completions', { method: 'GET' }, 405],
      ['/v1/messages', { method: 'POST', body: '{"model":"sim","messages":[]}' }, 400],
      ['/nowhere', { method: 'GET' }, 404],
    ];
    for (const [path, init, status] of cases) {
      const response = await fetch(`${url}${path}`, init);
      expect(response.status, `${init.method} ${path} ${init.body}`).toBe(status);
      expect(response.headers.get('x-switchyard-simulated')).toBe('true');
      const body = await jsonOf<OpenAiErrorJson & { type?: string }>(response);
      if (path === '/v1/messages') expect(body.type).toBe('error');
      else expect(typeof body.error.message).toBe('string');
    }
    const invalid = await jsonOf(await fetch(`${url}/v1/chat/completions`, cases[0]?.[1]));
    expect(invalid.error.type).toBe('invalid_request_error');
    const healthy = await postChat(url, {});
    expect(healthy.status).toBe(200);
    expect(healthy.headers.get('connection')).toBe('keep-alive');
    await healthy.body?.cancel();
  });

  it('lists its models and serves unknown names from the default profile', async () => {
    const { url, server } = await start({
      profiles: { alpha: profile(), beta: profile() },
      defaultProfile: profile(),
    });
    const models = await jsonOf<{ data: Array<{ id: string }> }>(await fetch(`${url}/v1/models`));
    expect(models.data.map((model) => model.id)).toEqual(['alpha', 'beta']);
    const response = await postChat(url, { model: 'gamma' });
    expect(response.status).toBe(200);
    expect((await jsonOf<{ model: string }>(response)).model).toBe('gamma');
    expect(server.stats().byModel).toEqual({ gamma: 1 });
  });

  it('closes promptly with a stalled stream still open', async () => {
    const { url, server } = await startScripted(['stall_mid_stream']);
    const response = await postChat(url, { stream: true });
    const reading = readAll(response);
    await eventually(() => server.stats().inFlight === 1);
    const closingAt = Date.now();
    await server.close();
    expect(Date.now() - closingAt).toBeLessThan(500);
    expect((await reading).error).toBeInstanceOf(TypeError);
  });
});
