/*
 * A stored request body (redacted as stored) turned back into a playground chat: the earlier
 * messages are kept as they were and re-sent verbatim, and the last user message becomes the
 * editable prompt.
 */

/** A chat message as the playground sends it. */
export interface ChatMessage {
  role: string;
  content: unknown;
  [field: string]: unknown;
}

/** The playground's starting point for a replayed chat. */
export interface ReplayedChat {
  /** Messages before the final user message, sent unchanged. */
  history: ChatMessage[];
  /** The final user message's text. */
  prompt: string;
}

/** The text of a message's content: a string, or the text parts of a content array. */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) =>
      typeof part === 'object' &&
      part !== null &&
      (part as { type?: unknown }).type === 'text' &&
      typeof (part as { text?: unknown }).text === 'string'
        ? (part as { text: string }).text
        : '',
    )
    .filter((text) => text !== '')
    .join('\n');
}

function isMessage(value: unknown): value is ChatMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { role?: unknown }).role === 'string'
  );
}

/**
 * The chat in a stored request body, or null when there is none (body capture was off, or the
 * body has no messages). A chat that does not end with a user message replays whole as history
 * with an empty prompt, so nothing the user saw is dropped.
 */
export function chatFromRecord(request: unknown): ReplayedChat | null {
  if (typeof request !== 'object' || request === null) return null;
  const messages = (request as { messages?: unknown }).messages;
  if (!Array.isArray(messages)) return null;
  const chat = messages.filter(isMessage);
  if (chat.length === 0) return null;
  const last = chat[chat.length - 1];
  if (last !== undefined && last.role === 'user') {
    return { history: chat.slice(0, -1), prompt: messageText(last.content) };
  }
  return { history: chat, prompt: '' };
}
