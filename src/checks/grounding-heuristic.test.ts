import { describe, expect, it } from 'vitest';
import { contentWords, findUnsupportedClaims, splitClaims } from './grounding-heuristic.js';

const CONTEXT =
  'Refunds are processed within 5 business days. Orders shipped to Canada incur a customs fee. ' +
  'Customers can cancel an order before it ships.';
const contextWords = new Set(contentWords(CONTEXT));

describe('splitClaims', () => {
  it('splits sentences and list items, and leaves out questions and code', () => {
    expect(
      splitClaims(
        'Refunds take 5 days. Version 3.5 is out!\n- First item\n2. Second item\nAnything else?\n```\ncode here\n```',
      ),
    ).toEqual(['Refunds take 5 days.', 'Version 3.5 is out!', 'First item', 'Second item']);
  });
});

describe('contentWords', () => {
  it('drops stop words and stems plurals and tenses so forms meet', () => {
    expect(contentWords('The refunds were processed')).toEqual(['refund', 'process']);
    expect(contentWords('refund processing')).toEqual(['refund', 'process']);
  });

  it('keeps numbers whatever their length', () => {
    expect(contentWords('in 5 days')).toEqual(['5', 'day']);
  });
});

describe('findUnsupportedClaims', () => {
  it.each([
    ['a paraphrase of the context', 'Your refund is processed within 5 business days.', 0],
    [
      'two supported claims',
      'Orders shipped to Canada incur a customs fee. You can cancel before it ships.',
      0,
    ],
    [
      'an invented fact',
      'Refunds are processed within 5 business days. Shipping to Mars is free for members.',
      1,
    ],
    ['a wrong number', 'Refunds are processed within 30 calendar weeks.', 1],
  ])('finds the unsupported claims in %s', (_label, answer, unsupported) => {
    expect(findUnsupportedClaims(answer, contextWords).unsupported).toHaveLength(unsupported);
  });

  it('names the unsupported claim', () => {
    const result = findUnsupportedClaims(
      'Refunds are processed within 5 business days. Shipping to Mars is free for members.',
      contextWords,
    );
    expect(result).toEqual({ checked: 2, unsupported: ['Shipping to Mars is free for members.'] });
  });

  it('does not check claims too short to judge', () => {
    expect(findUnsupportedClaims('Yes. Sure, here it is:', contextWords).checked).toBe(0);
  });
});
