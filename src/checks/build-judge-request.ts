import { type ChatRequest, contentText } from '../core/chat-types.js';
import type { TraceEntry } from '../eval/eval-types.js';

/*
 * Each field shown to a judge is capped so one huge prompt or answer cannot blow the judge's
 * context window or the run's judge budget. The conversation keeps its end (the question being
 * answered); the answer, reference and context keep their start.
 */
const MAX_CONVERSATION_CHARS = 6_000;
const MAX_FIELD_CHARS = 8_000;
const MAX_CONTEXT_CHARS = 16_000;
const JUDGE_MAX_TOKENS = 400;

const RUBRIC_SYSTEM = [
  'You are a strict, impartial evaluator of an AI assistant answer.',
  'Grade the answer against the rubric only. Do not reward length or style the rubric does not ask for.',
  'Reply with one line of JSON and nothing else: {"score": <integer 1-5>, "reason": "<one short sentence>"}',
  'where 1 means the answer fails the rubric and 5 means it fully meets it.',
].join('\n');

const GROUNDING_SYSTEM = [
  'You check whether an answer is supported by a context.',
  'A claim is supported only when the context states it or directly implies it; general knowledge does not count.',
  'Reply in exactly this format:',
  'VERDICT: SUPPORTED or UNSUPPORTED',
  "SCORE: <share of the answer's claims that are supported, from 0 to 1>",
  'UNSUPPORTED CLAIMS:',
  '- <each unsupported claim, quoted briefly, one per line; write "- none" when there are none>',
].join('\n');

/** The judge call for a rubric check, at temperature 0. */
export function buildJudgeRequest(
  target: string,
  rubric: string,
  entry: TraceEntry,
  answer: string,
): ChatRequest {
  const parts = [
    `Rubric:\n${rubric}`,
    `Conversation:\n${renderConversation(entry)}`,
    entry.expected === null
      ? null
      : `Reference answer:\n${capStart(entry.expected, MAX_FIELD_CHARS)}`,
    entry.context === null ? null : `Context:\n${capStart(entry.context, MAX_CONTEXT_CHARS)}`,
    `Answer to grade:\n${capStart(answer, MAX_FIELD_CHARS)}`,
  ];
  return judgeRequest(target, RUBRIC_SYSTEM, parts.filter((part) => part !== null).join('\n\n'));
}

/** The judge call for a grounding check, at temperature 0. */
export function buildGroundingRequest(
  target: string,
  context: string,
  answer: string,
): ChatRequest {
  const user = `Context:\n${capStart(context, MAX_CONTEXT_CHARS)}\n\nAnswer:\n${capStart(answer, MAX_FIELD_CHARS)}`;
  return judgeRequest(target, GROUNDING_SYSTEM, user);
}

function judgeRequest(target: string, system: string, user: string): ChatRequest {
  return {
    model: target,
    temperature: 0,
    max_tokens: JUDGE_MAX_TOKENS,
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: user },
    ],
  };
}

/** `role: text` per turn, system turns included, keeping the end when it is too long. */
function renderConversation(entry: TraceEntry): string {
  const lines: string[] = [];
  for (const message of entry.request.messages) {
    lines.push(`${message.role}: ${contentText(message.content)}`);
  }
  const text = lines.join('\n');
  return text.length <= MAX_CONVERSATION_CHARS
    ? text
    : `[…]${text.slice(text.length - MAX_CONVERSATION_CHARS)}`;
}

function capStart(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}[…]`;
}
