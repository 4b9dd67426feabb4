import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Agent, Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createLeanAbortController } from '../core/lean-abort-controller.js';
import { UpstreamError } from '../core/switchyard-error.js';
import { startRecordingUpstream } from './__fixtures__/recording-upstream.js';
import { requestUpstreamJson } from './upstream-json-request.js';
import {
  COMPLETION_BODY_LIMIT_BYTES,
  ERROR_BODY_LIMIT_BYTES,
  readUpstreamJson,
  sendUpstreamRequest,
  type UpstreamRequestOptions,
} from './upstream-request.js';

const SECRET = 'sk-secret-value-123';

let server: Server | undefined;
let dispatcher: Agent | Pool | undefined;
let seen: string[] = [];

afterEach(async () => {
  await dispatcher?.destroy();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  dispatcher = undefined;
  seen = [];
});

/** A loopback upstream that records each request and answers with `answer`. */
async function startUpstream(
  answer: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<string> {
  const upstream = await startRecordingUpstream(answer);
  server = upstream.server;
  seen = upstream.seen;
  return upstream.url;
}

function optionsFor(url: string, signal = createLeanAbortController().signal) {
  dispatcher ??= new Agent();
  return {
    label: 'test upstream',
    secret: SECRET,
    url: `${url}/v1/chat/completions?api-version=1`,
    dispatcher,
    headers: { 'content-type': 'application/json' },
    body: '{"n":1}',
    signal,
  } satisfies UpstreamRequestOptions;
}

/** What the request() path (send, then read the body as JSON) gives for the same call. */
async function viaRequestApi(options: UpstreamRequestOptions) {
  const response = await sendUpstreamRequest(options);
  return readUpstreamJson(response, options.signal, options);
}

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

/** The parts of an UpstreamError a caller acts on or shows. */
function shown(error: UpstreamError) {
  return {
    errorClass: error.errorClass,
    message: error.message,
    status: error.status,
    retryAfterMs: error.retryAfterMs,
    body: error.body,
  };
}

describe('requestUpstreamJson', () => {
  it('posts the body to the URL path and query and parses the JSON answer', async () => {
    const url = await startUpstream((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes' });
      response.end('{"id":"c1","choices":[{"message":{"content":"héllo"}}]}');
    });
    const answer = await requestUpstreamJson(optionsFor(url));
    expect(answer.status).toBe(200);
    expect(answer.headers['x-upstream']).toBe('yes');
    expect(answer.body).toEqual({ id: 'c1', choices: [{ message: { content: 'héllo' } }] });
    expect(seen).toEqual(['POST /v1/chat/completions?api-version=1 {"n":1}']);
  });

  it('reads a chunked answer split across many writes, multi-byte characters included', async () => {
    const text = JSON.stringify({ text: 'é€😀'.repeat(5_000) });
    const bytes = Buffer.from(text, 'utf8');
    const url = await startUpstream((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      // Odd-sized writes cut characters in half between chunks.
      for (let at = 0; at < bytes.length; at += 777) response.write(bytes.subarray(at, at + 777));
      response.end();
    });
    const answer = await requestUpstreamJson(optionsFor(url));
    expect(answer.body).toEqual(JSON.parse(text));
  });

  it.each([
    [
      'a 429 with Retry-After and the key echoed back',
      429,
      { 'retry-after': '2', 'content-type': 'application/json' },
      `{"error":{"message":"slow down, ${SECRET}"}}`,
    ],
    ['a 500 with an HTML page', 500, { 'content-type': 'text/html' }, '<html>bad gateway</html>'],
    [
      'a 400 context_length_exceeded',
      400,
      { 'content-type': 'application/json' },
      '{"error":{"message":"too long","code":"context_length_exceeded"}}',
    ],
    ['a 200 that is not JSON', 200, { 'content-type': 'application/json' }, `not json ${SECRET}`],
  ])('fails %s exactly as the request() path does', async (_name, status, headers, body) => {
    const url = await startUpstream((_request, response) => {
      response.writeHead(status, headers);
      response.end(body);
    });
    const direct = await failure(requestUpstreamJson(optionsFor(url)));
    const reference = await failure(viaRequestApi(optionsFor(url)));
    expect(shown(direct)).toEqual(shown(reference));
    expect(direct.message).not.toContain(SECRET);
    expect(direct.body ?? '').not.toContain(SECRET);
  });

  it('classifies an error body past its limit from its start, without reading the rest', async () => {
    const url = await startUpstream((_request, response) => {
      response.writeHead(503, { 'content-type': 'text/plain' });
      response.write('overloaded '.repeat(ERROR_BODY_LIMIT_BYTES / 4));
      // Never ends: the call must settle on what it has.
    });
    const error = await failure(requestUpstreamJson(optionsFor(url)));
    expect(error.errorClass).toBe('server_error');
    expect(error.status).toBe(503);
    expect(error.message).toContain('overloaded');
    expect(error.body?.length).toBeLessThanOrEqual(ERROR_BODY_LIMIT_BYTES);
  });

  it('refuses a 2xx answer that declares more than the completion limit, unread', async () => {
    const url = await startUpstream((_request, response) => {
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(COMPLETION_BODY_LIMIT_BYTES + 1),
      });
      response.write('{"a":');
    });
    const error = await failure(requestUpstreamJson(optionsFor(url)));
    expect(error.errorClass).toBe('server_error');
    expect(error.message).toContain(`larger than ${COMPLETION_BODY_LIMIT_BYTES} bytes`);
  });

  it('fails an answer cut off before its declared length as the request() path does', async () => {
    const url = await startUpstream((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"partial":');
      setTimeout(() => response.socket?.destroy(), 10);
    });
    const direct = await failure(requestUpstreamJson(optionsFor(url)));
    const reference = await failure(viaRequestApi(optionsFor(url)));
    expect(direct.errorClass).toBe(reference.errorClass);
    expect(direct.errorClass).toBe('connection_error');
  });

  it('fails a refused connection as connection_error', async () => {
    const url = await startUpstream(() => {});
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const error = await failure(requestUpstreamJson(optionsFor(url)));
    expect(error.errorClass).toBe('connection_error');
  });

  it('refuses a URL that is not http(s) as a bad request', async () => {
    const error = await failure(
      requestUpstreamJson({ ...optionsFor('http://127.0.0.1:9'), url: 'ftp://127.0.0.1/v1' }),
    );
    expect(error.errorClass).toBe('bad_request');
  });

  it('rejects the moment the caller aborts, and closes the pending exchange', async () => {
    let closed = false;
    const url = await startUpstream((request) => {
      request.socket.on('close', () => {
        closed = true;
      });
      // Never answers.
    });
    const controller = createLeanAbortController();
    const call = requestUpstreamJson(optionsFor(url, controller.signal));
    while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const abortedAt = performance.now();
    controller.abort(new Error('client left'));
    const error = await failure(call);
    expect(error.errorClass).toBe('aborted');
    expect(performance.now() - abortedAt).toBeLessThan(1_000);
    for (let wait = 0; wait < 100 && !closed; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(closed).toBe(true);
  });

  it('never sends a call aborted while it waited for a pooled connection', async () => {
    const url = await startUpstream((request, response) => {
      if (request.headers['x-slow']) {
        setTimeout(() => response.end('{}'), 150);
      } else {
        response.end('{}');
      }
    });
    dispatcher = new Pool(url, { connections: 1 });
    const first = requestUpstreamJson({
      ...optionsFor(url),
      headers: { 'content-type': 'application/json', 'x-slow': '1' },
    });
    const controller = createLeanAbortController();
    const queued = requestUpstreamJson({ ...optionsFor(url, controller.signal), body: '{"n":2}' });
    controller.abort(new Error('client left'));
    expect((await failure(queued)).errorClass).toBe('aborted');
    expect((await first).body).toEqual({});
    // The pool's one connection is free again: a later call goes through it.
    expect((await requestUpstreamJson(optionsFor(url))).status).toBe(200);
    expect(seen.filter((line) => line.endsWith('{"n":2}'))).toEqual([]);
  });

  it('rejects at once when the signal is already aborted, sending nothing', async () => {
    const url = await startUpstream((_request, response) => response.end('{}'));
    const controller = createLeanAbortController();
    controller.abort(new Error('gone'));
    const error = await failure(requestUpstreamJson(optionsFor(url, controller.signal)));
    expect(error.errorClass).toBe('aborted');
    expect(seen).toEqual([]);
  });
});
