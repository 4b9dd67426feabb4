import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * Browser tests need the built Workspace in dist/ui, because the gateway serves it from there.
 * This builds it with Vite's programmatic build() when dist/ui is missing or older than its
 * sources, at most once per process. Test files run in parallel workers, so a lock directory
 * (mkdir is atomic) makes one worker build while the others wait, then re-check freshness
 * instead of building the same thing again.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const UI_DIST = join(ROOT, 'dist', 'ui');
const UI_CONFIG = join(ROOT, 'src', 'ui', 'vite.config.ts');
/** Everything that ends up in the bundle: the app and the report code it imports. */
const SOURCE_DIRS = [join(ROOT, 'src', 'ui'), join(ROOT, 'src', 'report')];
/** Single files from elsewhere that the bundle imports at runtime (not just their types). */
const SOURCE_FILES = [join(ROOT, 'src', 'eval', 'trace', 'validate-trace-request.ts')];
const LOCK_DIR = join(ROOT, 'dist', '.ui-build.lock');
/** A lock older than this was left by a crashed worker. */
const STALE_LOCK_MS = 120_000;
const WAIT_LIMIT_MS = 90_000;

function newestSourceMtime(): number {
  let newest = 0;
  for (const file of SOURCE_FILES) {
    newest = Math.max(newest, statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
  }
  const stack = [...SOURCE_DIRS];
  // Bounded walk: the source tree is small; the cap only guards against a symlink loop.
  for (let visited = 0; stack.length > 0 && visited < 10_000; visited += 1) {
    const dir = stack.pop() as string;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) stack.push(path);
      else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** Whether dist/ui holds a build at least as new as every source file. */
export function isUiBuildFresh(): boolean {
  const index = join(UI_DIST, 'index.html');
  return existsSync(index) && statSync(index).mtimeMs >= newestSourceMtime();
}

function tryLock(): boolean {
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  try {
    mkdirSync(LOCK_DIR);
    return true;
  } catch {
    const lock = statSync(LOCK_DIR, { throwIfNoEntry: false });
    if (lock !== undefined && Date.now() - lock.mtimeMs > STALE_LOCK_MS) {
      rmSync(LOCK_DIR, { recursive: true, force: true });
    }
    return false;
  }
}

async function buildOnce(): Promise<string> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!isUiBuildFresh()) {
    if (tryLock()) {
      try {
        if (!isUiBuildFresh()) {
          const { build } = await import('vite');
          await build({ configFile: UI_CONFIG, logLevel: 'warn' });
        }
      } finally {
        rmSync(LOCK_DIR, { recursive: true, force: true });
      }
      break;
    }
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for another worker to build ${UI_DIST}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return UI_DIST;
}

let building: Promise<string> | null = null;

/** Builds dist/ui if it is missing or stale (once per process); resolves with its path. */
export function ensureUiBuilt(): Promise<string> {
  building ??= buildOnce().catch((error: unknown) => {
    building = null;
    throw error;
  });
  return building;
}
