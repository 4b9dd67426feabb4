import { mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Policy } from './policy-types.js';
import { type PolicyWatcher, watchPolicy } from './policy-watcher.js';

function policyText(port: number): string {
  return `server: { port: ${port} }\ntargets:\n  a: { provider: sim, sim: {} }\n`;
}

/** Poll until the condition holds, at most `timeoutMs`. */
async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('watchPolicy', () => {
  let directory: string;
  let file: string;
  let watcher: PolicyWatcher | null;
  let changes: Policy[];
  let errors: Error[];

  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'switchyard-watch-'));
    file = path.join(directory, 'switchyard.yaml');
    await writeFile(file, policyText(1000));
    changes = [];
    errors = [];
    watcher = null;
  });
  afterEach(async () => {
    watcher?.close();
    await rm(directory, { recursive: true, force: true });
  });

  const start = (): PolicyWatcher =>
    watchPolicy(file, {
      onChange: (policy) => changes.push(policy),
      onError: (error) => errors.push(error),
      debounceMs: 50,
      env: {},
    });

  it('hands over the new policy when the file is rewritten', async () => {
    watcher = start();
    await writeFile(file, policyText(1001));
    await waitFor(() => changes.length > 0);
    expect(changes.at(-1)?.server.port).toBe(1001);
  });

  it('follows an editor-style save (write elsewhere, rename over)', async () => {
    watcher = start();
    const temporary = path.join(directory, '.switchyard.yaml.swp');
    await writeFile(temporary, policyText(1002));
    await rename(temporary, file);
    await waitFor(() => changes.some((policy) => policy.server.port === 1002));
  });

  it('reports an invalid file and hands over nothing', async () => {
    watcher = start();
    await writeFile(file, 'targets:\n  a: { provider: sim }\n');
    await waitFor(() => errors.length > 0);
    expect(errors[0]?.message).toMatch(
      /switchyard\.yaml:2:3 targets\.a: provider sim needs a sim profile/,
    );
    expect(changes).toEqual([]);
    // Fixing the file afterwards is picked up.
    await writeFile(file, policyText(1003));
    await waitFor(() => changes.length > 0);
    expect(changes[0]?.server.port).toBe(1003);
  });

  it('reloads on demand even when the file is unchanged', async () => {
    watcher = start();
    await watcher.reload();
    expect(changes).toHaveLength(1);
    expect(changes[0]?.server.port).toBe(1000);
  });

  it('ignores other files in the directory', async () => {
    // The watched name is a symlink into another directory, so its content can change without an
    // event in the watched directory: a load triggered by the wrong file would then see it.
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'switchyard-real-'));
    try {
      const real = path.join(elsewhere, 'policy.yaml');
      await writeFile(real, policyText(1000));
      file = path.join(directory, 'linked.yaml');
      await symlink(real, file);
      watcher = start();
      await writeFile(real, policyText(1005));
      await writeFile(path.join(directory, 'other.yaml'), 'not: a policy');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(changes).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('calls nothing after close', async () => {
    watcher = start();
    watcher.close();
    await writeFile(file, policyText(1004));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(changes).toEqual([]);
  });
});
