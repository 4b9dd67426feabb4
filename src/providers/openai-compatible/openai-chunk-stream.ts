import type { ChatCompletionChunk } from '../../core/chat-types.js';
import { UpstreamError } from '../../core/switchyard-error.js';
import type { SseEvent } from '../sse-parser.js';
import { maskSecret, type UpstreamContext } from '../upstream-request.js';
import {
  asChunk,
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
  const state = createChunkNormalizerState(model);
  for await (const event of events) {
    const data = event.data;
    if (data === DONE || (data.length < 16 && data.trim() === DONE)) return;
    // A bare `data:` carries nothing; some servers use it as a keep-alive.
    if (data.length === 0) continue;
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
    if (!normalizeChunk(record, state)) throw malformed(context, data);
    yield asChunk(record);
  }
  throw new UpstreamError({
    errorClass: 'stream_truncated',
    message: state.sawFinish
      ? `${context.label}: stream ended after finish_reason but before [DONE]`
      : `${context.label}: stream ended before [DONE]`,
  });
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
