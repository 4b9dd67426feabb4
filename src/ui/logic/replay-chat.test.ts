import { describe, expect, it } from 'vitest';
import { chatFromRecord, messageText } from './replay-chat.js';

describe('replaying a stored chat', () => {
  it('keeps earlier messages as history and makes the last user message the prompt', () => {
    const chat = chatFromRecord({
      model: 'auto',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Summarize' },
            { type: 'image_url', image_url: { url: 'x' } },
            { type: 'text', text: 'this' },
          ],
        },
      ],
    });
    expect(chat?.history.map((message) => message.role)).toEqual(['system', 'user', 'assistant']);
    expect(chat?.prompt).toBe('Summarize\nthis');
  });

  it('returns nothing when the body was not captured or holds no chat', () => {
    expect(chatFromRecord(null)).toBeNull();
    expect(chatFromRecord({ messages: [] })).toBeNull();
    expect(chatFromRecord({ prompt: 'legacy' })).toBeNull();
  });

  it('replays a chat that ends with an assistant turn whole, with an empty prompt', () => {
    expect(
      chatFromRecord({
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b' },
        ],
      }),
    ).toEqual({
      history: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
      ],
      prompt: '',
    });
    expect(messageText(42)).toBe('');
  });
});
