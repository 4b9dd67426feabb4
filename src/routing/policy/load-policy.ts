import { type Document, LineCounter, parseDocument } from 'yaml';
import { convertSeedPolicy, isSeedPolicy, seedPolicySchema } from './convert-seed-policy.js';
import { describeZodIssues, type PolicyFieldIssue } from './describe-zod-issues.js';
import { formatFieldPath, locateYamlPath } from './locate-yaml-path.js';
import { normalizePolicy } from './normalize-policy.js';
import { PolicyError, type PolicyIssue } from './policy-error.js';
import { policyFieldNames, policyFileSchema } from './policy-schema.js';
import type { Policy } from './policy-types.js';
import { readConfigText } from './read-config-text.js';

/** Read, validate and normalize a policy file (YAML or JSON). Throws PolicyError. */
export async function loadPolicyFile(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Policy> {
  const text = await readConfigText(
    path,
    'policy',
    (issue, cause) => new PolicyError([issue], { cause }),
  );
  return parsePolicyText(text, path, env);
}

/**
 * Validate and normalize policy text. `sourcePath` names the file in messages and anchors
 * relative paths (the log file); pass '<inline>' for text that has no file.
 *
 * A seed-format file (top-level `routing:` or `route:`) loads through convertSeedPolicy; the
 * policy's `notes` say so and list what the conversion decided.
 */
export function parsePolicyText(
  text: string,
  sourcePath: string,
  env: NodeJS.ProcessEnv = process.env,
): Policy {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true });
  if (document.errors.length > 0) {
    throw new PolicyError(
      document.errors.map((error) => ({
        file: sourcePath,
        line: error.linePos?.[0].line ?? 0,
        column: error.linePos?.[0].col ?? 0,
        field: '',
        message: `YAML syntax error: ${plainYamlMessage(error.message)}`,
      })),
    );
  }
  const raw: unknown = document.toJS({ maxAliasCount: 100 });
  const toIssues = (found: PolicyFieldIssue[]): PolicyIssue[] =>
    found.map((issue) => {
      const position = locateYamlPath(document, lineCounter, issue.path, { atKey: issue.atKey });
      return {
        file: sourcePath,
        ...position,
        field: formatFieldPath(issue.path),
        message: issue.message,
      };
    });

  if (raw === null || raw === undefined || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PolicyError([
      {
        file: sourcePath,
        line: 1,
        column: 1,
        field: '',
        message: 'expected a mapping with targets (and optionally routes, rules, classification)',
      },
    ]);
  }

  if (isSeedPolicy(raw)) {
    const seed = seedPolicySchema.safeParse(raw, { reportInput: true });
    if (!seed.success) throw new PolicyError(toIssues(describeZodIssues(seed.error.issues)));
    const converted = convertSeedPolicy(raw);
    const policy = parseNative(
      converted.yaml,
      sourcePath,
      `${sourcePath} (converted from seed format)`,
      env,
    );
    policy.notes = [
      `${sourcePath} is in a seed format and was converted on load; \`switchyard policy convert ${sourcePath}\` prints the native policy`,
      ...converted.notes,
    ];
    return policy;
  }
  return validate(raw, document, lineCounter, sourcePath, env);
}

function parseNative(
  text: string,
  sourcePath: string,
  displayPath: string,
  env: NodeJS.ProcessEnv,
): Policy {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  return validate(document.toJS(), document, lineCounter, sourcePath, env, displayPath);
}

function validate(
  raw: unknown,
  document: Document,
  lineCounter: LineCounter,
  sourcePath: string,
  env: NodeJS.ProcessEnv,
  displayPath: string = sourcePath,
): Policy {
  const toIssues = (found: PolicyFieldIssue[]): PolicyIssue[] =>
    found.map((issue) => {
      const position = locateYamlPath(document, lineCounter, issue.path, { atKey: issue.atKey });
      return {
        file: displayPath,
        ...position,
        field: formatFieldPath(issue.path),
        message: issue.message,
      };
    });
  const parsed = policyFileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    throw new PolicyError(
      sortIssues(toIssues(describeZodIssues(parsed.error.issues, policyFieldNames()))),
    );
  }
  const result = normalizePolicy(parsed.data, { sourcePath, env });
  if (!result.policy) throw new PolicyError(sortIssues(toIssues(result.issues)));
  return result.policy;
}

/** File order reads best: the first line of the message is the first problem in the file. */
function sortIssues(issues: PolicyIssue[]): PolicyIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** yaml's pretty messages end with " at line L, column C:" and a snippet; we print our own position. */
function plainYamlMessage(message: string): string {
  const firstLine = message.split('\n')[0] ?? message;
  return firstLine.replace(/ at line \d+, column \d+:?$/, '');
}
