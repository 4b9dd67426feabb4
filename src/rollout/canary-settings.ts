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
}

/** Defaults for what a canary block leaves out. */
export const CANARY_DEFAULTS = Object.freeze({
  intervalMs: 60_000,
  minSamples: 50,
  windowMs: 300_000,
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
  };
}
