/**
 * Write schema/policy.schema.json from the policy's zod schema, so editors can validate and
 * complete policy files. Run after changing src/routing/policy/policy-schema.ts:
 * `tsx scripts/emit-policy-schema.ts`. A test fails when the committed file is stale.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { policyJsonSchema } from '../src/routing/policy/policy-json-schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const output = path.join(root, 'schema', 'policy.schema.json');
await mkdir(path.dirname(output), { recursive: true });
await writeFile(output, `${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${path.relative(process.cwd(), output)}\n`);
