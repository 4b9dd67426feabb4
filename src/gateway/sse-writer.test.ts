import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatCompletionChunk } from '../core/chat-types.js';
import { SseWriter } from './sse-writer.js';

function chunk(content: string): ChatCompletionChunk {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  };
}

let server: Server | null = null;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/** Start a server whose handler is `handle`; returns its base URL. */
async function serve(handle: (response: ServerResponse) => Promise<void>): Promise<string> {
  server = createServer((_request, response) => {
    handle(response).catch((error: unknown) => response.destroy(error as Error));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

describe('SseWriter', () => {
  it('writes the headers and the chunks of one turn in one socket write', async () => {
    const writes: number[] = [];
    const url = await serve(async (response) => {
      const socket = response.socket;
      if (socket === null) throw new Error('no socket');
      const writev = socket._writev?.bind(socket);
      const write = socket._write.bind(socket);
      socket._writev = (chunks, callback) => {
        writes.push(chunks.length);
        writev?.(chunks, callback);
      };
      socket._write = (data, encoding, callback) => {
        writes.push(1);
        write(data, encoding, callback);
      };
      const writer = new SseWriter(response);
      writer.open({ 'x-test': '1' });
      expect(writer.chunk(chunk('a'))).toBeUndefined();
      expect(writer.chunk(chunk('b'))).toBeUndefined();
      expect(socket.writableCorked).toBe(1);
      await nextTick();
      expect(socket.writableCorked).toBe(0);
      const socketWritesAfterFirstTurn = writes.length;
      expect(socketWritesAfterFirstTurn).toBe(1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(writer.chunk(chunk('c'))).toBeUndefined();
      writer.done();
      expect(socket.writableCorked).toBe(0);
      await nextTick();
      expect(socket.writableCorked).toBe(0);
      expect(writes.length).toBe(socketWritesAfterFirstTurn + 1);
    });
    const response = await fetch(url);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-test')).toBe('1');
    const text = await response.text();
    const events = text.split('\n\n').filter((event) => event !== '');
    expect(
      events.map((event) =>
        event === 'data: [DONE]' ? 'done' : JSON.parse(event.slice(6)).choices[0].delta.content,
      ),
    ).toEqual(['a', 'b', 'c', 'done']);
  });

  it('sends an in-band error without [DONE] and leaves a reusable connection', async () => {
    let calls = 0;
    const url = await serve(async (response) => {
      calls++;
      const writer = new SseWriter(response);
      writer.open({});
      await writer.chunk(chunk('a'));
      if (calls === 1)
        writer.fail({ error: { message: 'cut', type: 't', code: 'c', param: null } });
      else writer.done();
    });
    const first = await (await fetch(url)).text();
    expect(first).toContain('data: {"error":{"message":"cut"');
    expect(first).not.toContain('[DONE]');
    const second = await (await fetch(url)).text();
    expect(second.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(calls).toBe(2);
  });
});
