import { describe, expect, it } from 'vitest';
import { CanaryGateError } from './canary-gates.js';
import {
  CANARY_DEFAULTS,
  CANARY_JUDGE_DEFAULTS,
  resolveCanarySettings,
} from './canary-settings.js';

describe('resolveCanarySettings', () => {
  it('loads the seed’s canary as it is', () => {
    const settings = resolveCanarySettings({
      target: 'candidate-xl',
      percentage: 5,
      criteria: ['latency<300', 'accuracy_delta>0.02'],
    });
    expect(settings).toMatchObject({
      candidate: 'candidate-xl',
      steps: [5],
      intervalMs: CANARY_DEFAULTS.intervalMs,
      minSamples: CANARY_DEFAULTS.minSamples,
      windowMs: CANARY_DEFAULTS.windowMs,
      webhookUrl: null,
    });
    expect(settings.gates.map((gate) => [gate.metric, gate.reference.kind])).toEqual([
      ['p95_latency_ms', 'absolute'],
      ['quality_score', 'baseline'],
    ]);
  });

  it('takes the full form with steps, timings, gates and a webhook', () => {
    const settings = resolveCanarySettings({
      target: 'candidate-xl',
      steps: [5, 25, 50, 100],
      intervalMs: 120_000,
      minSamples: 200,
      windowMs: 600_000,
      gates: ['error_rate <= baseline + 0.01'],
      criteria: ['latency<300'],
      webhookUrl: 'http://127.0.0.1:9/hook',
    });
    expect(settings).toMatchObject({
      steps: [5, 25, 50, 100],
      intervalMs: 120_000,
      minSamples: 200,
      windowMs: 600_000,
      webhookUrl: 'http://127.0.0.1:9/hook',
    });
    expect(settings.gates.map((gate) => gate.text)).toEqual([
      'latency<300',
      'error_rate <= baseline + 0.01',
    ]);
  });

  it('accepts a percentage that equals the first step and refuses one that does not', () => {
    expect(resolveCanarySettings({ target: 'b', percentage: 5, steps: [5, 50] }).steps).toEqual([
      5, 50,
    ]);
    expect(() => resolveCanarySettings({ target: 'b', percentage: 10, steps: [5, 50] })).toThrow(
      /conflicts with steps/,
    );
  });

  it('needs steps or a percentage', () => {
    expect(() => resolveCanarySettings({ target: 'b' })).toThrow(/needs steps or a percentage/);
    expect(() => resolveCanarySettings({ target: 'b', percentage: 0 })).toThrow(RangeError);
  });

  it('has no judge unless one is configured, and fills a judge’s defaults', () => {
    expect(resolveCanarySettings({ target: 'b', percentage: 5 }).judge).toBeNull();
    expect(
      resolveCanarySettings({ target: 'b', percentage: 5, judge: { target: 'grader' } }).judge,
    ).toEqual({
      target: 'grader',
      sampleRate: CANARY_JUDGE_DEFAULTS.sampleRate,
      rubric: CANARY_JUDGE_DEFAULTS.rubric,
      timeoutMs: CANARY_JUDGE_DEFAULTS.timeoutMs,
      maxConcurrent: CANARY_JUDGE_DEFAULTS.maxConcurrent,
    });
    const judge = resolveCanarySettings({
      target: 'b',
      percentage: 5,
      judge: {
        target: 'grader',
        sampleRate: 1,
        rubric: 'Short.',
        timeoutMs: 200,
        maxConcurrent: 2,
      },
    }).judge;
    expect(judge).toEqual({
      target: 'grader',
      sampleRate: 1,
      rubric: 'Short.',
      timeoutMs: 200,
      maxConcurrent: 2,
    });
  });

  it('refuses a judge whose sample rate or concurrency cannot work', () => {
    expect(() =>
      resolveCanarySettings({ target: 'b', percentage: 5, judge: { target: 'g', sampleRate: 2 } }),
    ).toThrow(/sample rate 2/);
    expect(() =>
      resolveCanarySettings({
        target: 'b',
        percentage: 5,
        judge: { target: 'g', maxConcurrent: 0 },
      }),
    ).toThrow(/max_concurrent/);
  });

  it('names the canary in gate errors', () => {
    expect(() =>
      resolveCanarySettings({ target: 'b', percentage: 5, criteria: ['speed>1'] }),
    ).toThrow(CanaryGateError);
    expect(() =>
      resolveCanarySettings({ target: 'b', percentage: 5, criteria: ['speed>1'] }),
    ).toThrow(/canary of b: gates\[0\]: unknown metric "speed"/);
  });
});
