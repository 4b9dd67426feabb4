import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the policy shipped with the package (examples/switchyard.yaml). Found by
 * walking up from this module, because it sits at a different depth in src/ and dist/.
 */
export function defaultPolicyPath(): string {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth++) {
    const candidate = path.join(directory, 'examples', 'switchyard.yaml');
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  throw new Error('examples/switchyard.yaml not found next to the switchyard package');
}
