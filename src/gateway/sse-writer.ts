import type { ServerResponse } from 'node:http';
import type { ChatCompletionChunk } from '../core/chat-types.js';
import type { ErrorBody } from './http-error.js';

/**
 * Writes Server-Sent Events the way OpenAI clients parse them: `data: <json>\n\n`, then
 * `data: [DONE]\n\n` on success. An error after the stream started is sent in-band as
 * `data: {"error":…}` and the response ends *without* `[DONE]`, so no client can mistake a
 * truncated answer for a finished one.
 */
export class SseWriter {
  readonly #response: ServerResponse;

  constructor(response: ServerResponse) {
    this.#response = response;
  }

  /** Send the status line and headers. */
  open(headers: Record<string, string>): void {
    // Copied with Object.assign and extended key by key: a `{ ...headers, more }` literal gives
    // every stream's headers object its own hidden class on Node 20 (see .notes/perf-findings.md).
    const all: Record<string, string> = Object.assign({}, headers);
    all['content-type'] = 'text/event-stream; charset=utf-8';
    all['cache-control'] = 'no-cache';
    all.connection = 'keep-alive';
    all['x-accel-buffering'] = 'no';
    this.#response.writeHead(200, all);
    this.#response.flushHeaders();
  }

  /** Send one chunk; resolves when the socket can take more (backpressure). */
  async chunk(chunk: ChatCompletionChunk): Promise<void> {
    if (!this.#response.write(`data: ${JSON.stringify(chunk)}\n\n`)) await this.#drain();
  }

  /** Successful end. */
  done(): void {
    this.#response.end('data: [DONE]\n\n');
  }

  /** In-band error, then close without [DONE]. */
  fail(body: ErrorBody): void {
    this.#response.end(`data: ${JSON.stringify(body)}\n\n`);
  }

  #drain(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#response.off('drain', done);
        this.#response.off('close', done);
        resolve();
      };
      this.#response.once('drain', done);
      this.#response.once('close', done);
    });
  }
}
