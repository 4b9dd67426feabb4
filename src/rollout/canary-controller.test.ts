import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryState, type SharedState } from '../state/index.js';
import {
  CanaryControlError,
  type CanaryController,
  type CanaryControllerOptions,
  type CanaryEvent,
  type CanaryVerdict,
  canaryStateKey,
  createCanaryController,
} from './canary-controller.js';
import { parseCanaryGates } from './canary-gates.js';
import type { WindowSample } from './rolling-window.js';

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const START = 1_700_000_000_000;
const LATENCY_GATES = [
  'latency<300',
  'p95_latency_ms <= baseline * 1.2',
  'error_rate <= baseline + 0.01',
];

interface Harness {
  controller: CanaryController;
  state: SharedState;
  events: CanaryEvent[];
  now(): number;
  advance(ms: number): void;
  /** Another controller on the same state and clock, as after a restart or on a second replica. */
  sibling(overrides?: Partial<CanaryControllerOptions>): CanaryController;
}

function setup(overrides: Partial<CanaryControllerOptions> = {}, gates = LATENCY_GATES): Harness {
  let time = START;
  const now = () => time;
  const state = createMemoryState({ now });
  cleanups.push(() => state.close());
  const events: CanaryEvent[] = [];
  const options: CanaryControllerOptions = {
    route: 'chat',
    candidate: 'candidate-xl',
    steps: [5, 25, 50, 100],
    intervalMs: 30_000,
    minSamples: 20,
    windowMs: 60_000,
    gates: parseCanaryGates(gates),
    state,
    now,
    onEvent: (event) => events.push(event),
    ...overrides,
  };
  const build = (more: Partial<CanaryControllerOptions> = {}) => {
    const controller = createCanaryController({ ...options, ...more });
    cleanups.push(() => controller.close());
    return controller;
  };
  return {
    controller: build(),
    state,
    events,
    now,
    advance(ms) {
      time += ms;
    },
    sibling: build,
  };
}

/** A healthy request: 100..199 ms, always ok. */
function healthy(index: number): WindowSample {
  return { latencyMs: 100 + ((index * 37) % 100), ok: true, costUsd: 0.001 };
}

/** A degraded candidate: 900 ms and one request in four failing. */
function degraded(index: number): WindowSample {
  return { latencyMs: 900, ok: index % 4 !== 0, costUsd: 0.001 };
}

interface DriveOptions {
  seconds: number;
  canary: (index: number) => WindowSample;
  baseline?: (index: number) => WindowSample;
  requestsPerSecond?: number;
  evaluateEverySeconds?: number;
  /** Stop early once a verdict matches. */
  until?: (verdict: CanaryVerdict) => boolean;
}

let requestCounter = 0;

/**
 * Simulated traffic on the fake clock: every second, requests from fresh users are assigned by
 * choose() and their samples observed on the chosen arm; evaluate() runs on a fixed cadence.
 */
async function drive(harness: Harness, options: DriveOptions): Promise<CanaryVerdict[]> {
  const verdicts: CanaryVerdict[] = [];
  const perSecond = options.requestsPerSecond ?? 50;
  const every = options.evaluateEverySeconds ?? 5;
  for (let second = 1; second <= options.seconds; second += 1) {
    harness.advance(1_000);
    for (let request = 0; request < perSecond; request += 1) {
      requestCounter += 1;
      const arm = harness.controller.choose(`user:${requestCounter}`);
      const sample =
        arm === 'canary'
          ? options.canary(requestCounter)
          : (options.baseline ?? healthy)(requestCounter);
      harness.controller.observe(arm, sample);
    }
    if (second % every === 0) {
      const verdict = await harness.controller.evaluate();
      verdicts.push(verdict);
      if (options.until?.(verdict)) break;
    }
  }
  return verdicts;
}

function feed(
  controller: CanaryController,
  arm: 'canary' | 'baseline',
  count: number,
  sample: WindowSample,
) {
  for (let index = 0; index < count; index += 1) controller.observe(arm, sample);
}

async function startWebhookServer(status = 204) {
  const received: Array<{ method: string; contentType: string; body: unknown }> = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        contentType: request.headers['content-type'] ?? '',
        body: JSON.parse(body),
      });
      response.statusCode = status;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received };
}

describe('createCanaryController', () => {
  it('a candidate that degrades mid-canary is rolled back within the configured window', async () => {
    const webhook = await startWebhookServer();
    const harness = setup({ webhookUrl: webhook.url });
    await harness.controller.load();
    const promoted = await drive(harness, {
      seconds: 120,
      canary: healthy,
      until: (verdict) => verdict.action === 'promote',
    });
    expect(promoted.at(-1)?.action).toBe('promote');
    expect(harness.controller.percentage()).toBe(25);

    const degradedAt = harness.now();
    const verdicts = await drive(harness, {
      seconds: 120,
      canary: degraded,
      until: (verdict) => verdict.action === 'rollback',
    });
    const rollback = verdicts.at(-1);
    expect(rollback?.action).toBe('rollback');
    expect(rollback?.reason).toBe('gate-failed');
    expect((rollback?.at ?? Number.POSITIVE_INFINITY) - degradedAt).toBeLessThanOrEqual(60_000);

    expect(harness.controller.percentage()).toBe(0);
    expect(harness.controller.snapshot().status).toBe('rolled_back');
    for (let user = 0; user < 200; user += 1) {
      expect(harness.controller.choose(`user:after-${user}`)).toBe('baseline');
    }

    const event = harness.events.find((candidate) => candidate.type === 'canary-rollback');
    expect(event).toMatchObject({
      route: 'chat',
      candidate: 'candidate-xl',
      status: 'rolled_back',
      fromPercentage: 25,
      toPercentage: 0,
      manual: false,
    });
    const failing = event?.gates.filter((gate) => gate.status === 'fail') ?? [];
    expect(failing.length).toBeGreaterThan(0);
    for (const gate of failing) {
      expect(gate.canary).not.toBeNull();
      expect(gate.canary ?? 0).toBeGreaterThan(gate.threshold ?? Number.POSITIVE_INFINITY);
    }
    expect(event?.reason).toContain('gate failed');

    const persisted = JSON.parse((await harness.state.get(canaryStateKey('chat'))) ?? '{}');
    expect(persisted).toMatchObject({ status: 'rolled_back', percentage: 0 });

    await harness.controller.close();
    const posted = webhook.received.map((call) => call.body as CanaryEvent & { text: string });
    expect(webhook.received.every((call) => call.method === 'POST')).toBe(true);
    expect(webhook.received[0]?.contentType).toBe('application/json');
    expect(posted.map((body) => body.type)).toEqual(['canary-promote', 'canary-rollback']);
    expect(posted[1]).toMatchObject({ route: 'chat', toPercentage: 0, status: 'rolled_back' });
    expect(posted[1]?.text).toContain('canary-rollback on route chat');
  });

  it('a healthy one is promoted step by step', async () => {
    const harness = setup();
    await harness.controller.load();
    const verdicts = await drive(harness, { seconds: 300, canary: healthy });

    const promotions = harness.events.filter((event) => event.type === 'canary-promote');
    expect(promotions.map((event) => [event.fromPercentage, event.toPercentage])).toEqual([
      [5, 25],
      [25, 50],
      [50, 100],
    ]);
    for (let index = 1; index < promotions.length; index += 1) {
      const gap = (promotions[index]?.at ?? 0) - (promotions[index - 1]?.at ?? 0);
      expect(gap).toBeGreaterThanOrEqual(30_000);
    }
    expect(verdicts.some((verdict) => verdict.reason === 'interval-pending')).toBe(true);
    expect(harness.controller.snapshot().status).toBe('promoted');
    expect(harness.controller.percentage()).toBe(100);
    expect(harness.controller.choose('user:anyone')).toBe('canary');
    expect(verdicts.at(-1)?.action).toBe('none');
  });

  it('finishes the rollout after the last step when the steps stop short of 100', async () => {
    const harness = setup({ steps: [10, 30] });
    await harness.controller.load();
    await drive(harness, { seconds: 200, canary: healthy });
    const promotions = harness.events.filter((event) => event.type === 'canary-promote');
    expect(promotions.map((event) => event.toPercentage)).toEqual([30, 100]);
    expect(harness.controller.snapshot().status).toBe('promoted');
  });

  it('gives no verdict before minSamples on both arms', async () => {
    const harness = setup({ minSamples: 100 });
    feed(harness.controller, 'baseline', 500, healthy(0));
    feed(harness.controller, 'canary', 99, degraded(1));
    const held = await harness.controller.evaluate();
    expect(held).toMatchObject({
      action: 'hold',
      reason: 'insufficient-samples',
      status: 'running',
    });
    expect(held.samples).toEqual({ canary: 99, baseline: 500 });
    expect(harness.controller.percentage()).toBe(5);

    feed(harness.controller, 'canary', 1, degraded(1));
    expect(await harness.controller.evaluate()).toMatchObject({ action: 'rollback' });
  });

  it('restarts the passing interval after a hold', async () => {
    const harness = setup();
    await harness.controller.load();
    harness.advance(10_000);
    expect(await harness.controller.evaluate()).toMatchObject({ reason: 'insufficient-samples' });
    for (let index = 0; index < 50; index += 1) {
      harness.controller.observe('baseline', healthy(index));
      harness.controller.observe('canary', healthy(index));
    }
    harness.advance(20_000);
    // 30 s after the step began, but only 20 s after the hold: not yet.
    expect(await harness.controller.evaluate()).toMatchObject({ reason: 'interval-pending' });
    expect(harness.controller.snapshot().promoteNotBefore).toBe(START + 40_000);
    harness.advance(10_000);
    expect(await harness.controller.evaluate()).toMatchObject({ action: 'promote' });
    expect(harness.controller.percentage()).toBe(25);
  });

  it('holds on a gate without data and promotes once the quality is graded (seed criteria)', async () => {
    const harness = setup({}, ['latency<300', 'accuracy_delta>0.02']);
    await harness.controller.load();
    const ungraded = await drive(harness, { seconds: 120, canary: healthy });
    expect(ungraded.at(-1)).toMatchObject({ action: 'hold', reason: 'gates-no-data' });
    expect(ungraded.some((verdict) => verdict.action === 'promote')).toBe(false);
    expect(harness.controller.percentage()).toBe(5);

    // Candidate graded 1.0, baseline 0.9: a delta of 0.1 clears accuracy_delta>0.02.
    await drive(harness, {
      seconds: 60,
      canary: (index) => ({ ...healthy(index), quality: 1 }),
      baseline: (index) => ({ ...healthy(index), quality: index % 10 === 0 ? 0 : 1 }),
      until: (verdict) => verdict.action === 'promote',
    });
    expect(harness.controller.percentage()).toBe(25);
  });

  it('judges quality gates on grades that arrive after their requests (a judge)', async () => {
    const harness = setup({ minSamples: 10 }, ['quality_delta >= -0.1']);
    await harness.controller.load();
    for (let index = 0; index < 10; index += 1) {
      harness.controller.observe('canary', healthy(index));
      harness.controller.observe('baseline', healthy(index));
    }
    expect(await harness.controller.evaluate()).toMatchObject({
      action: 'hold',
      reason: 'gates-no-data',
    });
    harness.advance(1_000);
    for (let index = 0; index < 10; index += 1) {
      harness.controller.grade('canary', 0.25);
      harness.controller.grade('baseline', 1);
    }
    const verdict = await harness.controller.evaluate();
    expect(verdict).toMatchObject({ action: 'rollback', samples: { canary: 10, baseline: 10 } });
    expect(verdict.gates[0]).toMatchObject({ status: 'fail', canary: 0.25, baseline: 1 });
    expect(harness.controller.status()).toBe('rolled_back');
  });

  it('rolls back a candidate that is not better by the seed’s accuracy delta', async () => {
    const harness = setup({}, ['latency<300', 'accuracy_delta>0.02']);
    await harness.controller.load();
    const verdicts = await drive(harness, {
      seconds: 120,
      canary: (index) => ({ ...healthy(index), quality: 0.9 }),
      baseline: (index) => ({ ...healthy(index), quality: 0.9 }),
      until: (verdict) => verdict.action === 'rollback',
    });
    const last = verdicts.at(-1);
    expect(last?.action).toBe('rollback');
    expect(last?.gates.find((gate) => gate.gate === 'accuracy_delta>0.02')?.status).toBe('fail');
  });

  it('holds the percentage while paused, still rolls back, and needs a full interval after resume', async () => {
    const harness = setup();
    await harness.controller.load();
    await harness.controller.pause();
    const paused = await drive(harness, { seconds: 120, canary: healthy });
    expect(paused.some((verdict) => verdict.action === 'promote')).toBe(false);
    expect(paused.at(-1)).toMatchObject({ action: 'hold', reason: 'paused', status: 'paused' });
    expect(harness.controller.percentage()).toBe(5);

    await harness.controller.resume();
    const resumedAt = harness.now();
    expect(await harness.controller.evaluate()).toMatchObject({ reason: 'interval-pending' });
    await drive(harness, {
      seconds: 60,
      canary: healthy,
      until: (verdict) => verdict.action === 'promote',
    });
    const promotion = harness.events.find((event) => event.type === 'canary-promote');
    expect((promotion?.at ?? 0) - resumedAt).toBeGreaterThanOrEqual(30_000);
    expect(harness.controller.percentage()).toBe(25);

    await harness.controller.pause();
    await drive(harness, {
      seconds: 60,
      canary: degraded,
      until: (verdict) => verdict.action === 'rollback',
    });
    expect(harness.controller.snapshot().status).toBe('rolled_back');
    expect(harness.events.map((event) => event.type)).toEqual([
      'canary-start',
      'canary-pause',
      'canary-resume',
      'canary-promote',
      'canary-pause',
      'canary-rollback',
    ]);
  });

  it('promotes, fully promotes, aborts and restarts on manual command', async () => {
    const webhook = await startWebhookServer();
    const harness = setup({ webhookUrl: webhook.url });
    await harness.controller.load();

    await harness.controller.promote();
    expect(harness.controller.percentage()).toBe(25);
    await harness.controller.promote({ full: true });
    expect(harness.controller.snapshot()).toMatchObject({ status: 'promoted', percentage: 100 });

    await harness.controller.abort('error budget burned');
    expect(harness.controller.snapshot()).toMatchObject({ status: 'rolled_back', percentage: 0 });
    const abort = harness.events.at(-1);
    expect(abort).toMatchObject({
      type: 'canary-rollback',
      manual: true,
      fromPercentage: 100,
      toPercentage: 0,
    });
    expect(abort?.reason).toContain('error budget burned');

    await expect(harness.controller.promote()).rejects.toThrow(CanaryControlError);
    await expect(harness.controller.pause()).rejects.toThrow(/it is rolled_back/);
    await expect(harness.controller.resume()).rejects.toThrow(/set a percentage to restart it/);
    await expect(harness.controller.setPercentage(150)).rejects.toThrow(RangeError);

    await harness.controller.setPercentage(10);
    expect(harness.controller.snapshot()).toMatchObject({ status: 'paused', percentage: 10 });
    expect(harness.controller.snapshot().nextPercentage).toBe(25);
    await harness.controller.resume();
    expect(harness.controller.snapshot().status).toBe('running');

    await harness.controller.close();
    expect(webhook.received.map((call) => (call.body as CanaryEvent).type)).toEqual([
      'canary-promote',
      'canary-promote',
      'canary-rollback',
    ]);
  });

  it('resumes from SharedState after a restart, with empty windows', async () => {
    const harness = setup();
    await harness.controller.load();
    await drive(harness, {
      seconds: 120,
      canary: healthy,
      until: (verdict) => verdict.action === 'promote',
    });
    await harness.controller.pause();
    const before = harness.controller.snapshot();

    const restarted = harness.sibling();
    expect(restarted.percentage()).toBe(5);
    await restarted.load();
    const after = restarted.snapshot();
    expect(after).toMatchObject({
      status: 'paused',
      percentage: 25,
      stepIndex: 1,
      nextPercentage: 50,
    });
    expect(after.history).toEqual(before.history);
    expect(after.history.map((event) => event.type)).toEqual([
      'canary-start',
      'canary-promote',
      'canary-pause',
    ]);
    expect(after.arms.canary.count).toBe(0);
    expect(after.arms.baseline.count).toBe(0);
    for (let user = 0; user < 300; user += 1) {
      expect(restarted.choose(`user:${user}`)).toBe(harness.controller.choose(`user:${user}`));
    }
  });

  it('starts fresh when the stored canary is for another candidate', async () => {
    const harness = setup();
    const old = harness.sibling({ candidate: 'candidate-old' });
    await old.load();
    await old.abort('replaced');

    await harness.controller.load();
    expect(harness.controller.snapshot()).toMatchObject({ status: 'running', percentage: 5 });
    const persisted = JSON.parse((await harness.state.get(canaryStateKey('chat'))) ?? '{}');
    expect(persisted).toMatchObject({ candidate: 'candidate-xl', status: 'running' });
  });

  it('adopts a rollback made by another replica on its next evaluation', async () => {
    const harness = setup();
    const replica = harness.sibling();
    await harness.controller.load();
    await replica.load();
    await replica.abort('seen on replica 2');
    expect(harness.controller.percentage()).toBe(5);

    const verdict = await harness.controller.evaluate();
    expect(verdict).toMatchObject({ action: 'none', reason: 'inactive', status: 'rolled_back' });
    expect(harness.controller.percentage()).toBe(0);
  });

  it('keeps the verdict that ended a canary, gate values included, for operators to read', async () => {
    const harness = setup({ minSamples: 100 });
    feed(harness.controller, 'baseline', 500, healthy(0));
    feed(harness.controller, 'canary', 100, degraded(1));
    const rollback = await harness.controller.evaluate();
    expect(rollback.action).toBe('rollback');
    expect(rollback.gates.length).toBeGreaterThan(0);
    await harness.controller.evaluate();
    expect(harness.controller.snapshot().lastVerdict).toEqual(rollback);
  });

  it('rolls back locally and reports it when the store cannot be written', async () => {
    const harness = setup();
    const broken: SharedState = Object.create(harness.state);
    broken.set = async () => {
      throw new Error('store down');
    };
    const events: CanaryEvent[] = [];
    const controller = harness.sibling({ state: broken, onEvent: (event) => events.push(event) });
    feed(controller, 'baseline', 50, healthy(0));
    feed(controller, 'canary', 50, degraded(1));

    expect(await controller.evaluate()).toMatchObject({ action: 'rollback' });
    expect(controller.percentage()).toBe(0);
    const failure = events.find((event) => event.type === 'canary-state-fail');
    expect(failure?.reason).toContain('store down');

    await expect(controller.setPercentage(5)).rejects.toThrow('store down');
    expect(controller.percentage()).toBe(5);
  });

  it('reports a failing webhook as an event and never throws', async () => {
    const webhook = await startWebhookServer(500);
    const harness = setup({ webhookUrl: webhook.url });
    await harness.controller.abort('testing the hook');
    await harness.controller.close();
    expect(webhook.received).toHaveLength(1);
    const failure = harness.events.find((event) => event.type === 'canary-webhook-fail');
    expect(failure?.reason).toContain('HTTP 500');
    expect(harness.controller.snapshot().history.map((event) => event.type)).toEqual([
      'canary-rollback',
    ]);
  });

  it('swallows a throwing onEvent listener', async () => {
    const harness = setup({
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    await expect(harness.controller.abort()).resolves.toBeUndefined();
    expect(harness.controller.percentage()).toBe(0);
  });

  it('sends about its percentage of users to the canary', async () => {
    const harness = setup({ steps: [25, 100] });
    let canary = 0;
    for (let user = 0; user < 4_000; user += 1) {
      if (harness.controller.choose(`user:${user}`) === 'canary') canary += 1;
    }
    expect(Math.abs(canary / 4_000 - 0.25)).toBeLessThan(0.03);
  });

  it('rejects steps, intervals and sample sizes that cannot work', () => {
    const base = setup();
    const make = (overrides: Partial<CanaryControllerOptions>) => () => base.sibling(overrides);
    expect(make({ steps: [] })).toThrow(/must not be empty/);
    expect(make({ steps: [25, 5] })).toThrow(/strictly increasing/);
    expect(make({ steps: [0, 50] })).toThrow(/strictly increasing/);
    expect(make({ steps: [50, 150] })).toThrow(/strictly increasing/);
    expect(make({ minSamples: 0 })).toThrow(/minSamples/);
    expect(make({ windowMs: 0 })).toThrow(/windowMs/);
    expect(make({ intervalMs: -1 })).toThrow(/intervalMs/);
  });
});
