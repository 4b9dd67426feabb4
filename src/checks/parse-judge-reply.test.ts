import { describe, expect, it } from 'vitest';
import { parseGroundingVerdict, parseJudgeReason, parseJudgeScore } from './parse-judge-reply.js';

describe('parseJudgeScore', () => {
  it.each([
    ['the JSON we ask for', '{"score": 4, "reason": "mostly right"}', 0.75],
    ['JSON in a code fence', '```json\n{"score": 5}\n```', 1],
    ['a quoted number in JSON', '{"score": "2"}', 0.25],
    ['a labelled fraction out of 5', 'Score: 4/5\nThe answer is fine.', 0.75],
    ['markdown bold label', '**Score:** 3', 0.5],
    ['out of 10', 'Rating: 8 out of 10', 0.8],
    ['a bare fraction', 'I would give it 7/10.', 0.7],
    ['a bare integer', '5', 1],
    ['a bare 1 (the worst rubric grade)', '1', 0],
    ['a bold bare integer', '**2**', 0.25],
    ['a decimal on 0..1', 'score = 0.85', 0.85],
    ['zero', 'Score: 0', 0],
    ['a percentage', 'Score: 90', 0.9],
    ['0 out of 5', 'score: 0/5', 0],
  ])('reads %s', (_label, reply, expected) => {
    expect(parseJudgeScore(reply)).toBeCloseTo(expected, 10);
  });

  it.each([
    ['prose without a score', 'The answer is good and complete.'],
    ['an empty reply', ''],
    ['a score above its scale', 'Score: 7/5'],
    ['a negative score', 'Score: -2'],
    ['an out-of-range number', 'Score: 250'],
  ])('refuses %s', (_label, reply) => {
    expect(parseJudgeScore(reply)).toBeNull();
  });

  it('prefers the labelled score over other numbers in the reply', () => {
    expect(parseJudgeScore('The answer lists 3 of the 10 steps.\nScore: 2')).toBeCloseTo(0.25, 10);
  });
});

describe('parseJudgeReason', () => {
  it('reads a JSON reason with escapes, or a Reason line', () => {
    expect(parseJudgeReason('{"score": 2, "reason": "misses the \\"refund\\" step"}')).toBe(
      'misses the "refund" step',
    );
    expect(parseJudgeReason('Score: 2\nReason: too vague')).toBe('too vague');
    expect(parseJudgeReason('Score: 2')).toBeNull();
  });
});

describe('parseGroundingVerdict', () => {
  it('reads the format we ask for', () => {
    expect(
      parseGroundingVerdict(
        'VERDICT: UNSUPPORTED\nSCORE: 0.5\nUNSUPPORTED CLAIMS:\n- The fee is $30.\n- Refunds take 2 days.',
      ),
    ).toEqual({
      supported: false,
      score: 0.5,
      claims: ['The fee is $30.', 'Refunds take 2 days.'],
    });
  });

  it('reads a supported verdict with "- none"', () => {
    expect(
      parseGroundingVerdict('VERDICT: SUPPORTED\nSCORE: 1\nUNSUPPORTED CLAIMS:\n- none'),
    ).toEqual({
      supported: true,
      score: 1,
      claims: [],
    });
  });

  it.each([
    ['not supported', 'Verdict: not supported', false],
    ['partially supported', '**Verdict:** Partially supported', false],
    ['a bare verdict word', 'Supported.', true],
    ['a lower-case verdict', 'verdict: unsupported', false],
  ])('treats %s as supported=%s', (_label, reply, supported) => {
    expect(parseGroundingVerdict(reply)?.supported).toBe(supported);
  });

  it('reads percentages and numbered claims', () => {
    const verdict = parseGroundingVerdict(
      'VERDICT: UNSUPPORTED\nSCORE: 60%\nUNSUPPORTED CLAIMS:\n1. Paris has 20 million people\n2) It rains daily\n\nOther notes.',
    );
    expect(verdict?.score).toBeCloseTo(0.6, 10);
    expect(verdict?.claims).toEqual(['Paris has 20 million people', 'It rains daily']);
  });

  it('returns null without a verdict', () => {
    expect(parseGroundingVerdict('I cannot tell.')).toBeNull();
  });
});
