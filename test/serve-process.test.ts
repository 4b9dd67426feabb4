import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { canPin } from '../bench/loadgen-support.js';
import { createSqliteLogStore } from '../src/store/index.js';

/**
 * These tests run `switchyard serve` as a real process, because what they check (signals,
 * kill -9) only exists at process level.
 */

const RUN_CLI = new URL('./support/run-cli.ts', import.meta.url).pathname;
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function writePolicy(log: string): { dir: string; file: string; dbPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-serve-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const dbPath = join(dir, 'log.db');
  const file = join(dir, 'switchyard.yaml');
  writeFileSync(
    file,
    `
version: 1
log: { path: ${JSON.stringify(dbPath)}, ${log} }
targets:
  sim:
    provider: sim
    context_window: 100000
    price: { input_per_mtok: 1, output_per_mtok: 1 }
    sim: { ttft_ms: { p50: 1, p95: 2 }, inter_token_ms: { p50: 0, p95: 0 }, output_tokens: { p50: 5, p95: 8 } }
routes:
  main: { targets: [sim] }
default_route: main
`,
  );
  return { dir, file, dbPath };
}

/** How to start the process: pinned to CPU 0 with taskset, extra environment, extra arguments. */
interface StartOptions {
  pinned?: boolean;
  env?: Record<string, string>;
  args?: string[];
}

async function startServe(
  file: string,
  options: StartOptions = {},
): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null>; logs: string[] }> {
  const nodeArgs = ['--import', 'tsx', RUN_CLI, 'serve', '--config', file, '--port', '0'];
  const child = spawn(
    options.pinned ? 'taskset' : process.execPath,
    [
      ...(options.pinned ? ['-c', '0', process.execPath] : []),
      ...nodeArgs,
      '--no-watch',
      ...(options.args ?? []),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SWITCHYARD_LOG_LEVEL: 'info', ...options.env },
    },
  );
  cleanups.push(() => child.kill('SIGKILL'));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  if (!child.stdout) throw new Error('no stdout from serve');
  const lines = createInterface({ input: child.stdout });
  const logs: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('serve did not start within 15 s')), 15_000);
    lines.on('line', (line) => {
      logs.push(line);
      const match = /"url":"([^"]+)"/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', () => reject(new Error('serve exited before listening')));
  });
  return { child, url, exited, logs };
}

/** The startup warning about V8's thread pool, parsed, or undefined. */
function poolWarning(logs: string[]): Record<string, unknown> | undefined {
  return logs
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((entry) => typeof entry.fix === 'string' && entry.fix.includes('--v8-pool-size'));
}

async function ask(url: string, dispatcher: Agent): Promise<{ id: string; at: number } | null> {
  try {
    const response = await request(`${url}/v1/chat/completions`, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.body.text();
    if (response.statusCode !== 200) return null;
    return { id: String(response.headers['x-switchyard-request-id']), at: Date.now() };
  } catch {
    return null;
  }
}

async function storedIds(dbPath: string): Promise<Set<string>> {
  const store = createSqliteLogStore(dbPath);
  const ids = new Set<string>();
  for await (const record of store.query({})) ids.add(record.id);
  await store.close();
  return ids;
}

describe('switchyard serve as a process', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'flushes every answered request to the log on %s',
    async (signal) => {
      // A long flush interval and a huge batch: nothing reaches the disk unless the signal flushes it.
      const { file, dbPath } = writePolicy('flush_interval_ms: 60000, batch_size: 100000');
      const { child, url, exited } = await startServe(file);
      const dispatcher = new Agent({ connections: 8 });
      const answered = (
        await Promise.all(Array.from({ length: 40 }, () => ask(url, dispatcher)))
      ).filter((entry) => entry !== null);
      await dispatcher.close();
      expect(answered).toHaveLength(40);
      child.kill(signal);
      expect(await exited).toBe(0);
      const ids = await storedIds(dbPath);
      for (const entry of answered) expect(ids.has(entry.id)).toBe(true);
    },
  );

  it('writes the request log to --db instead of log.path, so replicas can share one policy', async () => {
    const { dir, file, dbPath } = writePolicy('flush_interval_ms: 200');
    const ownDb = join(dir, 'replica-2.db');
    const { child, url, exited, logs } = await startServe(file, { args: ['--db', ownDb] });
    const dispatcher = new Agent({ connections: 1 });
    const answered = await ask(url, dispatcher);
    await dispatcher.close();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(answered).not.toBeNull();
    expect(logs.find((line) => line.includes('listening'))).toContain(JSON.stringify(ownDb));
    expect([...(await storedIds(ownDb))]).toEqual([answered?.id]);
    expect(existsSync(dbPath)).toBe(false);
  });

  it('handles a SIGTERM sent the moment it announces that it listens', async () => {
    // The announcement is what supervisors wait for; the signal handlers must already be there.
    const { file } = writePolicy('flush_interval_ms: 200');
    const { child, exited } = await startServe(file);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  describe.skipIf(!canPin())('pinned to one CPU', () => {
    it("warns that node's default V8 pool shares the CPU, with the fix", async () => {
      const { file } = writePolicy('flush_interval_ms: 200');
      const { child, exited, logs } = await startServe(file, { pinned: true });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(poolWarning(logs)).toMatchObject({
        level: 40, // pino's warn
        usableCpus: 1,
        v8PoolSize: 4,
        fix: 'NODE_OPTIONS=--v8-pool-size=0',
      });
    });

    it('says nothing once NODE_OPTIONS sizes the pool', async () => {
      const { file } = writePolicy('flush_interval_ms: 200');
      const { child, exited, logs } = await startServe(file, {
        pinned: true,
        env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --v8-pool-size=0` },
      });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(logs.some((line) => line.includes('listening'))).toBe(true);
      expect(poolWarning(logs)).toBeUndefined();
    });
  });

  it('after kill -9 under load, the log opens cleanly and holds every request answered over 1 s before the kill', async () => {
    const { file, dbPath } = writePolicy('flush_interval_ms: 200, batch_size: 256');
    const { child, url, exited } = await startServe(file);
    const dispatcher = new Agent({ connections: 16 });
    const answered: Array<{ id: string; at: number }> = [];
    let killedAt = 0;
    const loadUntil = Date.now() + 2_500;
    // Open-loop-ish load: a request every 2 ms, bounded by time, until the kill.
    const inFlight: Array<Promise<void>> = [];
    while (Date.now() < loadUntil && inFlight.length < 5_000) {
      inFlight.push(
        ask(url, dispatcher).then((entry) => {
          if (entry) answered.push(entry);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    killedAt = Date.now();
    child.kill('SIGKILL');
    await exited;
    await Promise.all(inFlight);
    await dispatcher.close();

    const settled = answered.filter((entry) => entry.at < killedAt - 1_000);
    expect(settled.length).toBeGreaterThan(200);
    const store = createSqliteLogStore(dbPath);
    await store.close();
    const ids = await storedIds(dbPath);
    const missing = settled.filter((entry) => !ids.has(entry.id));
    expect(missing).toEqual([]);
  });
});
