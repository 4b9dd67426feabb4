import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { AttemptErrorClass } from '../core/error-codes.js';
import { createLeanAbortController } from '../core/lean-abort-controller.js';
import { UpstreamError } from '../core/switchyard-error.js';
import { startRecordingUpstream } from './__fixtures__/recording-upstream.js';
import { SseBufferOverflowError } from './sse-parser.js';
import {
  describeErrorBody,
  maskSecret,
  mergeRequestHeaders,
  selectErrorHeaders,
  sendUpstreamRequest,
  type TransportPhase,
  toTransportError,
} from './upstream-request.js';

const CONTEXT = { label: 'test upstream', secret: 'sk-secret-value-123' };

function codeError(code: string, message = `failed with ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

describe('toTransportError', () => {
  const live = new AbortController().signal;
  const cases: Array<[string, unknown, TransportPhase, AttemptErrorClass]> = [
    ['a refused connection', codeError('ECONNREFUSED'), 'connect', 'connection_error'],
    ['a reset connection', codeError('ECONNRESET'), 'connect', 'connection_error'],
    [
      '"other side closed"',
      codeError('UND_ERR_SOCKET', 'other side closed'),
      'connect',
      'connection_error',
    ],
    ['a connect timeout', codeError('UND_ERR_CONNECT_TIMEOUT'), 'connect', 'connection_error'],
    ['a DNS failure', codeError('ENOTFOUND'), 'connect', 'connection_error'],
    [
      'a wrapped socket error',
      new TypeError('fetch failed', { cause: codeError('ECONNRESET') }),
      'connect',
      'connection_error',
    ],
    ['a headers timeout', codeError('UND_ERR_HEADERS_TIMEOUT'), 'connect', 'timeout'],
    [
      'a body timeout while reading a completion',
      codeError('UND_ERR_BODY_TIMEOUT'),
      'body',
      'timeout',
    ],
    ['a body timeout mid-stream', codeError('UND_ERR_BODY_TIMEOUT'), 'stream', 'stream_stall'],
    [
      'a socket closed mid-stream',
      codeError('UND_ERR_SOCKET', 'other side closed'),
      'stream',
      'stream_truncated',
    ],
    ['a reset mid-stream', codeError('ECONNRESET'), 'stream', 'stream_truncated'],
    ['an invalid request argument', codeError('UND_ERR_INVALID_ARG'), 'connect', 'bad_request'],
    ['an oversized SSE event', new SseBufferOverflowError(10), 'stream', 'malformed_stream'],
  ];
  for (const [name, error, phase, errorClass] of cases) {
    it(`classifies ${name} during ${phase} as ${errorClass}`, () => {
      const classified = toTransportError(error, live, phase, CONTEXT);
      expect(classified).toBeInstanceOf(UpstreamError);
      expect(classified.errorClass).toBe(errorClass);
      expect(classified.cause).toBe(error);
      expect(classified.message).toContain('test upstream');
    });
  }

  it('classifies anything as aborted once the signal is aborted', () => {
    const controller = new AbortController();
    controller.abort();
    for (const phase of ['connect', 'body', 'stream'] as const) {
      expect(
        toTransportError(codeError('ECONNRESET'), controller.signal, phase, CONTEXT).errorClass,
      ).toBe('aborted');
    }
  });

  it('passes an UpstreamError through unchanged', () => {
    const original = new UpstreamError({ errorClass: 'malformed_stream', message: 'bad' });
    expect(toTransportError(original, live, 'stream', CONTEXT)).toBe(original);
  });

  it('masks the key in the message of a transport error', () => {
    const classified = toTransportError(
      codeError('ECONNRESET', 'reset by sk-secret-value-123'),
      live,
      'connect',
      CONTEXT,
    );
    expect(classified.message).not.toContain('sk-secret-value-123');
  });
});

describe('maskSecret', () => {
  it('replaces every occurrence of the key', () => {
    expect(maskSecret('a sk-secret-value-123 b sk-secret-value-123', 'sk-secret-value-123')).toBe(
      'a [redacted] b [redacted]',
    );
  });

  it('leaves text alone without a key or with a key too short to be one', () => {
    expect(maskSecret('abc', null)).toBe('abc');
    expect(maskSecret('a b c', 'a')).toBe('a b c');
  });
});

describe('describeErrorBody', () => {
  const cases: Array<[string, string, string]> = [
    [
      'OpenAI error.message',
      '{"error":{"message":"Bad key","type":"invalid_request_error"}}',
      'Bad key',
    ],
    [
      'Anthropic error.message',
      '{"type":"error","error":{"type":"api_error","message":"Boom"}}',
      'Boom',
    ],
    ['a string error', '{"error":"model not found"}', 'model not found'],
    ['a top-level message', '{"object":"error","message":"vLLM says no"}', 'vLLM says no'],
    ['plain text', '  upstream   connect error \n', 'upstream connect error'],
    ['an empty body', '', 'no body'],
  ];
  for (const [name, body, expected] of cases) {
    it(`finds ${name}`, () => {
      expect(describeErrorBody(body)).toBe(expected);
    });
  }

  it('cuts a long raw body', () => {
    expect(describeErrorBody('x'.repeat(1000)).length).toBe(301);
  });
});

describe('mergeRequestHeaders', () => {
  it('lower-cases names, lets later layers win and drops hop-by-hop headers', () => {
    expect(
      mergeRequestHeaders(
        { 'Content-Type': 'application/json', Accept: 'a' },
        { accept: 'b', Host: 'evil', 'Content-Length': '3', Connection: 'close' },
        undefined,
        { authorization: 'Bearer k' },
      ),
    ).toEqual({ 'content-type': 'application/json', accept: 'b', authorization: 'Bearer k' });
  });
});

describe('selectErrorHeaders', () => {
  it('keeps pacing and correlation headers only, flattened', () => {
    expect(
      selectErrorHeaders(
        {
          'retry-after': '1',
          'x-request-id': 'r1',
          'set-cookie': ['a=1', 'b=2'],
          'www-authenticate': 'Bearer',
          'x-ratelimit-remaining-tokens': '0',
          via: ['p1', 'p2'],
        },
        null,
      ),
    ).toEqual({ 'retry-after': '1', 'x-request-id': 'r1', 'x-ratelimit-remaining-tokens': '0' });
  });
});

describe('sendUpstreamRequest', () => {
  let server: Server | undefined;
  let agent: Agent | undefined;

  afterEach(async () => {
    await agent?.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
    agent = undefined;
  });

  /** A loopback server that records each request's method, URL and body, and answers `{"ok":1}`. */
  async function startRecorder(): Promise<{ url: string; seen: string[] }> {
    const upstream = await startRecordingUpstream((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"ok":1}');
    });
    server = upstream.server;
    return upstream;
  }

  it("posts to the URL's path and query through the given dispatcher, on every call", async () => {
    const recorder = await startRecorder();
    agent = new Agent();
    for (const body of ['{"n":1}', '{"n":2}']) {
      const response = await sendUpstreamRequest({
        ...CONTEXT,
        url: `${recorder.url}/v1/chat/completions?api-version=2024-10-21#ignored`,
        dispatcher: agent,
        headers: { 'content-type': 'application/json' },
        body,
        signal: createLeanAbortController().signal,
      });
      expect(response.status).toBe(200);
      expect(await response.body.text()).toBe('{"ok":1}');
    }
    expect(recorder.seen).toEqual([
      'POST /v1/chat/completions?api-version=2024-10-21 {"n":1}',
      'POST /v1/chat/completions?api-version=2024-10-21 {"n":2}',
    ]);
  });

  it('refuses a URL that is not http(s) as a bad request, without sending anything', async () => {
    agent = new Agent();
    const sent = sendUpstreamRequest({
      ...CONTEXT,
      url: 'ftp://127.0.0.1/v1/chat/completions',
      dispatcher: agent,
      headers: {},
      body: '{}',
      signal: new AbortController().signal,
    });
    await expect(sent).rejects.toBeInstanceOf(UpstreamError);
    await expect(sent).rejects.toMatchObject({ errorClass: 'bad_request' });
  });

  it('stops a call whose lean signal aborts while it waits for the answer', async () => {
    server = createServer(() => {
      // Never answers: only the abort can end the call.
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    agent = new Agent();
    const controller = createLeanAbortController();
    const sent = sendUpstreamRequest({
      ...CONTEXT,
      url: `http://127.0.0.1:${port}/v1/chat/completions`,
      dispatcher: agent,
      headers: {},
      body: '{}',
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('client left')), 20);
    await expect(sent).rejects.toMatchObject({ errorClass: 'aborted' });
  });
});
