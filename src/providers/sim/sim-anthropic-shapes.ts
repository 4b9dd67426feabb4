import type {
  ChatMessage,
  ChatRequest,
  ToolChoice,
  ToolDefinition,
} from '../../core/chat-types.js';
import type { SimPlan } from './sim-engine.js';

/** The Anthropic Messages request fields the simulator reads. */
export interface AnthropicMessagesRequest {
  model: string;
  max_tokens: number;
  messages: Array<{ role: 'user' | 'assistant'; content: string | AnthropicBlock[] }>;
  system?: string | AnthropicBlock[];
  tools?: Array<{ name: string; description?: string; input_schema?: Record<string, unknown> }>;
  tool_choice?: { type: 'auto' | 'any' | 'tool' | 'none'; name?: string };
  stream?: boolean;
}

/** A content block of an Anthropic message, loosely typed: only text-bearing fields are read. */
export interface AnthropicBlock {
  type: string;
  text?: string;
  input?: unknown;
  content?: string | AnthropicBlock[];
}

/** Why a request body is not a Messages request, or null when it is one. */
export function anthropicRequestProblem(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'body: must be a JSON object';
  const fields = body as Record<string, unknown>;
  if (typeof fields.model !== 'string') return 'model: Field required';
  if (typeof fields.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!Array.isArray(fields.messages)) return 'messages: Field required';
  for (const message of fields.messages) {
    if (typeof message !== 'object' || message === null)
      return 'messages: each message must be an object';
    const content = (message as { content?: unknown }).content;
    if (typeof content !== 'string' && !Array.isArray(content))
      return 'messages.content: Field required';
  }
  return null;
}

/** The same conversation in the OpenAI shape the engine plans from. */
export function anthropicToChatRequest(body: AnthropicMessagesRequest): ChatRequest {
  const messages: ChatMessage[] = [];
  if (body.system !== undefined)
    messages.push({ role: 'system', content: blocksText(body.system) });
  for (const message of body.messages) {
    messages.push({
      role: message.role === 'assistant' ? 'assistant' : 'user',
      content: blocksText(message.content),
    });
  }
  const tools: ToolDefinition[] | undefined = body.tools?.map((tool) => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.input_schema },
  }));
  let toolChoice: ToolChoice | undefined;
  const choice = body.tool_choice;
  if (choice?.type === 'none') toolChoice = 'none';
  else if (choice?.type === 'tool' && choice.name)
    toolChoice = { type: 'function', function: { name: choice.name } };
  return {
    model: body.model,
    messages,
    max_tokens: body.max_tokens,
    tools,
    tool_choice: toolChoice,
  };
}

function blocksText(content: string | AnthropicBlock[] | undefined): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const block of content) {
    if (typeof block.text === 'string') text += block.text;
    else if (block.type === 'tool_use') text += JSON.stringify(block.input ?? {});
    else if (block.content !== undefined) text += blocksText(block.content);
  }
  return text;
}

const STOP_REASONS = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' } as const;

function messageId(plan: SimPlan): string {
  return plan.id.replace('chatcmpl-', 'msg_');
}

function toolUseId(plan: SimPlan): string {
  return `toolu_${plan.toolCall?.id.replace('call_', '') ?? ''}`;
}

/** The non-streaming Messages answer. */
export function anthropicMessage(plan: SimPlan, model: string): Record<string, unknown> {
  const call = plan.toolCall;
  return {
    id: messageId(plan),
    type: 'message',
    role: 'assistant',
    model,
    content: call
      ? [
          {
            type: 'tool_use',
            id: toolUseId(plan),
            name: call.function.name,
            input: JSON.parse(call.function.arguments),
          },
        ]
      : [{ type: 'text', text: plan.text ?? '' }],
    stop_reason: STOP_REASONS[plan.finishReason],
    stop_sequence: null,
    usage: { input_tokens: plan.promptTokens, output_tokens: plan.completionTokens },
  };
}

/** One SSE event as Anthropic writes it: a named event line and a JSON data line. */
export function anthropicEvent(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** message_start (with an empty content list) and a ping, sent as soon as the stream opens. */
export function anthropicStreamOpen(plan: SimPlan, model: string): string {
  const message = {
    ...anthropicMessage(plan, model),
    content: [],
    stop_reason: null,
    usage: { input_tokens: plan.promptTokens, output_tokens: 1 },
  };
  return anthropicEvent('message_start', { message }) + anthropicEvent('ping', {});
}

/** content_block_start for the answer's only block. */
export function anthropicBlockStart(plan: SimPlan): string {
  const call = plan.toolCall;
  const block = call
    ? { type: 'tool_use', id: toolUseId(plan), name: call.function.name, input: {} }
    : { type: 'text', text: '' };
  return anthropicEvent('content_block_start', { index: 0, content_block: block });
}

/** content_block_delta carrying piece `index`. */
export function anthropicBlockDelta(plan: SimPlan, index: number): string {
  const piece = plan.pieces[index] ?? '';
  const delta = plan.toolCall
    ? { type: 'input_json_delta', partial_json: piece }
    : { type: 'text_delta', text: piece };
  return anthropicEvent('content_block_delta', { index: 0, delta });
}

/** content_block_stop and message_delta with the stop reason and output usage. */
export function anthropicStreamFinish(plan: SimPlan): string {
  return (
    anthropicEvent('content_block_stop', { index: 0 }) +
    anthropicEvent('message_delta', {
      delta: { stop_reason: STOP_REASONS[plan.finishReason], stop_sequence: null },
      usage: { output_tokens: plan.completionTokens },
    })
  );
}
