import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRequestRecord } from '../telemetry/__fixtures__/request-records.js';
import { createSqliteLogStore } from './sqlite-log-store.js';

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = join(here, '..', '..');
const childScript = join(here, '__fixtures__', 'crash-writer.ts');

/** How many acknowledged ids to wait for before the kill, and how long at most. */
const ACKS_BEFORE_KILL = 1_500;
const MAX_WAIT_MS = 10_000;

describe('SQLite request log under kill -9', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'switchyard-crash-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('opens clean after SIGKILL mid-load and holds every id acknowledged before the kill', async () => {
    const path = join(directory, 'log.db');
    // tsx lets the child run the real TypeScript store and request log (Node 20 cannot strip types).
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, path, '2000', '40000'], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => {
      child.once('exit', (code, signal) => resolve(signal ?? code));
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });

    const acknowledged: string[] = [];
    const lines = createInterface({ input: child.stdout });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`only ${acknowledged.length} acks in ${MAX_WAIT_MS} ms; stderr: ${stderr}`),
          ),
        MAX_WAIT_MS,
      );
      lines.on('line', (line) => {
        if (line !== '') acknowledged.push(line);
        if (acknowledged.length >= ACKS_BEFORE_KILL) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`writer exited before the kill; stderr: ${stderr}`));
      });
    });
    // Freeze the list: anything read after this point arrived after the kill was sent.
    const ackedBeforeKill = [...acknowledged];
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    lines.close();

    const database = new Database(path);
    const check = database.prepare('PRAGMA integrity_check').all() as Array<{
      integrity_check: string;
    }>;
    const stored = new Set(
      (database.prepare('SELECT id FROM request_records').all() as Array<{ id: string }>).map(
        (row) => row.id,
      ),
    );
    database.close();

    expect(check.map((row) => row.integrity_check)).toEqual(['ok']);
    const missing = ackedBeforeKill.filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    expect(stored.size).toBeGreaterThanOrEqual(ackedBeforeKill.length);

    // The store itself reopens the crashed file and keeps working.
    const reopened = createSqliteLogStore(path);
    await reopened.append([makeRequestRecord({ id: 'after-crash', ts: Date.now() })]);
    let count = 0;
    for await (const _record of reopened.query({})) count += 1;
    await reopened.close();
    expect(count).toBe(stored.size + 1);
  });
});
