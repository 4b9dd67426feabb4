import type { ChatCompletion, ChatCompletionChunk, Usage } from '../../core/chat-types.js';
import type { SimPlan } from './sim-engine.js';

const SYSTEM_FINGERPRINT = 'fp_switchyard_sim';

/** What every chunk of one answer shares. */
export interface SimChunkFrame {
  plan: SimPlan;
  model: string;
  /** Unix seconds. */
  created: number;
  /** With `stream_options.include_usage`, OpenAI adds `usage: null` to every chunk but the last. */
  includeUsage: boolean;
}

/** The usage OpenAI reports for a plan. */
export function simUsage(plan: SimPlan): Usage {
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: plan.completionTokens,
    total_tokens: plan.promptTokens + plan.completionTokens,
  };
}

/** The non-streaming answer, shaped exactly like OpenAI's. */
export function simCompletion(plan: SimPlan, model: string, created: number): ChatCompletion {
  const message: ChatCompletion['choices'][number]['message'] = plan.toolCall
    ? { role: 'assistant', content: null, tool_calls: [plan.toolCall], refusal: null }
    : { role: 'assistant', content: plan.text ?? '', refusal: null };
  return {
    id: plan.id,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: plan.finishReason }],
    usage: simUsage(plan),
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
}

/**
 * The first chunk: the role, and for a tool call the call's id and name with empty arguments,
 * as OpenAI sends them.
 */
export function simRoleChunk(frame: SimChunkFrame): ChatCompletionChunk {
  const call = frame.plan.toolCall;
  return chunk(
    frame,
    call
      ? {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              index: 0,
              id: call.id,
              type: 'function',
              function: { name: call.function.name, arguments: '' },
            },
          ],
          refusal: null,
        }
      : { role: 'assistant', content: '', refusal: null },
    null,
  );
}

/** The chunk carrying piece `index` (a token of text or a fragment of tool arguments). */
export function simPieceChunk(frame: SimChunkFrame, index: number): ChatCompletionChunk {
  const piece = frame.plan.pieces[index] ?? '';
  return chunk(
    frame,
    frame.plan.toolCall
      ? { tool_calls: [{ index: 0, function: { arguments: piece } }] }
      : { content: piece },
    null,
  );
}

/** The chunk with an empty delta and the finish reason. */
export function simFinishChunk(frame: SimChunkFrame): ChatCompletionChunk {
  return chunk(frame, {}, frame.plan.finishReason);
}

/** The trailing usage chunk: no choices, just usage. */
export function simUsageChunk(frame: SimChunkFrame): ChatCompletionChunk {
  return {
    id: frame.plan.id,
    object: 'chat.completion.chunk',
    created: frame.created,
    model: frame.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [],
    usage: simUsage(frame.plan),
  };
}

function chunk(
  frame: SimChunkFrame,
  delta: ChatCompletionChunk['choices'][number]['delta'],
  finishReason: ChatCompletionChunk['choices'][number]['finish_reason'],
): ChatCompletionChunk {
  const value: ChatCompletionChunk = {
    id: frame.plan.id,
    object: 'chat.completion.chunk',
    created: frame.created,
    model: frame.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
  if (frame.includeUsage) value.usage = null;
  return value;
}
