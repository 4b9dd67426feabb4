import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SwitchyardError } from '../core/switchyard-error.js';
import { readJsonBody } from './read-json-body.js';

/** A loopback server whose handler hands each request to `onRequest` and answers 204. */
async function serve(onRequest: (request: IncomingMessage) => Promise<void>): Promise<Server> {
  const server = createServer((request, response) => {
    void onRequest(request).finally(() => {
      if (!response.destroyed) response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** Send `pieces` as a chunked body, each in its own write a turn apart; `end: false` leaves it open. */
function sendChunked(
  server: Server,
  pieces: Buffer[],
  options: { end: boolean } = { end: true },
): ReturnType<typeof httpRequest> {
  const client = httpRequest({
    host: '127.0.0.1',
    port: port(server),
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/json' },
  });
  client.on('error', () => undefined);
  void (async () => {
    for (const piece of pieces) {
      client.write(piece);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    if (options.end) client.end();
  })();
  return client;
}

let server: Server | null = null;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = null;
});

describe('readJsonBody', () => {
  it('joins a body sent in several chunks, a character split across two', async () => {
    const body = Buffer.from(JSON.stringify({ text: 'café ☕ done' }));
    const split = body.indexOf(Buffer.from('☕')) + 1;
    let parsed: unknown = null;
    server = await serve(async (request) => {
      parsed = await readJsonBody(request, 1024);
    });
    const client = sendChunked(server, [body.subarray(0, split), body.subarray(split)]);
    await new Promise((resolve) => client.on('response', resolve));
    expect(parsed).toEqual({ text: 'café ☕ done' });
  });

  it('refuses an undeclared body once it passes the limit and cuts the connection', async () => {
    let failure: unknown = null;
    server = await serve(async (request) => {
      await readJsonBody(request, 100).catch((error: unknown) => {
        failure = error;
      });
    });
    const client = sendChunked(server, [Buffer.alloc(60, 32), Buffer.alloc(60, 32)], {
      end: false,
    });
    await new Promise((resolve) => client.on('close', resolve));
    expect(failure).toBeInstanceOf(SwitchyardError);
    expect((failure as SwitchyardError).code).toBe('body_too_large');
  });

  it('rejects with client_closed when the client leaves mid-body', async () => {
    let failure: unknown = null;
    const settled = new Promise<void>((resolve) => {
      void serve(async (request) => {
        await readJsonBody(request, 1024).catch((error: unknown) => {
          failure = error;
        });
        resolve();
      }).then((started) => {
        server = started;
        const client = sendChunked(started, [Buffer.from('{"a":')], { end: false });
        setTimeout(() => client.destroy(), 50);
      });
    });
    await settled;
    expect(failure).toBeInstanceOf(SwitchyardError);
    expect((failure as SwitchyardError).code).toBe('client_closed');
  });

  it('names invalid JSON and an empty body', async () => {
    const failures: string[] = [];
    server = await serve(async (request) => {
      await readJsonBody(request, 1024).catch((error: unknown) => {
        failures.push((error as SwitchyardError).code);
      });
    });
    for (const body of ['{"a":', '']) {
      const client = sendChunked(server, body === '' ? [] : [Buffer.from(body)]);
      await new Promise((resolve) => client.on('response', resolve));
    }
    expect(failures).toEqual(['invalid_json', 'invalid_json']);
  });
});
