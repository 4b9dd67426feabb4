import type { ChatCompletion, ChatCompletionChunk } from '../core/chat-types.js';

/** Options for completionChunks. */
export interface CompletionChunksOptions {
  /** As with `stream_options.include_usage`: `usage: null` on every chunk, then a usage chunk. */
  includeUsage?: boolean;
}

/**
 * The chunk sequence a streaming client would have received for a complete answer, so a cached
 * or static answer can be served to a streaming request. Per choice: a role chunk, one content
 * chunk (and one tool-call chunk per call) when there is any, and a finish chunk; then, with
 * includeUsage, the usage chunk with empty choices. The caller writes them as SSE and ends with
 * `data: [DONE]`.
 */
export function completionChunks(
  completion: ChatCompletion,
  options: CompletionChunksOptions = {},
): ChatCompletionChunk[] {
  const includeUsage = options.includeUsage === true;
  const frame = (choices: ChatCompletionChunk['choices']): ChatCompletionChunk => ({
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
    system_fingerprint: completion.system_fingerprint ?? null,
    choices,
    ...(includeUsage ? { usage: null } : {}),
  });
  const chunks: ChatCompletionChunk[] = [];
  for (const choice of completion.choices) {
    const { index, message } = choice;
    chunks.push(
      frame([
        { index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      ]),
    );
    if (message.content !== null && message.content !== '') {
      chunks.push(
        frame([
          { index, delta: { content: message.content }, logprobs: null, finish_reason: null },
        ]),
      );
    }
    if (message.refusal != null && message.refusal !== '') {
      chunks.push(
        frame([
          { index, delta: { refusal: message.refusal }, logprobs: null, finish_reason: null },
        ]),
      );
    }
    for (const [callIndex, call] of (message.tool_calls ?? []).entries()) {
      const toolCall = {
        index: callIndex,
        id: call.id,
        type: 'function' as const,
        function: { name: call.function.name, arguments: call.function.arguments },
      };
      chunks.push(
        frame([{ index, delta: { tool_calls: [toolCall] }, logprobs: null, finish_reason: null }]),
      );
    }
    chunks.push(frame([{ index, delta: {}, logprobs: null, finish_reason: choice.finish_reason }]));
  }
  if (includeUsage) {
    const usage = completion.usage ?? { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    chunks.push({ ...frame([]), usage });
  }
  return chunks;
}
