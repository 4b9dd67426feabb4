import type { ChatCompletion, ChatCompletionChunk, ChatRequest } from '../core/chat-types.js';

/** The wire protocols Switchyard speaks to upstreams. */
export type ProviderKind = 'openai-compatible' | 'anthropic' | 'sim';

/** Per-call options. Every call is cancellable. */
export interface ProviderCallOptions {
  /** Aborting it must stop the upstream call and release the connection. */
  signal: AbortSignal;
  /** Extra request headers to send upstream (never the gateway's own auth). */
  headers?: Record<string, string>;
}

/** What a finished non-streaming call returns. */
export interface ProviderCompletion {
  completion: ChatCompletion;
  /** Upstream HTTP status (200 for in-process providers). */
  status: number;
  /**
   * The upstream labelled its answer as simulated (a standalone `switchyard sim` server), so it
   * must be shown as simulated like an in-process sim target's.
   */
  simulated?: boolean;
}

/** What doStream resolves to: the chunks, and whether the upstream labelled them simulated. */
export interface ProviderStream extends AsyncIterable<ChatCompletionChunk> {
  readonly simulated?: boolean;
}

/**
 * The contract every provider implements. Requests and answers are in the OpenAI Chat
 * Completions shape; `request.model` is already the upstream model name.
 *
 * The `do` prefix marks calls only the routing core should make: it owns timeouts, retries and
 * breakers, so a provider makes exactly one upstream call per `do*` and never retries by itself.
 *
 * Failures reject (or throw from the iterator) with `UpstreamError`, whose `errorClass` says why.
 */
export interface ChatProvider {
  readonly kind: ProviderKind;
  /** The upstream model name. */
  readonly model: string;

  /** One non-streaming call. */
  doComplete(request: ChatRequest, options: ProviderCallOptions): Promise<ProviderCompletion>;

  /**
   * One streaming call. Resolves once the upstream has accepted the request (2xx status and
   * headers); rejects before that with the upstream's error. The iterator yields OpenAI chunks
   * and always asks the upstream for usage, so the last chunk carries `usage` when the upstream
   * reports it. The iterator returns normally only after the upstream's terminal marker
   * (`[DONE]`, `message_stop`); a stream that ends without one throws `stream_truncated`, and
   * an unparseable event throws `malformed_stream`. A truncated answer is never a success.
   */
  doStream(request: ChatRequest, options: ProviderCallOptions): Promise<ProviderStream>;

  /** Release pooled connections. */
  close(): Promise<void>;
}
