import { createHash } from 'node:crypto';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parsePolicyText } from './load-policy.js';
import { PolicyError } from './policy-error.js';
import type { Policy } from './policy-types.js';

/** Callbacks and tuning for watchPolicy. */
export interface WatchPolicyOptions {
  /** A new, valid policy; the caller swaps it in. */
  onChange(policy: Policy): void;
  /** The file changed but does not load; the caller keeps the policy it has. */
  onError(error: Error): void;
  /** Quiet time after the last change event before loading; default 200 ms. */
  debounceMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** A running policy watch. */
export interface PolicyWatcher {
  /** Load the file now, even if it looks unchanged (SIGHUP). Resolves once handled. */
  reload(): Promise<void>;
  /** Stop watching; no callback runs after this. */
  close(): void;
}

/**
 * Watch a policy file and hand over each valid new version.
 *
 * The directory is watched, not the file: editors save by writing a temporary file and renaming
 * it over the original, which ends a watch on the old inode. Events are debounced because one
 * save produces several. Loads run one at a time, in order, so a slow load cannot overwrite a
 * newer one. A save that leaves the content identical (touch, some editors) is ignored.
 */
export function watchPolicy(policyPath: string, options: WatchPolicyOptions): PolicyWatcher {
  const absolutePath = path.resolve(policyPath);
  const fileName = path.basename(absolutePath);
  const debounceMs = options.debounceMs ?? 200;
  const env = options.env ?? process.env;
  let lastHash = hashOrNull(() => readFileSync(absolutePath, 'utf8'));
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  let missingOnce = false;
  let queue: Promise<void> = Promise.resolve();

  const load = async (force: boolean): Promise<void> => {
    if (closed) return;
    let text: string;
    try {
      text = await readFile(absolutePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !missingOnce && !force) {
        // Some editors delete and recreate; look again once before calling it an error.
        missingOnce = true;
        schedule();
        return;
      }
      missingOnce = false;
      if (!closed) {
        options.onError(
          new PolicyError([
            {
              file: policyPath,
              line: 0,
              column: 0,
              field: '',
              message: `cannot read policy: ${(error as Error).message}`,
            },
          ]),
        );
      }
      return;
    }
    missingOnce = false;
    const hash = sha256(text);
    if (!force && hash === lastHash) return;
    let policy: Policy;
    try {
      policy = parsePolicyText(text, policyPath, env);
    } catch (error) {
      if (!closed) options.onError(error as Error);
      return;
    }
    if (closed) return;
    lastHash = hash;
    options.onChange(policy);
  };

  const enqueue = (force: boolean): Promise<void> => {
    // A throwing callback must not break the chain for every later change.
    queue = queue
      .then(() => load(force))
      .catch((error: unknown) => {
        if (closed) return;
        try {
          options.onError(error as Error);
        } catch {
          // The caller's error handler failed too; there is no one left to tell.
        }
      });
    return queue;
  };

  function schedule(): void {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void enqueue(false);
    }, debounceMs);
  }

  const watcher: FSWatcher = watch(
    path.dirname(absolutePath),
    { persistent: false },
    (_event, changed) => {
      // Some platforms do not report the name; then any change in the directory counts.
      if (changed === null || changed === fileName) schedule();
    },
  );
  watcher.on('error', (error) => {
    if (!closed) options.onError(error);
  });

  return {
    reload: () => enqueue(true),
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      watcher.close();
    },
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function hashOrNull(read: () => string): string | null {
  try {
    return sha256(read());
  } catch {
    return null;
  }
}
