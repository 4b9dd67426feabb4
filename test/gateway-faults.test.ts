import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimFault } from '../src/providers/sim/index.js';
import { type GatewayHarness, QUICK_PROFILE, startHarness } from './support/gateway-harness.js';

/**
 * One test per fault the sim can inject. Each drives the gateway with the official openai client
 * and asserts what the client received and what the upstream saw (how many calls, and when).
 */

let harness: GatewayHarness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

function policy(
  options: {
    fallbackOn?: string;
    primaryWindow?: number;
    timeouts?: string;
    maxAttempts?: number;
  } = {},
) {
  return `
version: 1
breaker: { consecutive_failures: 50 }
targets:
  primary:
    provider: openai-compatible
    base_url: "{{SIM}}"
    model: primary-model
    price: { input_per_mtok: 1, output_per_mtok: 2 }
    context_window: ${options.primaryWindow ?? 100000}
  backup:
    provider: openai-compatible
    base_url: "{{SIM}}"
    model: backup-model
    price: { input_per_mtok: 3, output_per_mtok: 6 }
    context_window: 200000
routes:
  main:
    retry: { base_delay_ms: 50, max_delay_ms: 100, retry_after_cap_ms: 3000 }
    targets:
      - target: primary
        max_attempts: ${options.maxAttempts ?? 2}
        timeouts: ${options.timeouts ?? '{ connect_ms: 1000, ttft_ms: 400, stream_idle_ms: 300, total_ms: 1500 }'}
        fallback_on: ${options.fallbackOn ?? '[timeout, ttft_timeout, stream_stall, 429, 5xx, connection_error, context_length_exceeded, stream_truncated, malformed_stream]'}
      - backup
default_route: main
`;
}

async function start(
  fault: SimFault,
  policyOptions?: Parameters<typeof policy>[0],
  extra: Record<string, unknown> = {},
) {
  harness = await startHarness({
    profiles: {
      'primary-model': {
        ...QUICK_PROFILE,
        faults: { script: [fault], slow_first_token_ms: 2000 },
        ...extra,
      },
      'backup-model': QUICK_PROFILE,
    },
    policyYaml: policy(policyOptions),
  });
  return harness;
}

/** Upstream calls the sim saw for a model, with arrival times (ms since epoch). */
function calls(h: GatewayHarness, model: string): number[] {
  return h.sim
    .stats()
    .log.filter((entry) => entry.model === model)
    .map((entry) => entry.at);
}

/** ms between the first two upstream calls. */
function gapMs(times: number[]): number {
  const [first, second] = times;
  if (first === undefined || second === undefined)
    throw new Error(`expected two calls, saw ${times.length}`);
  return second - first;
}

const ask = (client: OpenAI) =>
  client.chat.completions
    .create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] })
    .withResponse();

async function askStream(client: OpenAI) {
  const stream = await client.chat.completions.create({
    model: 'auto',
    stream: true,
    messages: [{ role: 'user', content: 'hello' }],
  });
  let text = '';
  const finishReasons: string[] = [];
  let error: unknown = null;
  try {
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      const finish = chunk.choices[0]?.finish_reason;
      if (finish) finishReasons.push(finish);
    }
  } catch (caught) {
    error = caught;
  }
  return { text, finishReasons, error };
}

describe('faults before the first byte are retried or failed over transparently', () => {
  it('server_error: retries the same target after a backoff and succeeds', async () => {
    const h = await start('server_error');
    const { data, response } = await ask(h.openai());
    expect(data.model).toBe('primary');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    const seen = calls(h, 'primary-model');
    expect(seen).toHaveLength(2);
    expect(calls(h, 'backup-model')).toHaveLength(0);
    const [record] = await h.records();
    expect(record?.attempts.map((attempt) => [attempt.errorClass, attempt.status])).toEqual([
      ['server_error', 500],
      [null, 200],
    ]);
  });

  it('rate_limited with Retry-After: waits as told, then retries the same target', async () => {
    const h = await start('rate_limited', undefined, { capacity: { retry_after_s: 1 } });
    const { data } = await ask(h.openai());
    expect(data.model).toBe('primary');
    expect(gapMs(calls(h, 'primary-model'))).toBeGreaterThanOrEqual(950);
  });

  it('rate_limited without Retry-After: backs off briefly and retries', async () => {
    const h = await start('rate_limited_no_retry_after');
    const { data, response } = await ask(h.openai());
    expect(data.model).toBe('primary');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    expect(gapMs(calls(h, 'primary-model'))).toBeLessThan(500);
  });

  it('reset_before_headers: a connection error is retried and the client never sees it', async () => {
    const h = await start('reset_before_headers');
    const { data } = await ask(h.openai());
    expect(data.choices[0]?.message.content).toMatch(/\S/);
    const [record] = await h.records();
    expect(record?.attempts[0]?.errorClass).toBe('connection_error');
  });

  it('no_response: the attempt times out and the next attempt answers', async () => {
    const h = await start('no_response', { maxAttempts: 1 });
    const started = Date.now();
    const { data } = await ask(h.openai());
    expect(data.model).toBe('backup');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    const [record] = await h.records();
    expect(record?.attempts[0]?.errorClass).toBe('timeout');
    expect(calls(h, 'primary-model')).toHaveLength(1);
  });

  it('slow_first_token: a TTFT timeout fails over to the backup within the stream', async () => {
    const h = await start('slow_first_token', { maxAttempts: 1 });
    const result = await askStream(h.openai());
    expect(result.error).toBeNull();
    expect(result.finishReasons).toEqual(['stop']);
    const [record] = await h.records();
    expect(record?.servedTarget).toBe('backup');
    expect(record?.attempts[0]?.errorClass).toBe('ttft_timeout');
  });

  it('context_length_exceeded: not retried on the same model; moves to the larger window', async () => {
    const h = await start('context_length_exceeded');
    const { data } = await ask(h.openai());
    expect(data.model).toBe('backup');
    expect(calls(h, 'primary-model')).toHaveLength(1);
  });

  it('skips a target whose window the counted prompt exceeds, before sending', async () => {
    const h = await start('ok', { primaryWindow: 50 });
    const long = 'word '.repeat(200);
    const data = await h
      .openai()
      .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: long }] });
    expect(data.model).toBe('backup');
    expect(calls(h, 'primary-model')).toHaveLength(0);
    const [record] = await h.records();
    expect(record?.attempts[0]?.errorClass).toBe('context_window_skip');
  });

  it('content_filter: surfaces as 400 content_filter when the route does not fall over on it', async () => {
    const h = await start('content_filter');
    const error = await ask(h.openai()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('content_filter');
    expect(calls(h, 'primary-model')).toHaveLength(1);
    expect(calls(h, 'backup-model')).toHaveLength(0);
  });

  it('content_filter: moves on when fallback_on lists it', async () => {
    const h = await start('content_filter', { fallbackOn: '[content_filter]' });
    const { data } = await ask(h.openai());
    expect(data.model).toBe('backup');
  });
});

describe('faults after the first byte end the stream with an in-band error, never a clean finish', () => {
  it.each(['cut_mid_stream', 'malformed_chunk', 'missing_done'] as const)(
    '%s: the client sees an error, no finish_reason, and the log says stream_interrupted',
    async (fault) => {
      const h = await start(fault);
      const result = await askStream(h.openai());
      expect(result.error).toBeInstanceOf(Error);
      expect(result.finishReasons).toEqual([]);
      expect(calls(h, 'primary-model')).toHaveLength(1);
      const [record] = await h.records();
      expect(record?.errorCode).toBe('stream_interrupted');
      expect(record?.finishReason).toBeNull();
    },
  );

  it('stall_mid_stream: the stall timeout ends the stream with an in-band error', async () => {
    const h = await start('stall_mid_stream');
    const started = Date.now();
    const result = await askStream(h.openai());
    expect(result.error).toBeInstanceOf(Error);
    expect(String(result.error)).toMatch(/stream_stall|stall/);
    expect(result.finishReasons).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    const [record] = await h.records();
    expect(record?.attempts[0]?.errorClass).toBe('stream_stall');
  });
});

describe('failed attempts are recorded but never billed', () => {
  it('bills only the completion that was served', async () => {
    const h = await start('server_error', { maxAttempts: 1 });
    const { data } = await ask(h.openai());
    expect(data.model).toBe('backup');
    const [record] = await h.records();
    const usage = data.usage ?? { prompt_tokens: Number.NaN, completion_tokens: Number.NaN };
    // backup costs $3 / $6 per million tokens.
    expect(record?.costUsd).toBeCloseTo(
      (usage.prompt_tokens * 3 + usage.completion_tokens * 6) / 1e6,
      12,
    );
    expect(record?.attempts).toHaveLength(2);
  });
});

describe('the client going away', () => {
  it('stops the upstream stream and records client_closed', async () => {
    harness = await startHarness({
      profiles: {
        'primary-model': {
          ...QUICK_PROFILE,
          inter_token_ms: { p50: 50, p95: 60 },
          output_tokens: { p50: 200, p95: 220 },
        },
        'backup-model': QUICK_PROFILE,
      },
      policyYaml: policy(),
    });
    const controller = new AbortController();
    const stream = await harness
      .openai()
      .chat.completions.create(
        { model: 'auto', stream: true, messages: [{ role: 'user', content: 'long story please' }] },
        { signal: controller.signal },
      );
    let chunks = 0;
    try {
      for await (const _chunk of stream) {
        chunks++;
        if (chunks === 3) controller.abort();
      }
    } catch {
      // The SDK may raise or simply end on abort; either way the client is gone.
    }
    expect(chunks).toBeGreaterThanOrEqual(3);
    const sim = harness.sim;
    const deadline = Date.now() + 2000;
    while (sim.stats().inFlight > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sim.stats().inFlight).toBe(0);
    const deadlineForLog = Date.now() + 2000;
    let records = await harness.records();
    while (records.length === 0 && Date.now() < deadlineForLog) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      records = await harness.records();
    }
    expect(records[0]?.status).toBe(499);
    expect(records[0]?.errorCode).toBe('client_closed');
    expect(records[0]?.servedTarget).toBe('primary');
  });
});
