import type { ChatCompletionChunk } from '../../core/chat-types.js';
import { UpstreamError } from '../../core/switchyard-error.js';
import { SSE_STREAM_END, type SseChunkTranslator } from '../sse-chunk-stream.js';
import type { SseEvent } from '../sse-parser.js';
import { maskSecret, type UpstreamContext } from '../upstream-request.js';
import {
  asChunk,
  type ChunkNormalizerState,
  createChunkNormalizerState,
  createPayloadError,
  findErrorPayload,
  normalizeChunk,
} from './normalize-openai-response.js';

const DONE = '[DONE]';

/**
 * Turn the SSE events of a Chat Completions stream into chunks.
 *
 * Returns normally only on `data: [DONE]`. A body that ends without it throws `stream_truncated`
 * even when a finish_reason was already seen: the usage chunk and the marker come after it, and a
 * cut there is still a cut. A data line that is not a JSON object throws `malformed_stream`; an
 * in-band `{error: ...}` throws that error, classified.
 */
export async function* translateOpenAIStream(
  events: AsyncIterable<SseEvent>,
  model: string,
  context: UpstreamContext,
): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  const translator = createOpenAIChunkTranslator(model, context);
  for await (const event of events) {
    const chunk = translator.push(event);
    if (chunk === SSE_STREAM_END) return;
    if (chunk !== undefined) yield chunk;
  }
  throw translator.truncated();
}

/**
 * The per-event step of translateOpenAIStream, synchronous, for SseChunkStream: the same chunks,
 * errors and end of stream, without an async generator layer per chunk.
 */
export function createOpenAIChunkTranslator(
  model: string,
  context: UpstreamContext,
): SseChunkTranslator<ChatCompletionChunk> {
  return new OpenAIChunkTranslator(model, context);
}

class OpenAIChunkTranslator implements SseChunkTranslator<ChatCompletionChunk> {
  readonly #state: ChunkNormalizerState;
  readonly #context: UpstreamContext;

  constructor(model: string, context: UpstreamContext) {
    this.#state = createChunkNormalizerState(model);
    this.#context = context;
  }

  push(event: SseEvent): ChatCompletionChunk | undefined | typeof SSE_STREAM_END {
    const data = event.data;
    const context = this.#context;
    if (data === DONE || (data.length < 16 && data.trim() === DONE)) return SSE_STREAM_END;
    // A bare `data:` carries nothing; some servers use it as a keep-alive.
    if (data.length === 0) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch (cause) {
      throw malformed(context, data, cause);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw malformed(context, data);
    }
    const record = parsed as Record<string, unknown>;
    const error = event.event === 'error' ? (record.error ?? record) : findErrorPayload(record);
    if (error !== undefined) throw createPayloadError(error, context, 'error event in stream');
    if (!normalizeChunk(record, this.#state)) throw malformed(context, data);
    return asChunk(record);
  }

  truncated(): UpstreamError {
    return new UpstreamError({
      errorClass: 'stream_truncated',
      message: this.#state.sawFinish
        ? `${this.#context.label}: stream ended after finish_reason but before [DONE]`
        : `${this.#context.label}: stream ended before [DONE]`,
    });
  }
}

function malformed(context: UpstreamContext, data: string, cause?: unknown): UpstreamError {
  const excerpt = maskSecret(data.length > 200 ? `${data.slice(0, 200)}…` : data, context.secret);
  return new UpstreamError({
    errorClass: 'malformed_stream',
    message: `${context.label}: stream event is not a chat completion chunk: ${excerpt}`,
    body: maskSecret(data.slice(0, 2000), context.secret),
    cause,
  });
}
