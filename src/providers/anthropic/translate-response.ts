import type { ChatCompletion, FinishReason, ToolCall, Usage } from '../../core/chat-types.js';
import type {
  AnthropicMessage,
  AnthropicStopReason,
  AnthropicUsage,
} from './anthropic-wire-types.js';

/** Map Anthropic's stop_reason to OpenAI's finish_reason. */
export function translateStopReason(
  reason: AnthropicStopReason | string | null | undefined,
): FinishReason {
  switch (reason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn (a server-tool turn the client may continue), null.
      return 'stop';
  }
}

/** Anthropic reports cached prompt tokens apart from `input_tokens`; OpenAI counts them in. */
export function translateUsage(usage: AnthropicUsage | null | undefined): Usage {
  const promptTokens =
    (usage?.input_tokens ?? 0) +
    (usage?.cache_creation_input_tokens ?? 0) +
    (usage?.cache_read_input_tokens ?? 0);
  const completionTokens = usage?.output_tokens ?? 0;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

/** JSON text of a tool_use input, as OpenAI's `arguments` carries it. */
export function toolArguments(input: unknown): string {
  return JSON.stringify(input ?? {});
}

/**
 * Translate a complete Anthropic answer. Text blocks are concatenated, tool_use blocks become
 * tool_calls; thinking and server-tool blocks have no OpenAI counterpart and are left out.
 */
export function translateResponse(
  message: AnthropicMessage,
  fallbackModel: string,
): ChatCompletion {
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const block of message.content ?? []) {
    if (block.type === 'text' && typeof block.text === 'string') {
      text += block.text;
    } else if (block.type === 'tool_use') {
      toolCalls.push({
        id: String(block.id),
        type: 'function',
        function: { name: String(block.name), arguments: toolArguments(block.input) },
      });
    }
  }
  const hasToolCalls = toolCalls.length > 0;
  return {
    id: message.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: typeof message.model === 'string' ? message.model : fallbackModel,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && hasToolCalls ? null : text,
          ...(hasToolCalls ? { tool_calls: toolCalls } : {}),
          refusal: null,
        },
        finish_reason: translateStopReason(message.stop_reason),
        logprobs: null,
      },
    ],
    usage: translateUsage(message.usage),
  };
}
