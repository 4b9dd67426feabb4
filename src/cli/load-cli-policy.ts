import { resolve } from 'node:path';
import { defaultPolicyPath, loadPolicyFile } from '../routing/policy/index.js';
import type { Policy } from '../routing/policy/policy-types.js';

/** A policy as the CLI uses it, with where it came from. */
export interface CliPolicy {
  policy: Policy;
  /** The file to watch and reload. */
  path: string;
  /** True when no --config was given and the embedded sim policy is in use. */
  embedded: boolean;
}

/**
 * Load `--config`, or the embedded sim policy when there is none. The embedded policy lives inside
 * the installed package, which may be read-only, so its request log goes to the working directory.
 */
export async function loadCliPolicy(config: string | undefined): Promise<CliPolicy> {
  const path = config ? resolve(config) : defaultPolicyPath();
  const policy = await loadPolicyFile(path);
  if (!config) policy.log.path = resolve('switchyard.db');
  return { policy, path, embedded: !config };
}
