import {
  DEFAULT_SWEEP_STOP,
  LOAD_MODEL_LIMITS,
  type LoadModel,
  type SweepModel,
  type SweepStop,
} from './load-model.js';
import { LoadModelError } from './load-model-error.js';

const KINDS = ['replay', 'constant', 'poisson', 'concurrency', 'sweep'] as const;
const SWEEP_OVER = ['rate', 'concurrency', 'replay'] as const;

const STRING_FORMS =
  '"replay", "replay:2x", "constant:50", "poisson:100", "poisson:100,burst=2", "concurrency:8", ' +
  '"sweep:rate:10,100,1000" (optionally ",error=0.05,p99=2000")';

/**
 * Read a load model from its string form (`replay:2x`, `constant:50`, `poisson:100,burst=2`,
 * `concurrency:8`, `sweep:rate:10,100,1000,error=0.05,p99=2000`) or from an object as written in
 * eval.yaml (`{ kind: poisson, rate: 100, burstiness: 2 }`). Throws LoadModelError naming the
 * field and the accepted forms.
 */
export function parseLoadModel(input: unknown): LoadModel {
  if (typeof input === 'string') return parseLoadModelString(input);
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    return parseLoadModelObject(input as Record<string, unknown>);
  }
  throw new LoadModelError(
    `load model must be a string like ${STRING_FORMS} or an object with a "kind", got ${describeValue(input)}`,
  );
}

function parseLoadModelString(text: string): LoadModel {
  const trimmed = text.trim();
  const fail = (message: string, field = ''): never => {
    throw new LoadModelError(`load model "${trimmed}": ${message}`, field);
  };
  if (trimmed === '') fail(`is empty; use one of ${STRING_FORMS}`);
  const colon = trimmed.indexOf(':');
  const kind = (colon === -1 ? trimmed : trimmed.slice(0, colon)).trim().toLowerCase();
  const rest = colon === -1 ? '' : trimmed.slice(colon + 1).trim();
  switch (kind) {
    case 'replay':
      return { kind, speed: rest === '' ? 1 : speedOf(rest, 'speed', fail) };
    case 'constant':
      if (rest === '') fail('needs a rate, e.g. "constant:50" for 50 req/s', 'rate');
      return { kind, rate: rateOf(rest, 'rate', fail) };
    case 'poisson': {
      const [rateText = '', ...options] = rest.split(',').map((part) => part.trim());
      if (rateText === '')
        fail('needs a rate, e.g. "poisson:100" or "poisson:100,burst=2"', 'rate');
      let burstiness = 1;
      for (const option of options) {
        const [key = '', value = ''] = splitOption(option);
        if (key !== 'burst' && key !== 'burstiness') {
          fail(`unknown option "${option}"; the only option is burst=N (e.g. burst=2)`, key);
        }
        burstiness = burstinessOf(value, fail);
      }
      return { kind, rate: rateOf(rateText, 'rate', fail), burstiness };
    }
    case 'concurrency':
      if (rest === '') fail('needs a number of workers, e.g. "concurrency:8"', 'concurrency');
      return { kind, concurrency: concurrencyOf(rest, 'concurrency', fail) };
    case 'sweep':
      return parseSweepString(rest, fail);
    default:
      return fail(`unknown kind "${kind}"; use one of ${STRING_FORMS}`, 'kind');
  }
}

type Fail = (message: string, field?: string) => never;

function parseSweepString(rest: string, fail: Fail): SweepModel {
  const colon = rest.indexOf(':');
  const over = (colon === -1 ? rest : rest.slice(0, colon)).trim().toLowerCase();
  if (!isOneOf(over, SWEEP_OVER)) {
    return fail(
      `a sweep goes over ${SWEEP_OVER.join(', ')}, e.g. "sweep:rate:10,100,1000" or "sweep:replay:1x,10x,100x"; got "${over}"`,
      'over',
    );
  }
  const parts = (colon === -1 ? '' : rest.slice(colon + 1))
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const levelTexts = parts.filter((part) => !part.includes('='));
  const stop: SweepStop = { ...DEFAULT_SWEEP_STOP };
  for (const option of parts.filter((part) => part.includes('='))) {
    const [key = '', value = ''] = splitOption(option);
    if (key === 'error' || key === 'error_rate' || key === 'errorrate') {
      stop.errorRate = errorRateOf(value, fail);
    } else if (key === 'p99' || key === 'p99_ms' || key === 'p99ms') {
      stop.p99Ms = p99Of(value, fail);
    } else {
      fail(`unknown sweep option "${option}"; the options are error=FRACTION and p99=MS`, key);
    }
  }
  const levels = levelTexts.map((text) => levelOf(over, text, fail));
  return { kind: 'sweep', over, levels: checkLevels(levels, over, fail), stop };
}

function parseLoadModelObject(object: Record<string, unknown>): LoadModel {
  const kind = object.kind;
  const fail: Fail = (message, field = '') => {
    throw new LoadModelError(
      `load model${typeof kind === 'string' ? ` (${kind})` : ''}: ${field === '' ? '' : `${field}: `}${message}`,
      field,
    );
  };
  if (typeof kind !== 'string' || !isOneOf(kind, KINDS)) {
    return fail(`must be one of ${KINDS.join(', ')}; got ${describeValue(kind)}`, 'kind');
  }
  const allowed: Record<(typeof KINDS)[number], string[]> = {
    replay: ['speed'],
    constant: ['rate'],
    poisson: ['rate', 'burstiness'],
    concurrency: ['concurrency'],
    sweep: ['over', 'levels', 'stop'],
  };
  for (const key of Object.keys(object)) {
    if (key !== 'kind' && !allowed[kind].includes(key)) {
      const expected = allowed[kind].join(', ');
      fail(`unknown field; a ${kind} model takes ${expected}`, key);
    }
  }
  switch (kind) {
    case 'replay':
      return {
        kind,
        speed: object.speed === undefined ? 1 : speedOf(object.speed, 'speed', fail),
      };
    case 'constant':
      return { kind, rate: rateOf(required(object, 'rate', fail), 'rate', fail) };
    case 'poisson':
      return {
        kind,
        rate: rateOf(required(object, 'rate', fail), 'rate', fail),
        burstiness: object.burstiness === undefined ? 1 : burstinessOf(object.burstiness, fail),
      };
    case 'concurrency':
      return {
        kind,
        concurrency: concurrencyOf(required(object, 'concurrency', fail), 'concurrency', fail),
      };
    case 'sweep':
      return parseSweepObject(object, fail);
  }
}

function parseSweepObject(object: Record<string, unknown>, fail: Fail): SweepModel {
  const over = object.over;
  if (typeof over !== 'string' || !isOneOf(over, SWEEP_OVER)) {
    return fail(`must be one of ${SWEEP_OVER.join(', ')}; got ${describeValue(over)}`, 'over');
  }
  const rawLevels = object.levels;
  if (!Array.isArray(rawLevels)) {
    return fail(`must be a list, e.g. [10, 100, 1000]; got ${describeValue(rawLevels)}`, 'levels');
  }
  const levels = rawLevels.map((level, index) => levelOf(over, level, fail, `levels[${index}]`));
  const stop: SweepStop = { ...DEFAULT_SWEEP_STOP };
  const rawStop = object.stop;
  if (rawStop !== undefined) {
    if (typeof rawStop !== 'object' || rawStop === null || Array.isArray(rawStop)) {
      return fail(`must be an object like { errorRate: 0.05, p99Ms: 2000 }`, 'stop');
    }
    for (const [key, value] of Object.entries(rawStop as Record<string, unknown>)) {
      if (key === 'errorRate' || key === 'error_rate') stop.errorRate = errorRateOf(value, fail);
      else if (key === 'p99Ms' || key === 'p99_ms') stop.p99Ms = p99Of(value, fail);
      else
        fail(
          'unknown field; stop takes errorRate (or error_rate) and p99Ms (or p99_ms)',
          `stop.${key}`,
        );
    }
  }
  return { kind: 'sweep', over, levels: checkLevels(levels, over, fail), stop };
}

function checkLevels(levels: number[], over: SweepModel['over'], fail: Fail): number[] {
  if (levels.length === 0) {
    const example = over === 'replay' ? '1x,10x,100x' : over === 'rate' ? '10,100,1000' : '1,4,16';
    fail(`a sweep needs at least one level, e.g. "sweep:${over}:${example}"`, 'levels');
  }
  if (levels.length > LOAD_MODEL_LIMITS.maxSweepLevels) {
    fail(`at most ${LOAD_MODEL_LIMITS.maxSweepLevels} levels, got ${levels.length}`, 'levels');
  }
  for (let index = 1; index < levels.length; index++) {
    if ((levels[index] as number) <= (levels[index - 1] as number)) {
      fail(
        `levels must increase (the sweep stops at the first saturated level); got ${levels.join(', ')}`,
        'levels',
      );
    }
  }
  return levels;
}

function levelOf(over: SweepModel['over'], value: unknown, fail: Fail, field = 'levels'): number {
  if (over === 'rate') return rateOf(value, field, fail);
  if (over === 'replay') return speedOf(value, field, fail);
  return concurrencyOf(value, field, fail);
}

function required(object: Record<string, unknown>, key: string, fail: Fail): unknown {
  if (object[key] === undefined) fail('is required', key);
  return object[key];
}

function numberOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const parsed = Number(value.trim());
  return Number.isFinite(parsed) ? parsed : null;
}

function rateOf(value: unknown, field: string, fail: Fail): number {
  const text = typeof value === 'string' ? value.trim().replace(/(rps|\/s)$/i, '') : value;
  const rate = numberOf(text);
  if (rate === null || rate <= 0 || rate > LOAD_MODEL_LIMITS.maxRate) {
    return fail(
      `a rate must be a number of requests per second in (0, ${LOAD_MODEL_LIMITS.maxRate}], got ${describeValue(value)}`,
      field,
    );
  }
  return rate;
}

function speedOf(value: unknown, field: string, fail: Fail): number {
  const text = typeof value === 'string' ? value.trim().replace(/x$/i, '') : value;
  const speed = numberOf(text);
  if (speed === null || speed <= 0 || speed > LOAD_MODEL_LIMITS.maxSpeed) {
    return fail(
      `a replay speed must be a positive factor like 2 or "2x" (at most ${LOAD_MODEL_LIMITS.maxSpeed}), got ${describeValue(value)}`,
      field,
    );
  }
  return speed;
}

function burstinessOf(value: unknown, fail: Fail): number {
  const burstiness = numberOf(value);
  if (burstiness === null || burstiness <= 0 || burstiness > LOAD_MODEL_LIMITS.maxBurstiness) {
    return fail(
      `burstiness is the coefficient of variation of the gaps between arrivals: 1 is Poisson, more is burstier, less is smoother; it must be in (0, ${LOAD_MODEL_LIMITS.maxBurstiness}], got ${describeValue(value)} (use constant:RATE for evenly spaced arrivals)`,
      'burstiness',
    );
  }
  return burstiness;
}

function concurrencyOf(value: unknown, field: string, fail: Fail): number {
  const concurrency = numberOf(value);
  if (
    concurrency === null ||
    !Number.isInteger(concurrency) ||
    concurrency < 1 ||
    concurrency > LOAD_MODEL_LIMITS.maxConcurrency
  ) {
    return fail(
      `a concurrency must be a whole number of workers from 1 to ${LOAD_MODEL_LIMITS.maxConcurrency}, got ${describeValue(value)}`,
      field,
    );
  }
  return concurrency;
}

function errorRateOf(value: unknown, fail: Fail): number {
  const rate = numberOf(value);
  if (rate === null || rate < 0 || rate > 1) {
    return fail(
      `the stop error rate is a fraction from 0 to 1 (0.05 = 5%), got ${describeValue(value)}`,
      'stop.errorRate',
    );
  }
  return rate;
}

function p99Of(value: unknown, fail: Fail): number {
  const text = typeof value === 'string' ? value.trim().replace(/ms$/i, '') : value;
  const ms = numberOf(text);
  if (ms === null || ms <= 0) {
    return fail(
      `the stop p99 is a positive number of milliseconds, got ${describeValue(value)}`,
      'stop.p99Ms',
    );
  }
  return ms;
}

function splitOption(option: string): [string, string] {
  const equals = option.indexOf('=');
  if (equals === -1) return [option.trim().toLowerCase(), ''];
  return [option.slice(0, equals).trim().toLowerCase(), option.slice(equals + 1).trim()];
}

function isOneOf<T extends string>(value: string, options: readonly T[]): value is T {
  return (options as readonly string[]).includes(value);
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}
