import type { ChatCompletionChunk, FinishReason, ToolCallDelta } from '../../core/chat-types.js';
import { UpstreamError } from '../../core/switchyard-error.js';
import type { SseEvent } from '../sse-parser.js';
import { describeErrorBody, maskSecret, type UpstreamContext } from '../upstream-request.js';
import type { AnthropicUsage } from './anthropic-wire-types.js';
import { classifyAnthropicErrorType } from './classify-anthropic-error.js';
import { toolArguments, translateStopReason, translateUsage } from './translate-response.js';

type JsonObject = Record<string, unknown>;

/** What we remember about each open content block, by Anthropic's block index. */
type BlockState =
  | { kind: 'text' }
  | { kind: 'tool_use'; toolIndex: number; sentArguments: boolean; initialInput: unknown }
  | { kind: 'other' };

/**
 * Translate Anthropic Messages stream events into OpenAI chunks.
 *
 * message_start → a role chunk; text_delta → content deltas; a tool_use block → a tool_calls
 * delta carrying id and name, then its input_json_delta fragments as `arguments`, indexed by the
 * tool call's position among tool calls (not among content blocks, as OpenAI clients expect).
 * message_delta only records stop_reason and usage; the finish chunk and the usage chunk
 * (`choices: []`) are sent on message_stop, so a stream cut before it never shows a finish.
 *
 * Returns normally only after message_stop. A body that ends first throws `stream_truncated`;
 * an `error` event throws its classified error; an event that is not JSON throws
 * `malformed_stream`. ping, thinking and citation events, and event types added later, are skipped.
 */
export async function* translateAnthropicStream(
  events: AsyncIterable<SseEvent>,
  model: string,
  context: UpstreamContext,
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  let id = '';
  let responseModel = model;
  const created = Math.floor(Date.now() / 1000);
  const blocks = new Map<number, BlockState>();
  let toolCount = 0;
  let stopReason: string | null = null;
  let usage: AnthropicUsage = {};
  let started = false;

  const chunk = (
    delta: ChatCompletionChunk['choices'][number]['delta'],
    finishReason: FinishReason | null = null,
  ): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model: responseModel,
    choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
  });
  const toolDelta = (call: ToolCallDelta): ChatCompletionChunk => chunk({ tool_calls: [call] });

  for await (const event of events) {
    const data = parseEvent(event, context);
    const type = typeof data.type === 'string' ? data.type : event.event;
    switch (type) {
      case 'message_start': {
        const message = isObject(data.message) ? data.message : {};
        id = typeof message.id === 'string' ? message.id : `msg-${created}`;
        if (typeof message.model === 'string') responseModel = message.model;
        if (isObject(message.usage)) usage = { ...(message.usage as AnthropicUsage) };
        started = true;
        yield chunk({ role: 'assistant', content: '' });
        break;
      }
      case 'content_block_start': {
        requireStart(started, type, context);
        const index = Number(data.index);
        const block = isObject(data.content_block) ? data.content_block : {};
        if (block.type === 'text') {
          blocks.set(index, { kind: 'text' });
          if (typeof block.text === 'string' && block.text !== '')
            yield chunk({ content: block.text });
        } else if (block.type === 'tool_use') {
          const toolIndex = toolCount++;
          blocks.set(index, {
            kind: 'tool_use',
            toolIndex,
            sentArguments: false,
            initialInput: block.input,
          });
          yield toolDelta({
            index: toolIndex,
            id: String(block.id),
            type: 'function',
            function: { name: String(block.name), arguments: '' },
          });
        } else {
          blocks.set(index, { kind: 'other' });
        }
        break;
      }
      case 'content_block_delta': {
        requireStart(started, type, context);
        const state = blocks.get(Number(data.index));
        const delta = isObject(data.delta) ? data.delta : {};
        if (delta.type === 'text_delta' && state?.kind === 'text') {
          if (typeof delta.text === 'string' && delta.text !== '')
            yield chunk({ content: delta.text });
        } else if (delta.type === 'input_json_delta' && state?.kind === 'tool_use') {
          const fragment = typeof delta.partial_json === 'string' ? delta.partial_json : '';
          if (fragment !== '') {
            state.sentArguments = true;
            yield toolDelta({ index: state.toolIndex, function: { arguments: fragment } });
          }
        }
        break;
      }
      case 'content_block_stop': {
        const state = blocks.get(Number(data.index));
        // A tool with no parameters may stream no input at all; OpenAI clients expect JSON text.
        if (state?.kind === 'tool_use' && !state.sentArguments) {
          state.sentArguments = true;
          yield toolDelta({
            index: state.toolIndex,
            function: { arguments: toolArguments(state.initialInput) },
          });
        }
        break;
      }
      case 'message_delta': {
        requireStart(started, type, context);
        const delta = isObject(data.delta) ? data.delta : {};
        if (typeof delta.stop_reason === 'string') stopReason = delta.stop_reason;
        // message_delta usage is cumulative; newer API versions repeat input and cache counts.
        if (isObject(data.usage)) usage = { ...usage, ...stripNulls(data.usage) };
        break;
      }
      case 'message_stop': {
        requireStart(started, type, context);
        yield chunk({}, translateStopReason(stopReason));
        yield {
          id,
          object: 'chat.completion.chunk',
          created,
          model: responseModel,
          choices: [],
          usage: translateUsage(usage),
        };
        return;
      }
      case 'error':
        throw streamError(data, context);
      default:
        // ping, and event types Anthropic may add (its versioning policy allows new ones).
        break;
    }
  }
  throw new UpstreamError({
    errorClass: 'stream_truncated',
    message: `${context.label}: stream ended before message_stop`,
  });
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stripNulls(value: JsonObject): AnthropicUsage {
  const usage: JsonObject = {};
  for (const [key, count] of Object.entries(value)) if (count !== null) usage[key] = count;
  return usage as AnthropicUsage;
}

function parseEvent(event: SseEvent, context: UpstreamContext): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(event.data);
  } catch (cause) {
    throw malformed(context, event.data, cause);
  }
  if (!isObject(parsed)) throw malformed(context, event.data);
  return parsed;
}

function requireStart(started: boolean, type: string, context: UpstreamContext): void {
  if (!started) {
    throw new UpstreamError({
      errorClass: 'malformed_stream',
      message: `${context.label}: ${type} arrived before message_start`,
    });
  }
}

function malformed(context: UpstreamContext, data: string, cause?: unknown): UpstreamError {
  const excerpt = maskSecret(data.length > 200 ? `${data.slice(0, 200)}…` : data, context.secret);
  return new UpstreamError({
    errorClass: 'malformed_stream',
    message: `${context.label}: stream event is not JSON: ${excerpt}`,
    body: maskSecret(data.slice(0, 2000), context.secret),
    cause,
  });
}

function streamError(data: JsonObject, context: UpstreamContext): UpstreamError {
  const error = isObject(data.error) ? data.error : {};
  const type = typeof error.type === 'string' ? error.type : 'unknown_error';
  const message = typeof error.message === 'string' ? error.message : '';
  const body = maskSecret(JSON.stringify(data), context.secret);
  return new UpstreamError({
    errorClass: classifyAnthropicErrorType(type, message),
    message: `${context.label}: error event in stream: ${type}: ${describeErrorBody(body)}`,
    body,
  });
}
