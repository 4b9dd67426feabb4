import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * An upstream that stalls: a small JSON answer after SERVICE_MS, except during the stall window
 * of every cycle (by default 1 s of every 10 s, from 5 s to 6 s after the last POST /reset), when
 * it answers nothing; every request that arrives in the window is answered when the window ends,
 * as a server stuck in a GC pause or a lock would. Started by bench/loadgen-omission.ts; prints
 * a ready line with its URL.
 */

const CYCLE_MS = Number(process.env.CYCLE_MS ?? 10_000);
const STALL_START_MS = Number(process.env.STALL_START_MS ?? 5_000);
const STALL_MS = Number(process.env.STALL_MS ?? 1_000);
const SERVICE_MS = Number(process.env.SERVICE_MS ?? 5);
const BODY = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-stall',
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  }),
);

let cycleOrigin = performance.now();
let stalled: ServerResponse[] = [];
let releaseTimer: ReturnType<typeof setTimeout> | undefined;

function answer(response: ServerResponse): void {
  if (response.destroyed) return;
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
  response.end(BODY);
}

function releaseStalled(): void {
  releaseTimer = undefined;
  const waiting = stalled;
  stalled = [];
  for (const response of waiting) answer(response);
}

const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
  request.resume();
  request.on('end', () => {
    if (request.url === '/reset') {
      cycleOrigin = performance.now();
      response.writeHead(204);
      response.end();
      return;
    }
    const phase = (performance.now() - cycleOrigin) % CYCLE_MS;
    if (phase >= STALL_START_MS && phase < STALL_START_MS + STALL_MS) {
      stalled.push(response);
      releaseTimer ??= setTimeout(releaseStalled, STALL_START_MS + STALL_MS - phase);
    } else if (SERVICE_MS > 0) {
      setTimeout(() => answer(response), SERVICE_MS);
    } else {
      answer(response);
    }
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address() as AddressInfo;
  process.stdout.write(
    `${JSON.stringify({ event: 'ready', url: `http://127.0.0.1:${address.port}/v1/chat/completions`, resetUrl: `http://127.0.0.1:${address.port}/reset` })}\n`,
  );
});

const stop = (): void => {
  if (releaseTimer !== undefined) clearTimeout(releaseTimer);
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
