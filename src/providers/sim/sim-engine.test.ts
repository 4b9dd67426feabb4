import { countTokens } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import type { ChatRequest, ToolDefinition } from '../../core/chat-types.js';
import {
  createSimEngine,
  type SimEngine,
  type SimPlan,
  type SimSlotRelease,
} from './sim-engine.js';
import type { SimProfile } from './sim-profile.js';
import { SIM_PRESETS } from './sim-profiles.js';

function profile(overrides: Partial<SimProfile> = {}): SimProfile {
  return {
    ttftMs: { p50: 40, p95: 120 },
    interTokenMs: { p50: 5, p95: 12 },
    outputTokens: { p50: 60, p95: 200 },
    capacity: { slots: 4, queue: 2, retryAfterS: 1 },
    faults: { rates: {}, script: [], slowFirstTokenMs: 5000 },
    seed: 7,
    ...overrides,
  };
}

function ask(content: string, extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'sim-model', messages: [{ role: 'user', content }], ...extra };
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN;
}

function planMany(count: number, engineProfile: SimProfile): SimPlan[] {
  const engine = createSimEngine(engineProfile, { modelName: 'sim-model' });
  return Array.from({ length: count }, (_, index) => engine.plan(ask(`question number ${index}`)));
}

const WEATHER_TOOL: ToolDefinition = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string', minLength: 12 },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer', minimum: 1, maximum: 7 },
        detailed: { type: 'boolean' },
        location: {
          type: 'object',
          properties: {
            lat: { type: 'number', minimum: -90, maximum: 90 },
            note: { type: 'string' },
          },
          required: ['lat'],
        },
        tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
        optional: { type: 'string' },
      },
      required: ['city', 'unit', 'days', 'detailed', 'location', 'tags'],
    },
  },
};

describe('createSimEngine distributions', () => {
  it('samples TTFT, inter-token gap and output length whose p50/p95 match the profile', () => {
    const engineProfile = profile({
      ttftMs: { p50: 80, p95: 400 },
      interTokenMs: { p50: 4, p95: 9 },
      outputTokens: { p50: 100, p95: 300 },
    });
    const plans = planMany(20_000, engineProfile);
    const checks: Array<[number[], { p50: number; p95: number }]> = [
      [plans.map((plan) => plan.ttftMs), engineProfile.ttftMs],
      [plans.map((plan) => plan.interTokenMs), engineProfile.interTokenMs],
      [plans.map((plan) => plan.completionTokens), engineProfile.outputTokens],
    ];
    for (const [values, expected] of checks) {
      expect(quantile(values, 0.5)).toBeGreaterThan(expected.p50 * 0.92);
      expect(quantile(values, 0.5)).toBeLessThan(expected.p50 * 1.08);
      expect(quantile(values, 0.95)).toBeGreaterThan(expected.p95 * 0.9);
      expect(quantile(values, 0.95)).toBeLessThan(expected.p95 * 1.1);
    }
  });

  it('gives a constant when p50 equals p95, and zero when p95 is zero', () => {
    const plans = planMany(
      200,
      profile({ ttftMs: { p50: 25, p95: 25 }, interTokenMs: { p50: 0, p95: 0 } }),
    );
    expect(new Set(plans.map((plan) => plan.ttftMs))).toEqual(new Set([25]));
    expect(new Set(plans.map((plan) => plan.interTokenMs))).toEqual(new Set([0]));
  });

  it('keeps presets on the DESIGN.md story: small-fast ~95/220 ms, big-slow ~120/600-720 ms', () => {
    const small = planMany(20_000, SIM_PRESETS['small-fast']).map((plan) => plan.durationMs);
    expect(quantile(small, 0.5)).toBeGreaterThan(80);
    expect(quantile(small, 0.5)).toBeLessThan(110);
    expect(quantile(small, 0.95)).toBeGreaterThan(190);
    expect(quantile(small, 0.95)).toBeLessThan(250);
    const bigPlans = planMany(20_000, SIM_PRESETS['big-slow']);
    const big = bigPlans.map((plan) => plan.durationMs);
    expect(quantile(big, 0.5)).toBeGreaterThan(100);
    expect(quantile(big, 0.5)).toBeLessThan(140);
    expect(quantile(big, 0.95)).toBeGreaterThan(580);
    expect(quantile(big, 0.95)).toBeLessThan(720);
    const failed = bigPlans.filter((plan) => plan.fault !== 'ok').length / bigPlans.length;
    expect(failed).toBeGreaterThan(0.005);
    expect(failed).toBeLessThan(0.011);
  });
});

describe('createSimEngine determinism', () => {
  it('plans the same requests identically for the same seed', () => {
    const engineProfile = profile({
      faults: { rates: { server_error: 0.3 }, script: [], slowFirstTokenMs: 0 },
    });
    expect(planMany(300, engineProfile)).toEqual(planMany(300, engineProfile));
  });

  it('plans differently for a different seed', () => {
    const first = planMany(50, profile({ seed: 1 }));
    const second = planMany(50, profile({ seed: 2 }));
    expect(first.map((plan) => plan.ttftMs)).not.toEqual(second.map((plan) => plan.ttftMs));
    expect(first.map((plan) => plan.text)).not.toEqual(second.map((plan) => plan.text));
  });

  it('answers the same prompt with the same text whatever its arrival order', () => {
    const engine = createSimEngine(profile(), { modelName: 'sim-model' });
    const first = engine.plan(ask('what is a switchyard?'));
    engine.plan(ask('something else'));
    const again = engine.plan(ask('what is a switchyard?'));
    expect(again.text).toBe(first.text);
    expect(again.requestNumber).toBe(3);
    expect(again.ttftMs).not.toBe(first.ttftMs);
  });

  it('writes obviously simulated text, one piece per completion token', () => {
    const [plan] = planMany(1, profile());
    expect(plan?.text?.startsWith('[simulated]')).toBe(true);
    expect(plan?.pieces.join('')).toBe(plan?.text);
    expect(plan?.completionTokens).toBe(plan?.pieces.length);
  });

  it('stops at max_tokens with finish_reason length', () => {
    const engine = createSimEngine(profile({ outputTokens: { p50: 50, p95: 60 } }), {
      modelName: 'sim-model',
    });
    const plan = engine.plan(ask('long please', { max_tokens: 5 }));
    expect(plan.completionTokens).toBe(5);
    expect(plan.finishReason).toBe('length');
  });
});

describe('createSimEngine faults', () => {
  it('consumes the script first, then falls back to rates', () => {
    const engine = createSimEngine(
      profile({
        faults: {
          rates: { content_filter: 1 },
          script: ['server_error', 'ok', 'cut_mid_stream'],
          slowFirstTokenMs: 0,
        },
      }),
      { modelName: 'sim-model' },
    );
    const plans = Array.from({ length: 5 }, () => engine.plan(ask('hi')));
    expect(plans.map((plan) => plan.fault)).toEqual([
      'server_error',
      'ok',
      'cut_mid_stream',
      'content_filter',
      'content_filter',
    ]);
    expect(plans.map((plan) => plan.faultSource)).toEqual([
      'script',
      null,
      'script',
      'rate',
      'rate',
    ]);
  });

  it('restarts the script after reset()', () => {
    const engine = createSimEngine(
      profile({ faults: { rates: {}, script: ['server_error'], slowFirstTokenMs: 0 } }),
      { modelName: 'sim-model' },
    );
    expect(engine.plan(ask('a')).fault).toBe('server_error');
    expect(engine.plan(ask('a')).fault).toBe('ok');
    engine.reset();
    expect(engine.plan(ask('a')).fault).toBe('server_error');
  });

  it('applies each rate as its share of requests', () => {
    const plans = planMany(
      10_000,
      profile({
        faults: {
          rates: { server_error: 0.1, stall_mid_stream: 0.05 },
          script: [],
          slowFirstTokenMs: 0,
        },
      }),
    );
    const share = (fault: string): number =>
      plans.filter((plan) => plan.fault === fault).length / plans.length;
    expect(share('server_error')).toBeGreaterThan(0.085);
    expect(share('server_error')).toBeLessThan(0.115);
    expect(share('stall_mid_stream')).toBeGreaterThan(0.04);
    expect(share('stall_mid_stream')).toBeLessThan(0.06);
  });

  it('adds slowFirstTokenMs to the first token when slow_first_token hits', () => {
    const engineProfile = profile({
      ttftMs: { p50: 30, p95: 30 },
      faults: { rates: {}, script: ['slow_first_token', 'ok'], slowFirstTokenMs: 900 },
    });
    const engine = createSimEngine(engineProfile, { modelName: 'sim-model' });
    expect(engine.plan(ask('a')).ttftMs).toBe(930);
    expect(engine.plan(ask('a')).ttftMs).toBe(30);
  });

  it('fails prompts longer than the context window with context_length_exceeded', () => {
    const engine = createSimEngine(profile(), { modelName: 'sim-model', contextWindow: 50 });
    const short = engine.plan(ask('short'));
    const long = engine.plan(ask('many words '.repeat(100)));
    expect(short.fault).toBe('ok');
    expect(long.fault).toBe('context_length_exceeded');
    expect(long.faultSource).toBe('context_window');
    expect(long.promptTokens).toBeGreaterThan(50);
  });

  it('counts prompt tokens with gpt-tokenizer plus the chat framing, special tokens included', () => {
    const engine = createSimEngine(profile(), { modelName: 'sim-model' });
    const text = 'Summarize <|endoftext|> the report, please.';
    const plan = engine.plan({
      model: 'sim-model',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: text },
      ],
    });
    const expected =
      3 +
      3 +
      countTokens('Be brief.') +
      3 +
      countTokens(text, { disallowedSpecial: new Set<string>() });
    expect(plan.promptTokens).toBe(expected);
  });

  it('counts a prompt that is one long run without whitespace (cut into pieces, not hung on)', () => {
    const engine = createSimEngine(profile(), { modelName: 'sim-model' });
    const plan = engine.plan(ask('😀'.repeat(200_000)));
    expect(plan.promptTokens).toBe(3 + 3 + 200_000);
  });
});

describe('createSimEngine tool calls', () => {
  it('calls the first tool with arguments that satisfy its schema', () => {
    const engine = createSimEngine(profile(), { modelName: 'sim-model' });
    const plan = engine.plan(ask('weather?', { tools: [WEATHER_TOOL] }));
    expect(plan.finishReason).toBe('tool_calls');
    expect(plan.text).toBeNull();
    expect(plan.toolCall?.function.name).toBe('get_weather');
    expect(plan.pieces.join('')).toBe(plan.toolCall?.function.arguments);
    const args = JSON.parse(plan.toolCall?.function.arguments ?? 'null');
    expect(Object.keys(args).sort()).toEqual([
      'city',
      'days',
      'detailed',
      'location',
      'tags',
      'unit',
    ]);
    expect(typeof args.city).toBe('string');
    expect(args.city.length).toBeGreaterThanOrEqual(12);
    expect(['celsius', 'fahrenheit']).toContain(args.unit);
    expect(Number.isInteger(args.days)).toBe(true);
    expect(args.days).toBeGreaterThanOrEqual(1);
    expect(args.days).toBeLessThanOrEqual(7);
    expect(typeof args.detailed).toBe('boolean');
    expect(Object.keys(args.location)).toEqual(['lat']);
    expect(Math.abs(args.location.lat)).toBeLessThanOrEqual(90);
    expect(args.tags).toHaveLength(2);
  });

  it('calls the tool named by tool_choice, and none under tool_choice none', () => {
    const engine = createSimEngine(profile(), { modelName: 'sim-model' });
    const search: ToolDefinition = {
      type: 'function',
      function: {
        name: 'search',
        parameters: { type: 'object', properties: { query: { type: 'string' } } },
      },
    };
    const named = engine.plan(
      ask('find it', {
        tools: [WEATHER_TOOL, search],
        tool_choice: { type: 'function', function: { name: 'search' } },
      }),
    );
    expect(named.toolCall?.function.name).toBe('search');
    expect(Object.keys(JSON.parse(named.toolCall?.function.arguments ?? '{}'))).toEqual(['query']);
    const none = engine.plan(ask('find it', { tools: [WEATHER_TOOL], tool_choice: 'none' }));
    expect(none.toolCall).toBeNull();
    expect(none.finishReason).toBe('stop');
  });
});

describe('createSimEngine capacity', () => {
  const small = profile({ capacity: { slots: 2, queue: 1, retryAfterS: 3 } });

  /** Acquire, failing the test on a synchronous rejection. */
  function admit(engine: SimEngine, signal?: AbortSignal): Promise<SimSlotRelease | null> {
    const admission = engine.acquire(signal);
    if (admission === 'rejected') throw new Error('unexpectedly rejected');
    return admission;
  }

  it('grants slots, queues beyond them, and rejects beyond the queue', async () => {
    const engine = createSimEngine(small, { modelName: 'sim-model' });
    const releaseFirst = await admit(engine);
    await admit(engine);
    let thirdGranted = false;
    const third = admit(engine).then((release) => {
      thirdGranted = true;
      return release;
    });
    expect(engine.load()).toMatchObject({ inFlight: 2, queued: 1 });
    expect(engine.acquire()).toBe('rejected');
    await Promise.resolve();
    expect(thirdGranted).toBe(false);
    releaseFirst?.();
    releaseFirst?.();
    expect(typeof (await third)).toBe('function');
    expect(engine.load()).toMatchObject({ inFlight: 2, queued: 0 });
  });

  it('drops a queued request whose signal aborts, freeing its queue place', async () => {
    const engine = createSimEngine(small, { modelName: 'sim-model' });
    await admit(engine);
    await admit(engine);
    const controller = new AbortController();
    const queued = admit(engine, controller.signal);
    expect(engine.acquire()).toBe('rejected');
    controller.abort();
    expect(await queued).toBeNull();
    expect(engine.load().queued).toBe(0);
    expect(engine.acquire()).not.toBe('rejected');
  });

  it('frees a slot for good once every holder released it', async () => {
    const engine = createSimEngine(small, { modelName: 'sim-model' });
    const releases = await Promise.all([admit(engine), admit(engine)]);
    for (const release of releases) release?.();
    expect(engine.load()).toMatchObject({ inFlight: 0, queued: 0 });
  });
});
