import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import { reportStatsOnSignal } from './report-stats-on-signal.js';

/** A running bare hop. */
export interface BareHop {
  readonly server: Server;
  /** Base URL up to and including `/v1`. */
  readonly baseUrl: string;
  close(): Promise<void>;
}

/**
 * The floor any Node.js proxy stands on: a node:http server that reads the body, forwards it
 * with an undici keep-alive pool to the upstream, and copies the status, content type and body
 * back, chunk by chunk. No parsing, routing, validation or logging.
 */
export async function startBareHop(
  upstreamBaseUrl: string,
  port = 0,
  host = '127.0.0.1',
): Promise<BareHop> {
  const upstream = new URL(upstreamBaseUrl);
  const pool = new Pool(upstream.origin, { keepAliveTimeout: 30_000 });
  const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      pool
        .request({
          path: request.url ?? '/',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: Buffer.concat(chunks),
        })
        .then(async (upstreamResponse) => {
          const contentType = upstreamResponse.headers['content-type'];
          response.writeHead(upstreamResponse.statusCode, {
            'content-type': typeof contentType === 'string' ? contentType : 'application/json',
          });
          for await (const chunk of upstreamResponse.body) response.write(chunk);
          response.end();
        })
        .catch(() => {
          if (!response.headersSent) response.writeHead(502);
          response.end();
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    baseUrl: `http://${address.address}:${address.port}/v1`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await pool.close();
    },
  };
}

async function main(): Promise<void> {
  const upstream = process.env.UPSTREAM_BASE_URL;
  if (!upstream) throw new Error('set UPSTREAM_BASE_URL to the upstream /v1 URL');
  const hop = await startBareHop(upstream, Number(process.env.PORT ?? 0));
  reportStatsOnSignal();
  process.stdout.write(`${JSON.stringify({ event: 'ready', baseUrl: hop.baseUrl })}\n`);
  const stop = () => void hop.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`bare-hop: ${String(error)}\n`);
    process.exit(1);
  });
}
