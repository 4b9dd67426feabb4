import type { Dispatcher } from 'undici';
import type { ChatCompletionChunk, ChatRequest } from '../../core/chat-types.js';
import { UpstreamError } from '../../core/switchyard-error.js';
import type { ChatProvider, ProviderCallOptions, ProviderCompletion } from '../chat-provider.js';
import { requestUpstreamJson, type UpstreamJsonAnswer } from '../upstream-json-request.js';
import {
  jsonCallHeaders,
  maskSecret,
  mergeRequestHeaders,
  readSseEvents,
  sendUpstreamRequest,
  UpstreamChunkStream,
  type UpstreamContext,
  type UpstreamRequestOptions,
} from '../upstream-request.js';
import type { AnthropicMessage } from './anthropic-wire-types.js';
import { classifyAnthropicErrorType, classifyAnthropicStatus } from './classify-anthropic-error.js';
import { translateRequest } from './translate-request.js';
import { translateResponse } from './translate-response.js';
import { translateAnthropicStream } from './translate-stream.js';

/** The Messages API version these translations are written against. */
export const ANTHROPIC_VERSION = '2023-06-01';

/** Where and how to reach Anthropic's Messages API. */
export interface AnthropicProviderOptions {
  /** e.g. `https://api.anthropic.com`; a trailing `/v1` is accepted too. */
  baseUrl: string;
  /** Upstream model name; replaces `request.model`. */
  model: string;
  /** Sent as `x-api-key`; null for proxies that add it themselves. */
  apiKey: string | null;
  /** Extra headers for every call (e.g. `anthropic-beta`). */
  headers?: Record<string, string>;
  /** Pooled keep-alive client, owned by the caller (it is not closed by `close()`). */
  dispatcher: Dispatcher;
  /** max_tokens when the client sets none; Anthropic requires one. Default 4096. */
  defaultMaxTokens?: number;
}

/** Default for AnthropicProviderOptions.defaultMaxTokens. */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

/** A provider that speaks Anthropic's Messages API and translates to and from OpenAI's shape. */
export function createAnthropicProvider(options: AnthropicProviderOptions): ChatProvider {
  const base = options.baseUrl.replace(/\/+$/, '');
  const url = base.endsWith('/v1') ? `${base}/messages` : `${base}/v1/messages`;
  const defaultMaxTokens = options.defaultMaxTokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS;
  const context: UpstreamContext = { label: `anthropic ${options.model}`, secret: options.apiKey };
  const apiKey: Record<string, string> | undefined =
    options.apiKey === null || options.apiKey === '' ? undefined : { 'x-api-key': options.apiKey };

  const requestOptions = (
    request: ChatRequest,
    callOptions: ProviderCallOptions,
    stream: boolean,
  ): UpstreamRequestOptions => {
    // Translate before connecting: a request Anthropic cannot express fails without a round trip.
    const body = translateRequest(request, { model: options.model, defaultMaxTokens, stream });
    return {
      // Named one by one: see the openai-compatible provider (a leading spread costs a hidden class).
      label: context.label,
      secret: context.secret,
      url,
      dispatcher: options.dispatcher,
      headers: mergeRequestHeaders(
        jsonCallHeaders(stream),
        { 'anthropic-version': ANTHROPIC_VERSION },
        options.headers,
        callOptions.headers,
        apiKey,
      ),
      body: JSON.stringify(body),
      signal: callOptions.signal,
      classifyStatus: classifyAnthropicStatus,
    };
  };

  return {
    kind: 'anthropic',
    model: options.model,

    async doComplete(request, callOptions): Promise<ProviderCompletion> {
      const answer = await requestUpstreamJson(requestOptions(request, callOptions, false));
      const message = checkMessage(answer, context);
      return { completion: translateResponse(message, options.model), status: answer.status };
    },

    async doStream(request, callOptions): Promise<AsyncIterable<ChatCompletionChunk>> {
      const response = await sendUpstreamRequest(requestOptions(request, callOptions, true));
      const events = readSseEvents(response.body, callOptions.signal, context);
      return new UpstreamChunkStream(
        translateAnthropicStream(events, options.model, context),
        response.body,
        callOptions.signal,
        context,
      );
    },

    async close(): Promise<void> {
      // The dispatcher is shared and owned by the caller; there is nothing of ours to release.
    },
  };
}

/** The parsed answer as a Messages API message; an error object or another shape is an UpstreamError. */
function checkMessage(response: UpstreamJsonAnswer, context: UpstreamContext): AnthropicMessage {
  const parsed = response.body;
  // Only error paths quote the answer; a healthy one is not serialized again.
  const excerpt = () => maskSecret(JSON.stringify(parsed).slice(0, 2000), context.secret);
  if (typeof parsed !== 'object' || parsed === null) {
    throw new UpstreamError({
      errorClass: 'server_error',
      message: `${context.label}: answer is not a JSON object`,
      status: response.status,
      body: excerpt(),
    });
  }
  const record = parsed as Record<string, unknown>;
  if (record.type === 'error') {
    const error = (record.error ?? {}) as { type?: unknown; message?: unknown };
    const type = typeof error.type === 'string' ? error.type : 'unknown_error';
    const message = typeof error.message === 'string' ? error.message : '';
    throw new UpstreamError({
      errorClass: classifyAnthropicErrorType(type, message),
      message: `${context.label}: error in a 2xx answer: ${type}: ${maskSecret(message, context.secret)}`,
      status: response.status,
      body: excerpt(),
    });
  }
  if (!Array.isArray(record.content)) {
    throw new UpstreamError({
      errorClass: 'server_error',
      message: `${context.label}: answer has no content array`,
      status: response.status,
      body: excerpt(),
    });
  }
  return parsed as AnthropicMessage;
}
