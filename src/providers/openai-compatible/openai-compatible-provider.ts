import type { Dispatcher } from 'undici';
import type { ChatRequest } from '../../core/chat-types.js';
import { UpstreamError } from '../../core/switchyard-error.js';
import type {
  ChatProvider,
  ProviderCallOptions,
  ProviderCompletion,
  ProviderStream,
} from '../chat-provider.js';
import { headerValue } from '../retry-after.js';
import { isLabelledSimulated } from '../simulated-header.js';
import { SseChunkStream } from '../sse-chunk-stream.js';
import { requestUpstreamJson } from '../upstream-json-request.js';
import {
  jsonCallHeaders,
  mergeRequestHeaders,
  readUpstreamJson,
  sendUpstreamRequest,
  type UpstreamContext,
  type UpstreamRequestOptions,
} from '../upstream-request.js';
import {
  createPayloadError,
  findErrorPayload,
  normalizeCompletion,
} from './normalize-openai-response.js';
import { createOpenAIChunkTranslator } from './openai-chunk-stream.js';

/** Where and how to reach an OpenAI-compatible Chat Completions endpoint. */
export interface OpenAICompatibleProviderOptions {
  /** Base URL up to and including the version segment, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
  /** Upstream model name; replaces `request.model`. */
  model: string;
  /** Sent as `Authorization: Bearer <key>`; null for keyless servers (Ollama, llama.cpp, vLLM). */
  apiKey: string | null;
  /** Extra headers for every call (e.g. OpenRouter's `HTTP-Referer`, `OpenAI-Organization`). */
  headers?: Record<string, string>;
  /** Pooled keep-alive client, owned by the caller (it is not closed by `close()`). */
  dispatcher: Dispatcher;
}

/**
 * A provider for any server that speaks OpenAI's Chat Completions: OpenAI, xAI, Gemini's OpenAI
 * endpoint, OpenRouter, vLLM, Ollama, llama.cpp server. Quirks are smoothed over in
 * normalize-openai-response.ts.
 */
export function createOpenAICompatibleProvider(
  options: OpenAICompatibleProviderOptions,
): ChatProvider {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const context: UpstreamContext = {
    label: `openai-compatible ${options.model}`,
    secret: options.apiKey,
  };
  const authorization: Record<string, string> | undefined =
    options.apiKey === null || options.apiKey === ''
      ? undefined
      : { authorization: `Bearer ${options.apiKey}` };

  const requestOptions = (
    request: ChatRequest,
    callOptions: ProviderCallOptions,
    stream: boolean,
  ): UpstreamRequestOptions => ({
    // Named one by one: a `...context` spread first would give every call's options object its
    // own hidden class on Node 20 (~1 KB of old-generation garbage per call).
    label: context.label,
    secret: context.secret,
    url,
    dispatcher: options.dispatcher,
    // Auth goes last so neither target nor per-call headers can replace it.
    headers: mergeRequestHeaders(
      jsonCallHeaders(stream),
      options.headers,
      callOptions.headers,
      authorization,
    ),
    body: JSON.stringify(buildUpstreamBody(request, options.model, stream)),
    signal: callOptions.signal,
  });

  return {
    kind: 'openai-compatible',
    model: options.model,

    async doComplete(request, callOptions): Promise<ProviderCompletion> {
      const answer = await requestUpstreamJson(requestOptions(request, callOptions, false));
      return {
        completion: normalizeCompletion(answer.body, options.model, context, answer.status),
        status: answer.status,
        simulated: isLabelledSimulated(answer.headers),
      };
    },

    async doStream(request, callOptions): Promise<ProviderStream> {
      const response = await sendUpstreamRequest(requestOptions(request, callOptions, true));
      const contentType = headerValue(response.headers, 'content-type') ?? '';
      if (contentType.includes('application/json')) {
        // Some servers answer a streaming request with a JSON error (or ignore `stream`).
        throw jsonInsteadOfStream(
          await readUpstreamJson(response, callOptions.signal, context),
          context,
        );
      }
      const stream = new SseChunkStream(
        response.body,
        createOpenAIChunkTranslator(options.model, context),
        callOptions.signal,
        context,
      );
      stream.simulated = isLabelledSimulated(response.headers);
      return stream;
    },

    async close(): Promise<void> {
      // The dispatcher is shared and owned by the caller; there is nothing of ours to release.
    },
  };
}

/**
 * The body sent upstream: the client's request with the target's model. Streaming always asks
 * for usage; non-streaming drops `stream_options`, which OpenAI rejects without `stream: true`.
 */
function buildUpstreamBody(
  request: ChatRequest,
  model: string,
  stream: boolean,
): Record<string, unknown> {
  // Object.assign onto a fresh literal, not `{ ...request, model }` followed by new keys: on Node 20
  // adding a key to an object built by a spread gives it its own hidden class (see perf notes).
  const body: Record<string, unknown> = Object.assign({}, request);
  body.model = model;
  if (stream) {
    const streamOptions =
      typeof request.stream_options === 'object' ? request.stream_options : null;
    body.stream = true;
    body.stream_options = Object.assign({}, streamOptions, { include_usage: true });
  } else {
    body.stream = undefined;
    body.stream_options = undefined;
  }
  return body;
}

function jsonInsteadOfStream(parsed: unknown, context: UpstreamContext): UpstreamError {
  if (typeof parsed === 'object' && parsed !== null) {
    const error = findErrorPayload(parsed as Record<string, unknown>);
    if (error !== undefined) return createPayloadError(error, context, 'error instead of a stream');
  }
  return new UpstreamError({
    errorClass: 'malformed_stream',
    message: `${context.label}: expected an event stream, got a JSON answer`,
  });
}
