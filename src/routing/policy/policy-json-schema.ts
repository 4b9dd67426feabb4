import { z } from 'zod';
import { policyFileSchema } from './policy-schema.js';

/**
 * The policy file's JSON Schema, for editors (yaml-language-server, VS Code). It describes what
 * an author may write (`io: 'input'`), so fields with defaults are optional. Cross-references
 * (does this route exist?) are beyond JSON Schema; the loader checks them.
 */
export function policyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(policyFileSchema, { io: 'input' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: 'Switchyard policy',
    description:
      'Targets, classification, rules and routes for the Switchyard gateway. See docs/policy.md.',
    ...schema,
  };
}
