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
  /** Whether this writer holds a cork on the response that a scheduled tick will release. */
  #corked = false;
  #ended = false;

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
    this.#corkUntilNextTick();
    this.#response.writeHead(200, all);
    this.#response.flushHeaders();
  }

  /**
   * Send one chunk. Returns a promise only when the socket's buffer is full (backpressure): await
   * it before writing more. A promise per chunk would otherwise be allocated for nothing.
   */
  chunk(chunk: ChatCompletionChunk): Promise<void> | undefined {
    this.#corkUntilNextTick();
    if (!this.#response.write(`data: ${JSON.stringify(chunk)}\n\n`)) return this.#drain();
    return undefined;
  }

  /** Successful end. */
  done(): void {
    this.#end('data: [DONE]\n\n');
  }

  /** In-band error, then close without [DONE]. */
  fail(body: ErrorBody): void {
    this.#end(`data: ${JSON.stringify(body)}\n\n`);
  }

  /*
   * Stream lifecycle: one socket write per event-loop turn, not one per chunk.
   *
   * Every `response.write()` on an uncorked socket is its own writev syscall (chunk-size line,
   * data, CRLF), and the kernel's loopback send was the largest CPU item of a streamed answer.
   * Chunks that become ready in the same turn (the headers and the held-back first chunks at
   * commit, several events parsed from one upstream read, the finish chunk, usage and [DONE])
   * are written while the socket is corked, and the cork is released by a `process.nextTick`
   * callback. Node runs that callback only after the current microtask queue has drained, i.e.
   * after every await-chained write of this turn, and before any I/O: nothing is delayed past the
   * turn in which it was written, so time to first byte does not change, and the bytes on the
   * wire are identical. `response.end()` fully uncorks the socket itself (Node sets the cork
   * count to 1 and uncorks), so after end() the pending tick must not uncork again: by then the
   * keep-alive socket may belong to the next response. Backpressure still works: write() returns
   * false once the corked buffer passes the high-water mark, and 'drain' follows the uncork.
   */
  #corkUntilNextTick(): void {
    if (this.#corked || this.#ended) return;
    this.#corked = true;
    this.#response.cork();
    process.nextTick(this.#uncork);
  }

  readonly #uncork = (): void => {
    if (!this.#corked) return;
    this.#corked = false;
    this.#response.uncork();
  };

  #end(text: string): void {
    this.#ended = true;
    this.#corked = false;
    this.#response.end(text);
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
