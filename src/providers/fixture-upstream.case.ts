import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, type Dispatcher } from 'undici';
import type { ChatProvider } from './chat-provider.js';
import type { ConformanceHarness, ConformanceScenario } from './provider-conformance.case.js';

/**
 * Test helper: a loopback HTTP server (127.0.0.1, port 0) that replays recorded-style upstream
 * responses and records what it was sent. Used by the provider tests; not part of the package.
 */

/** One HTTP response transcript, as stored in `__fixtures__/*.http`. */
export interface FixtureTranscript {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
}

/** What the server does for one request. */
export interface FixtureReply {
  status: number;
  statusText?: string;
  headers?: Record<string, string>;
  /** Body pieces, written one after another (each flushed as its own write). */
  chunks: Array<string | Uint8Array>;
  /** Pause before each piece after the first. */
  delayMs?: number;
  /** Destroy the socket after writing this many pieces: a connection cut mid-body. */
  cutAfterChunks?: number;
  /** Keep the response open after the last piece instead of ending it: a stalled upstream. */
  hang?: boolean;
  /** Pause after the last piece before ending the response. */
  delayBeforeEndMs?: number;
  /** Reset the connection without answering at all. */
  resetBeforeHeaders?: boolean;
  /** Never answer (until the server closes): an upstream that accepts and hangs. */
  stallBeforeHeaders?: boolean;
}

/** A request the server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: unknown;
  /** The client's port; equal ports on two requests mean a reused keep-alive socket. */
  remotePort: number;
}

/** A running fixture server. */
export interface FixtureUpstream {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  requests: RecordedRequest[];
  /** Resolves once a response has been closed by the client before it ended; for abort tests. */
  clientClosedEarly(): Promise<void>;
  close(): Promise<void>;
}

const FIXTURE_DIRECTORY = new URL('./__fixtures__/', import.meta.url);
const transcriptCache = new Map<string, FixtureTranscript>();

/** Parse a `.http` transcript: status line, headers, blank line, body verbatim. */
export function parseTranscript(text: string): FixtureTranscript {
  const separator = text.indexOf('\n\n');
  if (separator === -1) throw new Error('transcript has no blank line after the headers');
  const [statusLine = '', ...headerLines] = text.slice(0, separator).split('\n');
  const status = /^HTTP\/1\.1 (\d{3}) ?(.*)$/.exec(statusLine);
  if (status === null) throw new Error(`bad status line: ${statusLine}`);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(status[1]),
    statusText: status[2] ?? '',
    headers,
    body: text.slice(separator + 2),
  };
}

/** Load `__fixtures__/<name>.http`. */
export function loadFixture(name: string): FixtureTranscript {
  let transcript = transcriptCache.get(name);
  if (transcript === undefined) {
    transcript = parseTranscript(readFileSync(new URL(`${name}.http`, FIXTURE_DIRECTORY), 'utf8'));
    transcriptCache.set(name, transcript);
  }
  return { ...transcript, headers: { ...transcript.headers } };
}

/** Split an SSE body into its events, each keeping its closing blank line. */
export function splitSseEvents(body: string): string[] {
  const events: string[] = [];
  let start = 0;
  for (let end = body.indexOf('\n\n'); end !== -1; end = body.indexOf('\n\n', start)) {
    events.push(body.slice(start, end + 2));
    start = end + 2;
  }
  if (start < body.length) events.push(body.slice(start));
  return events;
}

/** A copy of the transcript without the SSE events that match. */
export function withoutEvents(
  transcript: FixtureTranscript,
  drop: (event: string) => boolean,
): FixtureTranscript {
  return {
    ...transcript,
    body: splitSseEvents(transcript.body)
      .filter((event) => !drop(event))
      .join(''),
  };
}

/** A copy of the transcript with `event` inserted before SSE event number `position`. */
export function withEventAt(
  transcript: FixtureTranscript,
  position: number,
  event: string,
): FixtureTranscript {
  const events = splitSseEvents(transcript.body);
  events.splice(position, 0, event);
  return { ...transcript, body: events.join('') };
}

/** How to replay a transcript. */
export interface ReplayOptions {
  /** 'whole' (default): one write; 'events': one write per SSE event; a number: pieces of that many bytes. */
  split?: 'whole' | 'events' | number;
  delayMs?: number;
  cutAfterChunks?: number;
  hang?: boolean;
  delayBeforeEndMs?: number;
}

/** Turn a transcript into a reply. */
export function replay(transcript: FixtureTranscript, options: ReplayOptions = {}): FixtureReply {
  const split = options.split ?? 'whole';
  let chunks: Array<string | Uint8Array>;
  if (split === 'whole') {
    chunks = [transcript.body];
  } else if (split === 'events') {
    chunks = splitSseEvents(transcript.body);
  } else {
    const bytes = Buffer.from(transcript.body, 'utf8');
    chunks = [];
    for (let offset = 0; offset < bytes.length; offset += split) {
      chunks.push(bytes.subarray(offset, offset + split));
    }
  }
  return {
    status: transcript.status,
    statusText: transcript.statusText,
    headers: transcript.headers,
    chunks,
    delayMs: options.delayMs,
    cutAfterChunks: options.cutAfterChunks,
    hang: options.hang,
    delayBeforeEndMs: options.delayBeforeEndMs,
  };
}

/** Start a fixture server on 127.0.0.1, port 0, answering each request with `handler`'s reply. */
export async function startFixtureUpstream(
  handler: (request: RecordedRequest) => FixtureReply | Promise<FixtureReply>,
): Promise<FixtureUpstream> {
  const requests: RecordedRequest[] = [];
  let notifyClientClosed: () => void = () => {};
  const clientClosed = new Promise<void>((resolve) => {
    notifyClientClosed = resolve;
  });

  const server = createServer((incoming, response) => {
    const parts: Buffer[] = [];
    incoming.on('data', (part: Buffer) => parts.push(part));
    incoming.on('end', () => {
      const rawBody = Buffer.concat(parts).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
      const recorded: RecordedRequest = {
        method: incoming.method ?? '',
        path: incoming.url ?? '',
        headers: incoming.headers,
        rawBody,
        body,
        remotePort: incoming.socket.remotePort ?? 0,
      };
      requests.push(recorded);
      response.on('close', () => {
        if (!response.writableFinished) notifyClientClosed();
      });
      Promise.resolve(handler(recorded))
        .then((reply) => writeReply(response, reply))
        .catch((error: unknown) => {
          response.destroy(error instanceof Error ? error : new Error(String(error)));
        });
    });
  });
  // Keep-alive sockets outlive their responses; close() must not wait for them.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    clientClosedEarly: () => clientClosed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function writeReply(response: ServerResponse, reply: FixtureReply): Promise<void> {
  if (reply.resetBeforeHeaders) {
    response.socket?.resetAndDestroy();
    return;
  }
  if (reply.stallBeforeHeaders) return;
  response.statusCode = reply.status;
  if (reply.statusText) response.statusMessage = reply.statusText;
  for (const [name, value] of Object.entries(reply.headers ?? {})) {
    if (name !== 'content-length' && name !== 'transfer-encoding') response.setHeader(name, value);
  }
  const simple =
    reply.chunks.length <= 1 &&
    reply.cutAfterChunks === undefined &&
    !reply.hang &&
    reply.delayBeforeEndMs === undefined;
  if (simple) {
    response.end(reply.chunks[0] ?? '');
    return;
  }
  response.flushHeaders();
  for (const [position, chunk] of reply.chunks.entries()) {
    if (response.destroyed) return;
    if (position > 0 && reply.delayMs) await sleep(reply.delayMs);
    if (response.destroyed) return;
    response.write(chunk);
    if (reply.cutAfterChunks !== undefined && position + 1 >= reply.cutAfterChunks) {
      // Let the written bytes leave before the reset, so the client sees a partial body.
      await sleep(10);
      response.socket?.destroy();
      return;
    }
  }
  if (reply.hang) return;
  if (reply.delayBeforeEndMs !== undefined) await sleep(reply.delayBeforeEndMs);
  if (!response.destroyed) response.end();
}

/**
 * A conformance harness backed by a fixture upstream: each scenario gets its own path prefix,
 * answered with `transcriptFor(scenario, stream)` (streams replayed one event at a time, 5 ms
 * apart), and `createProvider` points a provider at that prefix over one shared pool.
 */
export async function startFixtureConformanceHarness(
  transcriptFor: (scenario: ConformanceScenario, stream: boolean) => FixtureTranscript,
  createProvider: (scenarioUrl: string, dispatcher: Dispatcher) => ChatProvider,
): Promise<ConformanceHarness> {
  const upstream = await startFixtureUpstream((request) => {
    const scenario = request.path.split('/')[1] as ConformanceScenario;
    const stream = (request.body as { stream?: boolean } | undefined)?.stream === true;
    return replay(transcriptFor(scenario, stream), stream ? { split: 'events', delayMs: 5 } : {});
  });
  const dispatcher = new Agent({ connect: { timeout: 2_000 } });
  return {
    provider: (scenario) => createProvider(`${upstream.url}/${scenario}`, dispatcher),
    close: async () => {
      await dispatcher.destroy();
      await upstream.close();
    },
  };
}
