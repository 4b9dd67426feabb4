import {
  type ChatMessage,
  type ChatRequest,
  type ContentPart,
  contentText,
  type ToolChoice,
} from '../../core/chat-types.js';
import { UpstreamError } from '../../core/switchyard-error.js';
import type {
  AnthropicContentBlockParam,
  AnthropicMessageParam,
  AnthropicRequest,
  AnthropicTool,
  AnthropicToolChoice,
} from './anthropic-wire-types.js';

/** What the translation needs besides the request. */
export interface TranslateRequestOptions {
  /** Upstream model name; replaces `request.model`. */
  model: string;
  /** Used when the client set neither max_tokens nor max_completion_tokens (Anthropic requires one). */
  defaultMaxTokens: number;
  stream: boolean;
}

/**
 * Translate an OpenAI chat request into an Anthropic Messages request.
 *
 * - system and developer turns, wherever they appear, become the top-level `system` text;
 * - tool turns become `tool_result` blocks in a user turn;
 * - consecutive turns of the same Anthropic role are merged, because the API requires
 *   alternation (parallel tool results become one user turn, as Anthropic expects);
 * - empty text is dropped: the API rejects empty text blocks.
 *
 * OpenAI-only fields (n, seed, logprobs, penalties, response_format) have no Anthropic
 * counterpart and are left out. Input that cannot be expressed throws a `bad_request` error.
 */
export function translateRequest(
  request: ChatRequest,
  options: TranslateRequestOptions,
): AnthropicRequest {
  const system: string[] = [];
  const messages: AnthropicMessageParam[] = [];
  const append = (role: 'user' | 'assistant', blocks: AnthropicContentBlockParam[]): void => {
    if (blocks.length === 0) return;
    const last = messages[messages.length - 1];
    if (last !== undefined && last.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  };

  for (const message of request.messages) {
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = contentText(message.content);
        if (text !== '') system.push(text);
        break;
      }
      case 'user':
        append('user', userBlocks(message.content));
        break;
      case 'assistant':
        append('assistant', assistantBlocks(message));
        break;
      case 'tool':
        append('user', [toolResultBlock(message)]);
        break;
      default:
        throw badRequest(
          `unsupported message role ${JSON.stringify((message as { role: unknown }).role)}`,
        );
    }
  }

  const translated: AnthropicRequest = {
    model: options.model,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? options.defaultMaxTokens,
    messages,
  };
  if (system.length > 0) translated.system = system.join('\n\n');
  // OpenAI accepts temperature up to 2, Anthropic up to 1; clamp rather than fail the call.
  if (typeof request.temperature === 'number')
    translated.temperature = Math.min(1, Math.max(0, request.temperature));
  if (typeof request.top_p === 'number') translated.top_p = request.top_p;
  if (typeof request.top_k === 'number') translated.top_k = request.top_k;
  if (typeof request.stop === 'string') translated.stop_sequences = [request.stop];
  else if (Array.isArray(request.stop) && request.stop.length > 0)
    translated.stop_sequences = request.stop;
  if (options.stream) translated.stream = true;
  if (typeof request.user === 'string' && request.user !== '')
    translated.metadata = { user_id: request.user };
  if (request.tools !== undefined && request.tools.length > 0) {
    translated.tools = request.tools.map(translateTool);
    const toolChoice = translateToolChoice(request.tool_choice, request.parallel_tool_calls);
    if (toolChoice !== undefined) translated.tool_choice = toolChoice;
  }
  return translated;
}

function badRequest(message: string): UpstreamError {
  return new UpstreamError({
    errorClass: 'bad_request',
    message: `anthropic translation: ${message}`,
  });
}

function textBlocks(text: string): AnthropicContentBlockParam[] {
  return text === '' ? [] : [{ type: 'text', text }];
}

function userBlocks(content: string | ContentPart[]): AnthropicContentBlockParam[] {
  if (typeof content === 'string') return textBlocks(content);
  const blocks: AnthropicContentBlockParam[] = [];
  for (const part of content) {
    if (part.type === 'text') blocks.push(...textBlocks(part.text));
    else if (part.type === 'image_url') blocks.push(imageBlock(part.image_url.url));
    else
      throw badRequest(
        `unsupported content part type ${JSON.stringify((part as { type: unknown }).type)}`,
      );
  }
  return blocks;
}

const DATA_URL = /^data:([^;,]+)((?:;[^;,]*)*?);base64,/i;

/** data: URLs become base64 sources; http(s) URLs become url sources that Anthropic fetches. */
function imageBlock(url: string): AnthropicContentBlockParam {
  const dataUrl = DATA_URL.exec(url);
  if (dataUrl !== null) {
    const mediaType = (dataUrl[1] ?? '').toLowerCase();
    return {
      type: 'image',
      source: { type: 'base64', media_type: mediaType, data: url.slice(dataUrl[0].length) },
    };
  }
  if (url.startsWith('data:')) throw badRequest('image data URLs must be base64-encoded');
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw badRequest('image_url must be a base64 data: URL or an http(s) URL');
}

function assistantBlocks(
  message: Extract<ChatMessage, { role: 'assistant' }>,
): AnthropicContentBlockParam[] {
  const blocks = textBlocks(contentText(message.content));
  for (const call of message.tool_calls ?? []) {
    blocks.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: parseArguments(call),
    });
  }
  return blocks;
}

function parseArguments(call: {
  id: string;
  function: { arguments: string };
}): Record<string, unknown> {
  const text = call.function.arguments.trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest(`tool call ${call.id} has arguments that are not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badRequest(`tool call ${call.id} has arguments that are not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function toolResultBlock(
  message: Extract<ChatMessage, { role: 'tool' }>,
): AnthropicContentBlockParam {
  const text = contentText(message.content);
  return text === ''
    ? { type: 'tool_result', tool_use_id: message.tool_call_id }
    : { type: 'tool_result', tool_use_id: message.tool_call_id, content: text };
}

function translateTool(tool: NonNullable<ChatRequest['tools']>[number]): AnthropicTool {
  const translated: AnthropicTool = {
    name: tool.function.name,
    input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
  };
  if (tool.function.description !== undefined) translated.description = tool.function.description;
  return translated;
}

/** auto → auto, required → any, none → none, a named function → tool; parallel_tool_calls: false maps to disable_parallel_tool_use. */
function translateToolChoice(
  choice: ToolChoice | undefined,
  parallelToolCalls: boolean | undefined,
): AnthropicToolChoice | undefined {
  const disableParallel = parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) {
    return parallelToolCalls === false ? { type: 'auto', ...disableParallel } : undefined;
  }
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...disableParallel };
  if (choice === 'required') return { type: 'any', ...disableParallel };
  if (typeof choice === 'object' && choice.type === 'function') {
    return { type: 'tool', name: choice.function.name, ...disableParallel };
  }
  throw badRequest(`unsupported tool_choice ${JSON.stringify(choice)}`);
}
