import { describe, expect, it } from 'vitest';
import { playgroundLinkForPrompt, promptFromSearch } from './playground-link.js';

describe('handing a prompt to the playground by URL', () => {
  it('round-trips a prompt with spaces, symbols and new lines, and names its source', () => {
    const prompt = 'Is 2 + 2 = 4?\nAnswer & explain (100% sure) #math';
    const link = playgroundLinkForPrompt(prompt, { run: 'nightly', entry: 'case/7' });
    expect(link.startsWith('/playground?')).toBe(true);
    expect(promptFromSearch(link.slice('/playground'.length))).toEqual({
      prompt,
      source: 'entry case/7 of run nightly',
    });
  });

  it('carries no prompt when the URL has none or an empty one', () => {
    expect(promptFromSearch('')).toBeNull();
    expect(promptFromSearch('?replay=abc')).toBeNull();
    expect(promptFromSearch('?prompt=%20%20')).toBeNull();
    expect(promptFromSearch('?prompt=hi')).toEqual({ prompt: 'hi', source: 'a link' });
  });
});
