import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

/** How the instant upstream streams. */
export interface InstantUpstreamOptions {
  /**
   * Gap between stream chunks after the first, in ms. 0 still sends each chunk as its own write
   * (a later event-loop turn), so the first chunk reaches the client before the rest.
   */
  chunkGapMs?: number;
}

/** A running instant upstream. */
export interface InstantUpstream {
  readonly server: Server;
  /** Base URL up to and including `/v1`. */
  readonly baseUrl: string;
  close(): Promise<void>;
}

const MODEL = 'instant-1';
const CONTENT_PIECES = ['Hello', '! How', ' can I', ' help?'];

/** The fixed answer to every non-streaming call, serialized once. */
const COMPLETION = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-instant',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: MODEL,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: CONTENT_PIECES.join('') },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: 24, completion_tokens: 6, total_tokens: 30 },
  }),
);

function chunkEvent(delta: Record<string, unknown>, finishReason: string | null): string {
  const chunk = {
    id: 'chatcmpl-instant',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: MODEL,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/**
 * The fixed stream: role with the first token, three more tokens, the finish chunk, the
 * usage-only chunk (as OpenAI sends it with `stream_options.include_usage`), then `[DONE]`.
 */
const STREAM_EVENTS: readonly string[] = [
  chunkEvent({ role: 'assistant', content: CONTENT_PIECES[0] }, null),
  ...CONTENT_PIECES.slice(1).map((piece) => chunkEvent({ content: piece }, null)),
  chunkEvent({}, 'stop'),
  `data: ${JSON.stringify({
    id: 'chatcmpl-instant',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: MODEL,
    choices: [],
    usage: { prompt_tokens: 24, completion_tokens: 6, total_tokens: 30 },
  })}\n\n`,
  'data: [DONE]\n\n',
];

/**
 * A minimal OpenAI-compatible upstream that answers `POST /v1/chat/completions` at once with a
 * fixed small completion, or a fixed short stream when the body asks for `stream: true`. It
 * parses the body as a real server would, so the direct and proxied paths cost it the same.
 */
export function createInstantUpstream(options: InstantUpstreamOptions = {}): {
  server: Server;
  listen(port?: number, host?: string): Promise<InstantUpstream>;
} {
  const chunkGapMs = options.chunkGapMs ?? 0;
  const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
      request.resume();
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end('{"error":{"message":"not found","type":"invalid_request_error"}}');
      return;
    }
    readBody(request, (body) => {
      let stream = false;
      try {
        stream = (JSON.parse(body) as { stream?: unknown }).stream === true;
      } catch {
        response.writeHead(400, { 'content-type': 'application/json' });
        response.end('{"error":{"message":"invalid json","type":"invalid_request_error"}}');
        return;
      }
      if (stream) writeStream(response, chunkGapMs);
      else {
        response.writeHead(200, {
          'content-type': 'application/json',
          'content-length': COMPLETION.length,
        });
        response.end(COMPLETION);
      }
    });
  });
  return {
    server,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          resolve({
            server,
            baseUrl: `http://${address.address}:${address.port}/v1`,
            close: () =>
              new Promise<void>((done) => {
                server.close(() => done());
                server.closeAllConnections();
              }),
          });
        });
      });
    },
  };
}

function readBody(request: IncomingMessage, onBody: (body: string) => void): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => onBody(Buffer.concat(chunks).toString('utf8')));
}

/*
 * Each event is its own write, one event-loop turn (or `chunkGapMs`) apart, so the first token
 * leaves before the rest and TTFT measures the first chunk rather than the whole answer. A client
 * that leaves mid-stream just stops the sequence; the loop is bounded by STREAM_EVENTS.length.
 */
function writeStream(response: ServerResponse, chunkGapMs: number): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  });
  let index = 0;
  const next = (): void => {
    if (response.destroyed) return;
    const event = STREAM_EVENTS[index];
    index += 1;
    if (event === undefined) return;
    if (index === STREAM_EVENTS.length) {
      response.end(event);
      return;
    }
    response.write(event);
    if (chunkGapMs > 0) setTimeout(next, chunkGapMs);
    else setImmediate(next);
  };
  next();
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 0);
  const chunkGapMs = Number(process.env.CHUNK_GAP_MS ?? 0);
  const upstream = await createInstantUpstream({ chunkGapMs }).listen(port);
  process.stdout.write(`${JSON.stringify({ event: 'ready', baseUrl: upstream.baseUrl })}\n`);
  const stop = () => void upstream.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`instant-upstream: ${String(error)}\n`);
    process.exit(1);
  });
}
