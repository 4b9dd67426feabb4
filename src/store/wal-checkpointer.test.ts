import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRequestRecord } from '../telemetry/__fixtures__/request-records.js';
import { createSqliteLogStore } from './sqlite-log-store.js';
import { startWalCheckpointer } from './wal-checkpointer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function fill(path: string, backgroundCheckpoint: boolean) {
  const store = createSqliteLogStore(path, { backgroundCheckpoint });
  const initial = statSync(path).size;
  for (let batch = 0; batch < 20; batch++) {
    await store.append(
      Array.from({ length: 100 }, (_, index) => makeRequestRecord({ id: `r${batch}-${index}` })),
    );
  }
  return { store, initial };
}

/** Threads of this process running at the given nice value (Linux /proc; field 19 of stat). */
function threadsWithNice(nice: number): number {
  let count = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may hold spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[16]) === nice) count++;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return count;
}

describe('background WAL checkpoints', () => {
  it.runIf(process.platform === 'linux')(
    'runs its thread at the lowest CPU priority so it cannot preempt the event loop',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'switchyard-wal-'));
      dirs.push(dir);
      const path = join(dir, 'log.db');
      await createSqliteLogStore(path, { backgroundCheckpoint: false }).close();
      const before = threadsWithNice(19);
      const checkpointer = startWalCheckpointer(path);
      expect(await checkpointer.lowPriority).toBe(true);
      // Only the checkpointer's own thread: the process and its other threads keep their priority.
      expect(threadsWithNice(19)).toBe(before + 1);
      expect(threadsWithNice(0)).toBeGreaterThan(0);
      await checkpointer.stop();
    },
  );

  it('copies committed pages into the database file from a worker, not inside commits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-wal-'));
    dirs.push(dir);
    const path = join(dir, 'log.db');
    const { store, initial } = await fill(path, true);
    // Commits alone leave the main file as it was: automatic checkpoints are off.
    expect(statSync(path).size).toBe(initial);
    const deadline = Date.now() + 5_000;
    while (statSync(path).size === initial && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(statSync(path).size).toBeGreaterThan(initial);
    await store.close();
    const reopened = createSqliteLogStore(path);
    let count = 0;
    for await (const _record of reopened.query({})) count++;
    await reopened.close();
    expect(count).toBe(2_000);
  });
});
