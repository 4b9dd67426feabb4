import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where Switchyard's own package.json sits, and what it says about itself. */
export interface PackageInfo {
  root: string;
  version: string;
}

let cached: PackageInfo | null = null;

/**
 * Switchyard's package root and version. Walks up from this module, because the same code runs
 * from `src/` (tests, tsx) and from `dist/` (the installed bin), at different depths.
 */
export function packageInfo(): PackageInfo {
  if (cached) return cached;
  let directory = dirname(fileURLToPath(import.meta.url));
  // Bounded: a filesystem path has few levels, and dirname of the root is the root.
  for (let level = 0; level < 16; level += 1) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (parsed.name === 'switchyard') {
        cached = { root: directory, version: parsed.version ?? '0.0.0' };
        return cached;
      }
    }
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  throw new Error('Cannot find the switchyard package.json above this module');
}
