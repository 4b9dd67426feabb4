import { describe, expect, it } from 'vitest';
import type { WorkspaceTarget } from '../../gateway/workspace-api/workspace-api-types.js';
import { answerCost, isSimulatedAnswer } from './answer-cost.js';

const target = (
  name: string,
  input: number,
  output: number,
  simulated = false,
): WorkspaceTarget => ({
  name,
  provider: simulated ? 'sim' : 'openai-compatible',
  model: `${name}-model`,
  simulated,
  contextWindow: 8000,
  inputPricePerMillion: input,
  outputPricePerMillion: output,
});

const TARGETS = [target('cheap', 0.5, 1.5), target('pricey', 10, 30, true)];

describe('answer cost', () => {
  it('prices usage at the answering target’s per-million input and output prices', () => {
    const usage = { promptTokens: 2000, completionTokens: 500 };
    expect(answerCost({ usage, target: 'cheap' }, TARGETS)).toBeCloseTo(0.00175, 10);
    expect(answerCost({ usage, target: 'pricey' }, TARGETS)).toBeCloseTo(0.035, 10);
  });

  it('is unknown without usage or when the answering target is not a known target', () => {
    expect(answerCost({ usage: null, target: 'cheap' }, TARGETS)).toBeNull();
    const usage = { promptTokens: 1, completionTokens: 1 };
    expect(answerCost({ usage, target: null }, TARGETS)).toBeNull();
    expect(answerCost({ usage, target: 'auto' }, TARGETS)).toBeNull();
  });

  it('labels an answer simulated by header or by its target’s flag', () => {
    expect(isSimulatedAnswer({ simulated: false, target: 'pricey' }, TARGETS)).toBe(true);
    expect(isSimulatedAnswer({ simulated: true, target: 'cheap' }, TARGETS)).toBe(true);
    expect(isSimulatedAnswer({ simulated: false, target: 'cheap' }, TARGETS)).toBe(false);
  });
});
