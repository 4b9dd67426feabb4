import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createLeanAbortController } from '../core/lean-abort-controller.js';
import { UpstreamError } from '../core/switchyard-error.js';
import { SSE_STREAM_END, SseChunkStream, type SseChunkTranslator } from './sse-chunk-stream.js';

const CONTEXT = { label: 'test upstream', secret: null };

/** A translator that hands out each event's data, skips `skip`, ends on `end`, fails on `bad`. */
const translator: SseChunkTranslator<string> = {
  push(event) {
    if (event.data === 'end') return SSE_STREAM_END;
    if (event.data === 'skip') return undefined;
    if (event.data === 'bad') {
      throw new UpstreamError({ errorClass: 'malformed_stream', message: 'bad event' });
    }
    return event.data;
  },
  truncated() {
    return new UpstreamError({ errorClass: 'stream_truncated', message: 'no end marker' });
  },
};

let server: Server | null = null;
let agent: Agent | null = null;

afterEach(async () => {
  await agent?.close();
  agent = null;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/** Serve one streaming answer written by `write`, and open it with undici. */
async function openStream(
  write: (response: ServerResponse) => void,
): Promise<Dispatcher.ResponseData> {
  server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    write(response);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  agent = new Agent();
  return agent.request({ origin: `http://127.0.0.1:${port}`, path: '/', method: 'GET' });
}

async function collect(stream: AsyncIterable<string>): Promise<string[]> {
  const items: string[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

describe('SseChunkStream', () => {
  it('hands out the events of one read one by one, skips, and stops at the marker', async () => {
    const response = await openStream((out) =>
      out.end('data: a\n\ndata: skip\n\ndata: b\n\ndata: end\n\ndata: after\n\n'),
    );
    const signal = createLeanAbortController().signal;
    const stream = new SseChunkStream(response.body, translator, signal, CONTEXT);
    expect(await collect(stream)).toEqual(['a', 'b']);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    // Detached from the body, which is left to drain back into the pool.
    expect(response.body.listenerCount('readable')).toBe(0);
  });

  it('fails a body that ends without the marker with the translator error', async () => {
    const response = await openStream((out) => out.end('data: a\n\ndata: b\n'));
    const signal = createLeanAbortController().signal;
    const stream = new SseChunkStream(response.body, translator, signal, CONTEXT);
    const items: string[] = [];
    const failure = await (async () => {
      for await (const item of stream) items.push(item);
    })().catch((error: unknown) => error);
    // The last event's line was complete, so it is dispatched before the truncation.
    expect(items).toEqual(['a', 'b']);
    expect(failure).toBeInstanceOf(UpstreamError);
    expect((failure as UpstreamError).errorClass).toBe('stream_truncated');
    expect(response.body.destroyed).toBe(true);
  });

  it('fails a malformed event only after the good ones of the same read', async () => {
    const response = await openStream((out) => out.end('data: a\n\ndata: bad\n\ndata: end\n\n'));
    const signal = createLeanAbortController().signal;
    const stream = new SseChunkStream(response.body, translator, signal, CONTEXT);
    expect(await stream.next()).toEqual({ done: false, value: 'a' });
    await expect(stream.next()).rejects.toMatchObject({ errorClass: 'malformed_stream' });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('stops handing out buffered events once the caller aborts', async () => {
    const response = await openStream((out) => out.write('data: a\n\ndata: b\n\ndata: c\n\n'));
    const controller = createLeanAbortController();
    const stream = new SseChunkStream(response.body, translator, controller.signal, CONTEXT);
    expect(await stream.next()).toEqual({ done: false, value: 'a' });
    controller.abort();
    await expect(stream.next()).rejects.toMatchObject({ errorClass: 'aborted' });
    expect(response.body.destroyed).toBe(true);
  });

  it('destroys the body when the consumer returns early', async () => {
    const response = await openStream((out) => out.write('data: a\n\n'));
    const signal = createLeanAbortController().signal;
    const stream = new SseChunkStream(response.body, translator, signal, CONTEXT);
    expect(await stream.next()).toEqual({ done: false, value: 'a' });
    expect(await stream.return()).toEqual({ done: true, value: undefined });
    expect(response.body.destroyed).toBe(true);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it('settles a read in flight when the consumer returns, and fails that read', async () => {
    const response = await openStream((out) => out.write('data: a\n\n'));
    const signal = createLeanAbortController().signal;
    const stream = new SseChunkStream(response.body, translator, signal, CONTEXT);
    expect(await stream.next()).toEqual({ done: false, value: 'a' });
    const pending = stream.next();
    const failure = pending.catch((error: unknown) => error);
    expect(await stream.return()).toEqual({ done: true, value: undefined });
    expect(await failure).toMatchObject({ errorClass: 'stream_truncated' });
    expect(response.body.listenerCount('readable')).toBe(0);
  });
});
