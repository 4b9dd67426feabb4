import { fileURLToPath } from 'node:url';

/** The package root, found from this file whether it runs from src/ (tests) or dist/ (bin). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The embedded default policy: sim targets, so it runs with no keys and no network. */
export const DEFAULT_POLICY_PATH = fileURLToPath(new URL('../../examples/switchyard.yaml', import.meta.url));
