import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { convertSeedPolicy, loadPolicyFile, policyJsonSchema } from '../routing/policy/index.js';

/** `switchyard policy check FILE`: validate and summarize, or print every problem with its line. */
export async function policyCheckCommand(file: string): Promise<void> {
  const policy = await loadPolicyFile(resolve(file));
  process.stdout.write(
    `${file}: ok — ${policy.targets.size} targets, ${policy.routes.size} routes, ${policy.rules.length} rules, default route "${policy.defaultRoute}"\n`,
  );
}

/** `switchyard policy convert FILE`: turn a seed-format config into a native policy (YAML on stdout). */
export async function policyConvertCommand(file: string): Promise<void> {
  const { yaml, notes } = convertSeedPolicy(parse(await readFile(file, 'utf8')));
  for (const note of notes) process.stderr.write(`note: ${note}\n`);
  process.stdout.write(yaml);
}

/** `switchyard policy schema`: the JSON Schema for editors. */
export function policySchemaCommand(): void {
  process.stdout.write(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
}
