import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { type GatewayHarness, QUICK_PROFILE, startHarness } from './support/gateway-harness.js';

let harness: GatewayHarness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const target = (name: string, extra = '') =>
  `  ${name}: { provider: openai-compatible, base_url: "{{SIM}}", model: ${name}-model, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 1 }${extra} }`;

describe('route behaviour', () => {
  it('moves on when an attempt blows its latency budget', async () => {
    harness = await startHarness({
      profiles: {
        'slow-model': { ...QUICK_PROFILE, ttft_ms: { p50: 800, p95: 900 } },
        'quick-model': QUICK_PROFILE,
      },
      policyYaml: `
version: 1
targets:
${target('slow')}
${target('quick')}
routes:
  main:
    targets:
      - { target: slow, latency_budget_ms: 150, fallback_on: [latency_budget] }
      - quick
default_route: main
`,
    });
    const started = Date.now();
    const completion = await harness
      .openai()
      .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.model).toBe('quick');
    expect(Date.now() - started).toBeLessThan(700);
    const [record] = await harness.records();
    expect(record?.attempts.map((attempt) => attempt.errorClass)).toEqual(['latency_budget', null]);
  });

  it('answers 504 deadline_exceeded when the route deadline passes', async () => {
    harness = await startHarness({
      profiles: { 'stuck-model': { ...QUICK_PROFILE, faults: { rates: { no_response: 1 } } } },
      policyYaml: `
version: 1
targets:
${target('stuck')}
routes:
  main:
    deadline_ms: 300
    targets: [{ target: stuck, max_attempts: 5, timeouts: { total_ms: 5000 } }]
default_route: main
`,
    });
    const started = Date.now();
    const error = await harness
      .openai()
      .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('deadline_exceeded');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('moves on after a refused connection', async () => {
    harness = await startHarness({
      profiles: { 'live-model': QUICK_PROFILE },
      policyYaml: `
version: 1
targets:
  dead: { provider: openai-compatible, base_url: "http://127.0.0.1:9/v1", model: dead, context_window: 100000, price: { input_per_mtok: 1, output_per_mtok: 1 } }
${target('live')}
routes:
  main: { targets: [{ target: dead, max_attempts: 1 }, live] }
default_route: main
`,
    });
    const completion = await harness
      .openai()
      .chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.model).toBe('live');
    const [record] = await harness.records();
    expect(record?.attempts[0]?.errorClass).toBe('connection_error');
  });

  it('drops the oldest turns to fit a small window, keeps the system prompt, and logs what it did', async () => {
    harness = await startHarness({
      profiles: { 'small-model': QUICK_PROFILE },
      policyYaml: `
version: 1
targets:
  small: { provider: openai-compatible, base_url: "{{SIM}}", model: small-model, context_window: 400, price: { input_per_mtok: 1, output_per_mtok: 1 } }
routes:
  main:
    targets: [small]
    context_fit: { strategy: drop_oldest, keep_last_turns: 2, reserve_output_tokens: 50 }
default_route: main
`,
    });
    const filler = 'lorem ipsum dolor sit amet '.repeat(20);
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'Be brief.' },
    ];
    for (let turn = 0; turn < 8; turn++) {
      messages.push(
        { role: 'user', content: `question ${turn}: ${filler}` },
        { role: 'assistant', content: `answer ${turn}` },
      );
    }
    messages.push({ role: 'user', content: 'final question' });
    const completion = await harness.openai().chat.completions.create({ model: 'auto', messages });
    expect(completion.choices[0]?.message.content).toMatch(/\S/);
    const [record] = await harness.records();
    expect(record?.contextFit).toMatch(/dropped \d+ oldest turns/);
    expect(record?.servedTarget).toBe('small');
  });

  it('answers context_length_exceeded when no target can hold the prompt', async () => {
    harness = await startHarness({
      profiles: { 'tiny-model': QUICK_PROFILE },
      policyYaml: `
version: 1
targets:
  tiny: { provider: openai-compatible, base_url: "{{SIM}}", model: tiny-model, context_window: 20, price: { input_per_mtok: 1, output_per_mtok: 1 } }
routes:
  main: { targets: [tiny] }
default_route: main
`,
    });
    const error = await harness
      .openai()
      .chat.completions.create({
        model: 'auto',
        messages: [{ role: 'user', content: 'word '.repeat(100) }],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe(
      'context_length_exceeded',
    );
    expect(harness.sim.stats().log).toHaveLength(0);
  });

  it('routes on the intent a classifier target returns', async () => {
    harness = await startHarness({
      profiles: {
        'judge-model': QUICK_PROFILE,
        'a-model': QUICK_PROFILE,
        'b-model': QUICK_PROFILE,
      },
      policyYaml: `
version: 1
targets:
${target('judge')}
${target('a')}
${target('b')}
classification:
  classifier: { target: judge, labels: [billing, other], timeout_ms: 2000 }
rules:
  - { name: billing, when: { intent: [billing] }, route: rb }
routes:
  ra: { targets: [a] }
  rb: { targets: [b] }
default_route: ra
`,
    });
    // The sim judge answers with pseudo-words, never a label: the classifier must fall back to rules.
    const completion = await harness.openai().chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'refund me' }],
    });
    expect(completion.model).toBe('a');
    expect(harness.sim.stats().log.filter((entry) => entry.model === 'judge-model')).toHaveLength(
      1,
    );
    // An explicit intent skips the classifier call entirely.
    const explicit = await harness.openai().chat.completions.create({
      model: 'auto',
      messages: [{ role: 'user', content: 'refund me again' }],
      metadata: { intent: 'billing' },
    });
    expect(explicit.model).toBe('b');
    expect(harness.sim.stats().log.filter((entry) => entry.model === 'judge-model')).toHaveLength(
      1,
    );
  });
});

describe('anthropic upstream behind the gateway', () => {
  it('serves an OpenAI client from an Anthropic Messages upstream, streaming and not, with tools', async () => {
    harness = await startHarness({
      profiles: { 'claude-sim': QUICK_PROFILE },
      policyYaml: `
version: 1
targets:
  claude: { provider: anthropic, base_url: "{{SIM}}", model: claude-sim, api_key_env: ANTHROPIC_KEY, context_window: 200000, price: { input_per_mtok: 3, output_per_mtok: 15 } }
routes:
  main: { targets: [claude] }
default_route: main
`,
      env: { ANTHROPIC_KEY: 'sk-ant-test-key' },
    });
    const client = harness.openai();
    const completion = await client.chat.completions.create({
      model: 'auto',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello' },
      ],
    });
    expect(completion.model).toBe('claude');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);

    const stream = await client.chat.completions.create({
      model: 'auto',
      stream: true,
      stream_options: { include_usage: true },
      tools: [
        {
          type: 'function',
          function: {
            name: 'lookup',
            parameters: {
              type: 'object',
              properties: { id: { type: 'integer' } },
              required: ['id'],
            },
          },
        },
      ],
      tool_choice: 'required',
      messages: [{ role: 'user', content: 'look up order 7' }],
    });
    let args = '';
    let finish: string | null = null;
    let usage = 0;
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? [])
        args += call.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage.total_tokens;
    }
    expect(finish).toBe('tool_calls');
    expect(typeof JSON.parse(args).id).toBe('number');
    expect(usage).toBeGreaterThan(0);
    const paths = harness.sim.stats().log.map((entry) => entry.path);
    expect(paths.every((path) => path === '/v1/messages')).toBe(true);
  });
});
