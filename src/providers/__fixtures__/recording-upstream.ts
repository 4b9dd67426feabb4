import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP server that records every request it read whole, for provider tests. */
export interface RecordingUpstream {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** One `METHOD URL BODY` line per request, in arrival order. */
  seen: string[];
  server: Server;
  /** Drop every open connection and stop listening. */
  close(): Promise<void>;
}

/** Start it on a free port; `answer` replies once a request's body has been read. */
export async function startRecordingUpstream(
  answer: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<RecordingUpstream> {
  const seen: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      seen.push(`${request.method} ${request.url} ${body}`);
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    server,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
