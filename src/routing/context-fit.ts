import type { ChatMessage } from '../core/chat-types.js';
import {
  countMessageTokens,
  countTextTokens,
  MESSAGE_OVERHEAD_TOKENS,
  REPLY_PRIMING_TOKENS,
} from './classify/token-counter.js';

/** How to fit a conversation into a target's window. */
export interface FitContextOptions {
  /** The target's context window. */
  windowTokens: number;
  /** Left free for the answer. Tool definitions count against the window too: add them here. */
  reserveOutputTokens: number;
  /** Most recent turns never dropped; the last turn is always kept even when this is 0. */
  keepLastTurns: number;
  strategy: 'drop_oldest' | 'summarize';
  /** Summarizes dropped messages, for `summarize`. Without it, `summarize` drops. */
  summarize?: (dropped: ChatMessage[]) => Promise<string>;
}

/** A fitted conversation and what was done to it. */
export interface FitContextResult {
  messages: ChatMessage[];
  droppedTurns: number;
  summarized: boolean;
  /** One line for the request log; null when nothing changed. */
  note: string | null;
}

/** Prefix of the system message that replaces summarized turns. */
export const SUMMARY_PREFIX = 'Summary of earlier conversation: ';

interface Turn {
  /** Indices of the turn's messages, system and developer messages excluded (they stay). */
  indices: number[];
  tokens: number;
}

/**
 * Make a conversation fit `windowTokens - reserveOutputTokens`.
 *
 * System and developer messages always stay. Everything else is grouped into turns: a turn
 * starts at a user message and runs until the next one, so an assistant's tool calls and the
 * tool results answering them are always dropped or kept together (an orphaned tool result is a
 * 400 at every provider). The oldest turns outside the last `keepLastTurns` are dropped until
 * the rest fits. With `summarize`, the dropped turns are replaced by one system message with a
 * summary; if that summary does not fit or the summarizer fails, the plain drop stands.
 *
 * When even that is too long, what is left is returned; the upstream then reports
 * context_length_exceeded and the route moves on.
 */
export async function fitContext(
  messages: ChatMessage[],
  options: FitContextOptions,
): Promise<FitContextResult> {
  const budget = options.windowTokens - options.reserveOutputTokens - REPLY_PRIMING_TOKENS;
  const costs = messages.map(countMessageTokens);
  let total = costs.reduce((sum, cost) => sum + cost, 0);
  if (total <= budget) return { messages, droppedTurns: 0, summarized: false, note: null };

  const turns = groupTurns(messages, costs);
  const protectedTurns = Math.max(1, options.keepLastTurns);
  const droppable = Math.max(0, turns.length - protectedTurns);
  let dropCount = 0;
  while (dropCount < droppable && total > budget) {
    total -= turns[dropCount]?.tokens ?? 0;
    dropCount++;
  }
  const droppedTokens = (count: number): number =>
    turns.slice(0, count).reduce((sum, turn) => sum + turn.tokens, 0);
  const window = `${options.windowTokens}-token window (${options.reserveOutputTokens} reserved for output)`;
  const overBy = total > budget ? `; still ${total - budget} tokens over` : '';
  const plainDrop: FitContextResult = {
    messages: without(messages, turns, dropCount, null),
    droppedTurns: dropCount,
    summarized: false,
    note:
      dropCount > 0
        ? `dropped ${plural(dropCount, 'oldest turn')} (${droppedTokens(dropCount)} tokens) to fit ${window}${overBy}`
        : `cannot fit ${window}: ${total - budget} tokens over with nothing left to drop`,
  };
  if (options.strategy !== 'summarize' || !options.summarize || dropCount === 0 || total > budget)
    return plainDrop;

  /*
   * The summary costs tokens too, so it may push the rest back over the budget. Then drop one more
   * turn at a time (while any are droppable) and summarize the larger set once more; two
   * summarizer calls at most, because each one is a round trip on the request's critical path.
   */
  let summaryCount = dropCount;
  for (let call = 0; call < 2; call++) {
    let summary: string;
    try {
      summary = (await options.summarize(droppedMessages(messages, turns, summaryCount))).trim();
    } catch (error) {
      return {
        ...plainDrop,
        note: `${plainDrop.note}; summarizer failed: ${(error as Error).message}`,
      };
    }
    const summaryTokens = countTextTokens(SUMMARY_PREFIX + summary) + MESSAGE_OVERHEAD_TOKENS;
    let rest = costs.reduce((sum, cost) => sum + cost, 0) - droppedTokens(summaryCount);
    if (rest + summaryTokens <= budget) {
      return {
        messages: without(messages, turns, summaryCount, `${SUMMARY_PREFIX}${summary}`),
        droppedTurns: summaryCount,
        summarized: true,
        note: `summarized ${plural(summaryCount, 'oldest turn')} (${droppedTokens(summaryCount)} tokens) into ${summaryTokens} tokens to fit ${window}`,
      };
    }
    const before = summaryCount;
    while (summaryCount < droppable && rest + summaryTokens > budget) {
      rest -= turns[summaryCount]?.tokens ?? 0;
      summaryCount++;
    }
    if (summaryCount === before) break;
  }
  return { ...plainDrop, note: `${plainDrop.note}; the summary did not fit` };
}

function groupTurns(messages: ChatMessage[], costs: number[]): Turn[] {
  const turns: Turn[] = [];
  let current: Turn | null = null;
  for (const [index, message] of messages.entries()) {
    if (message.role === 'system' || message.role === 'developer') continue;
    if (message.role === 'user' || current === null) {
      current = { indices: [], tokens: 0 };
      turns.push(current);
    }
    current.indices.push(index);
    current.tokens += costs[index] ?? 0;
  }
  return turns;
}

function droppedMessages(messages: ChatMessage[], turns: Turn[], count: number): ChatMessage[] {
  const dropped: ChatMessage[] = [];
  for (const turn of turns.slice(0, count)) {
    for (const index of turn.indices) {
      const message = messages[index];
      if (message) dropped.push(message);
    }
  }
  return dropped;
}

/** The conversation without the first `count` turns, with the summary where they began. */
function without(
  messages: ChatMessage[],
  turns: Turn[],
  count: number,
  summary: string | null,
): ChatMessage[] {
  if (count === 0) return messages;
  const dropped = new Set(turns.slice(0, count).flatMap((turn) => turn.indices));
  const firstDropped = turns[0]?.indices[0] ?? 0;
  const kept: ChatMessage[] = [];
  messages.forEach((message, index) => {
    if (index === firstDropped && summary !== null) kept.push({ role: 'system', content: summary });
    if (!dropped.has(index)) kept.push(message);
  });
  return kept;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
