import { type CanaryGate, CanaryGateError, parseCanaryGates } from './canary-gates.js';

/** A route's canary block as configured (normalised names; see docs/rollout.md for the YAML). */
export interface CanarySettingsInput {
  /** The candidate target. */
  target: string;
  /** The seed's single share; alone it means `steps: [percentage]`. */
  percentage?: number | null;
  steps?: number[] | null;
  intervalMs?: number | null;
  minSamples?: number | null;
  windowMs?: number | null;
  gates?: string[] | null;
  /** The seed's name for gates; both lists are used when both are given. */
  criteria?: string[] | null;
  webhookUrl?: string | null;
  /** A judge target grading a sample of both arms' answers for the quality gates. */
  judge?: CanaryJudgeSettingsInput | null;
}

/** A canary's judge block as configured (normalised names). */
export interface CanaryJudgeSettingsInput {
  /** The target that grades answers. */
  target: string;
  /** Share of served answers graded, 0..1. */
  sampleRate?: number | null;
  /** What a good answer is; null for the built-in rubric. */
  rubric?: string | null;
  timeoutMs?: number | null;
  /** Grading calls in flight at once per route; beyond, sampled answers are dropped. */
  maxConcurrent?: number | null;
}

/** A canary judge with every default filled in. */
export interface CanaryJudgeSettings {
  target: string;
  sampleRate: number;
  rubric: string;
  timeoutMs: number;
  maxConcurrent: number;
}

/** Everything createCanaryController needs from configuration. */
export interface CanarySettings {
  candidate: string;
  steps: number[];
  intervalMs: number;
  minSamples: number;
  windowMs: number;
  gates: CanaryGate[];
  webhookUrl: string | null;
  /** Null when the canary has no judge. */
  judge: CanaryJudgeSettings | null;
}

/** Defaults for what a canary block leaves out. */
export const CANARY_DEFAULTS = Object.freeze({
  intervalMs: 60_000,
  minSamples: 50,
  windowMs: 300_000,
});

/** Defaults for what a canary's judge block leaves out. */
export const CANARY_JUDGE_DEFAULTS = Object.freeze({
  sampleRate: 0.1,
  timeoutMs: 5_000,
  maxConcurrent: 4,
  rubric: [
    "The answer addresses the user's last message correctly, completely and directly.",
    'It states nothing false or made up, follows any instructions in the conversation,',
    'and does not refuse a reasonable request.',
  ].join(' '),
});

/**
 * Turn a canary block into controller settings: the seed's `{model, percentage, criteria}`
 * (converted to `{target, percentage, criteria}`) and the full form with steps both resolve here.
 * Throws CanaryGateError for unreadable gates and RangeError for inconsistent steps.
 */
export function resolveCanarySettings(input: CanarySettingsInput): CanarySettings {
  const percentage = input.percentage ?? null;
  const configured = input.steps ?? null;
  let steps: number[];
  if (configured && configured.length > 0) {
    if (percentage !== null && percentage !== configured[0]) {
      throw new RangeError(
        `canary percentage ${percentage} conflicts with steps [${configured.join(', ')}]; the first step is the starting percentage`,
      );
    }
    steps = [...configured];
  } else if (percentage !== null && percentage > 0) {
    steps = [percentage];
  } else {
    throw new RangeError('a canary needs steps or a percentage above 0');
  }
  const texts = [...(input.criteria ?? []), ...(input.gates ?? [])];
  let gates: CanaryGate[];
  try {
    gates = parseCanaryGates(texts);
  } catch (error) {
    if (error instanceof CanaryGateError) {
      throw new CanaryGateError(`canary of ${input.target}: ${error.message}`);
    }
    throw error;
  }
  return {
    candidate: input.target,
    steps,
    intervalMs: input.intervalMs ?? CANARY_DEFAULTS.intervalMs,
    minSamples: input.minSamples ?? CANARY_DEFAULTS.minSamples,
    windowMs: input.windowMs ?? CANARY_DEFAULTS.windowMs,
    gates,
    webhookUrl: input.webhookUrl ?? null,
    judge: input.judge ? resolveJudge(input.judge) : null,
  };
}

function resolveJudge(input: CanaryJudgeSettingsInput): CanaryJudgeSettings {
  const judge = {
    target: input.target,
    sampleRate: input.sampleRate ?? CANARY_JUDGE_DEFAULTS.sampleRate,
    rubric: input.rubric ?? CANARY_JUDGE_DEFAULTS.rubric,
    timeoutMs: input.timeoutMs ?? CANARY_JUDGE_DEFAULTS.timeoutMs,
    maxConcurrent: input.maxConcurrent ?? CANARY_JUDGE_DEFAULTS.maxConcurrent,
  };
  if (!(judge.sampleRate >= 0 && judge.sampleRate <= 1)) {
    throw new RangeError(`canary judge sample rate ${judge.sampleRate} is not within 0..1`);
  }
  if (!(judge.timeoutMs > 0)) throw new RangeError('canary judge timeout must be above 0');
  if (!Number.isInteger(judge.maxConcurrent) || judge.maxConcurrent < 1) {
    throw new RangeError('canary judge max_concurrent must be an integer >= 1');
  }
  return judge;
}
