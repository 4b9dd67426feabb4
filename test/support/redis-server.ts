// Starts a real, throwaway redis-server for the Redis shared-state tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Debian's redis-server, installed on CI by `apt-get install redis-server`. */
export const REDIS_SERVER_BINARY = '/usr/bin/redis-server';

/** A running redis-server and how to get rid of it. */
export interface RedisServer {
  url: string;
  port: number;
  /** The server's temporary working directory, removed by stop(). */
  directory: string;
  /** Stop the server (SIGTERM, then SIGKILL after 2 s) and remove its directory. */
  stop(): Promise<void>;
}

/** Options for startRedisServer. */
export interface RedisServerOptions {
  /** Path to redis-server; defaults to REDIS_SERVER_BINARY. */
  binary?: string;
  /** How long to wait for the first PONG. Default 5 s. */
  startupTimeoutMs?: number;
}

const PORT_ATTEMPTS = 3;
const OUTPUT_LIMIT = 4_000;

async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

/** True once the server answers PING with PONG; false on any error within 500 ms. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return true;
  const exited = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)));
  return Promise.race([exited, sleep(timeoutMs, false, { ref: false })]);
}

/**
 * Start redis-server on a free loopback port with a temporary directory and no persistence, and
 * wait (bounded) until it answers PING. Fails, rather than skips, when redis-server is missing:
 * the Redis tests are part of the suite.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = options.binary ?? REDIS_SERVER_BINARY;
  const startupTimeoutMs = options.startupTimeoutMs ?? 5_000;
  try {
    await access(binary, constants.X_OK);
  } catch {
    throw new Error(
      `redis-server not found at ${binary}. The Redis shared-state tests need a real server: ` +
        'install it with `apt-get install redis-server` (CI installs it).',
    );
  }
  const directory = await mkdtemp(join(tmpdir(), 'switchyard-redis-'));
  let output = '';
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    const port = await findFreePort();
    output = '';
    const child = spawn(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        directory,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    const collect = (chunk: string) => {
      output = (output + chunk).slice(-OUTPUT_LIMIT);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('error', (error) => collect(`\n${error.message}`));
    // A crashed test run must not leave servers behind.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);

    const deadline = Date.now() + startupTimeoutMs;
    let ready = false;
    while (!ready && !hasExited(child) && Date.now() < deadline) {
      ready = await ping(port);
      if (!ready) await sleep(25);
    }
    if (ready) {
      let stopped = false;
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        directory,
        async stop() {
          if (stopped) return;
          stopped = true;
          child.kill('SIGTERM');
          if (!(await waitForExit(child, 2_000))) {
            child.kill('SIGKILL');
            await waitForExit(child, 2_000);
          }
          process.removeListener('exit', killOnExit);
          await rm(directory, { recursive: true, force: true });
        },
      };
    }
    child.kill('SIGKILL');
    await waitForExit(child, 2_000);
    process.removeListener('exit', killOnExit);
    // Another process can take the free port between probing and binding; try a new one.
    if (!output.includes('Address already in use')) break;
  }
  await rm(directory, { recursive: true, force: true });
  throw new Error(
    `redis-server did not answer PING within ${startupTimeoutMs} ms. Its output:\n${output}`,
  );
}
