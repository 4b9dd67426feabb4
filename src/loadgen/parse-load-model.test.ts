import { describe, expect, it } from 'vitest';
import { describeLoadModel, describeSweepLevel, formatLoadModel } from './describe-load-model.js';
import { DEFAULT_SWEEP_STOP, type LoadModel } from './load-model.js';
import { LoadModelError } from './load-model-error.js';
import { parseLoadModel } from './parse-load-model.js';

describe('parseLoadModel', () => {
  it.each<[string, LoadModel]>([
    ['replay', { kind: 'replay', speed: 1 }],
    ['replay:2x', { kind: 'replay', speed: 2 }],
    ['replay:0.5', { kind: 'replay', speed: 0.5 }],
    [' Replay : 10X ', { kind: 'replay', speed: 10 }],
    ['constant:50', { kind: 'constant', rate: 50 }],
    ['constant:2.5rps', { kind: 'constant', rate: 2.5 }],
    ['poisson:100', { kind: 'poisson', rate: 100, burstiness: 1 }],
    ['poisson:100,burst=2', { kind: 'poisson', rate: 100, burstiness: 2 }],
    ['poisson:100, burstiness=0.5', { kind: 'poisson', rate: 100, burstiness: 0.5 }],
    ['concurrency:8', { kind: 'concurrency', concurrency: 8 }],
    [
      'sweep:rate:10,100,1000',
      { kind: 'sweep', over: 'rate', levels: [10, 100, 1000], stop: { ...DEFAULT_SWEEP_STOP } },
    ],
    [
      'sweep:replay:1x,10x,100x,error=0.01,p99=2000',
      {
        kind: 'sweep',
        over: 'replay',
        levels: [1, 10, 100],
        stop: { errorRate: 0.01, p99Ms: 2000 },
      },
    ],
    [
      'sweep:concurrency:1,4,16,p99_ms=500ms',
      {
        kind: 'sweep',
        over: 'concurrency',
        levels: [1, 4, 16],
        stop: { errorRate: DEFAULT_SWEEP_STOP.errorRate, p99Ms: 500 },
      },
    ],
  ])('reads the string %j', (input, expected) => {
    expect(parseLoadModel(input)).toEqual(expected);
  });

  it.each<[unknown, LoadModel]>([
    [{ kind: 'replay' }, { kind: 'replay', speed: 1 }],
    [
      { kind: 'replay', speed: '3x' },
      { kind: 'replay', speed: 3 },
    ],
    [
      { kind: 'constant', rate: 20 },
      { kind: 'constant', rate: 20 },
    ],
    [
      { kind: 'poisson', rate: 5 },
      { kind: 'poisson', rate: 5, burstiness: 1 },
    ],
    [
      { kind: 'poisson', rate: 5, burstiness: 3 },
      { kind: 'poisson', rate: 5, burstiness: 3 },
    ],
    [
      { kind: 'concurrency', concurrency: 4 },
      { kind: 'concurrency', concurrency: 4 },
    ],
    [
      { kind: 'sweep', over: 'replay', levels: ['1x', 10, '100x'], stop: { error_rate: 0.1 } },
      {
        kind: 'sweep',
        over: 'replay',
        levels: [1, 10, 100],
        stop: { errorRate: 0.1, p99Ms: DEFAULT_SWEEP_STOP.p99Ms },
      },
    ],
    [
      { kind: 'sweep', over: 'rate', levels: [1, 2], stop: { errorRate: 0, p99Ms: 100 } },
      { kind: 'sweep', over: 'rate', levels: [1, 2], stop: { errorRate: 0, p99Ms: 100 } },
    ],
  ])('reads the object %j', (input, expected) => {
    expect(parseLoadModel(input)).toEqual(expected);
  });

  it.each<[unknown, RegExp]>([
    ['', /is empty/],
    ['warp:9', /unknown kind "warp".*replay:2x/],
    ['constant', /needs a rate.*constant:50/],
    ['constant:-5', /rate must be a number of requests per second in \(0, 1000000\], got "-5"/],
    ['constant:fast', /got "fast"/],
    ['replay:0x', /positive factor like 2 or "2x"/],
    ['poisson:100,burst=0', /burstiness .* must be in \(0, 20\]/],
    ['poisson:100,jitter=2', /unknown option "jitter=2"/],
    ['concurrency:2.5', /whole number of workers/],
    ['concurrency:0', /whole number of workers/],
    ['sweep:speed:1,2', /a sweep goes over rate, concurrency, replay/],
    ['sweep:rate:', /at least one level.*sweep:rate:10,100,1000/],
    ['sweep:rate:100,10', /levels must increase/],
    ['sweep:rate:10,100,error=2', /stop error rate is a fraction from 0 to 1/],
    ['sweep:rate:10,slow=3', /unknown sweep option "slow=3"/],
    [42, /must be a string like/],
    [null, /must be a string like/],
    [
      { rate: 5 },
      /kind: must be one of replay, constant, poisson, concurrency, sweep; got nothing/,
    ],
    [{ kind: 'constant' }, /rate: is required/],
    [
      { kind: 'constant', rate: 5, burstiness: 2 },
      /burstiness: unknown field; a constant model takes rate/,
    ],
    [{ kind: 'sweep', over: 'rate', levels: 10 }, /levels: must be a list/],
    [{ kind: 'sweep', over: 'rate', levels: [1, 2], stop: { p95: 3 } }, /stop\.p95: unknown field/],
  ])('rejects %j with a clear message', (input, message) => {
    expect(() => parseLoadModel(input)).toThrow(LoadModelError);
    expect(() => parseLoadModel(input)).toThrow(message);
  });

  it('names the offending field on the error', () => {
    try {
      parseLoadModel({ kind: 'poisson', rate: 10, burstiness: -1 });
      expect.unreachable();
    } catch (error) {
      expect((error as LoadModelError).field).toBe('burstiness');
    }
  });
});

describe('formatLoadModel', () => {
  it.each([
    'replay:2.5x',
    'constant:50',
    'poisson:100',
    'poisson:100,burst=2',
    'concurrency:8',
    'sweep:replay:1x,10x,100x,error=0.05,p99=30000',
    'sweep:rate:10,100,1000,error=0.01,p99=250',
  ])('round-trips %s through parseLoadModel', (text) => {
    const model = parseLoadModel(text);
    expect(formatLoadModel(model)).toBe(text);
    expect(parseLoadModel(formatLoadModel(model))).toEqual(model);
  });
});

describe('describeLoadModel', () => {
  it('labels the closed loop as such and the others as open loop', () => {
    expect(describeLoadModel({ kind: 'concurrency', concurrency: 8 })).toMatch(/^closed loop: 8 /);
    expect(describeLoadModel({ kind: 'constant', rate: 50 })).toMatch(
      /^open loop: constant 50 req\/s/,
    );
    expect(describeLoadModel({ kind: 'poisson', rate: 5, burstiness: 1 })).toMatch(/Poisson/);
    expect(describeLoadModel({ kind: 'poisson', rate: 5, burstiness: 2 })).toMatch(/burstiness 2/);
    expect(describeLoadModel({ kind: 'replay', speed: 10 })).toMatch(/10x speed/);
  });

  it('lists sweep levels and the stop thresholds', () => {
    const text = describeLoadModel(parseLoadModel('sweep:rate:10,100,error=0.02,p99=800'));
    expect(text).toBe(
      'sweep over rate: 10 req/s, 100 req/s; stops at the first level with error rate over 2% or p99 over 800 ms',
    );
    expect(describeSweepLevel('replay', 10)).toBe('10x');
    expect(describeSweepLevel('concurrency', 4)).toBe('4 concurrent');
  });
});
