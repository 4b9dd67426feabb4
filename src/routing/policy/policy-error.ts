/** One problem found in a policy file, with where it is. */
export interface PolicyIssue {
  /** The file as the user named it (not made absolute), so messages match what they typed. */
  file: string;
  /** 1-based; 0 when the position is unknown. */
  line: number;
  /** 1-based; 0 when the position is unknown. */
  column: number;
  /** Dotted field path, e.g. `routes.fast.targets[1].timeouts.ttft_ms`; empty for the whole file. */
  field: string;
  message: string;
}

/** Format one issue as `file:line:column field: message`. */
export function formatPolicyIssue(issue: PolicyIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return issue.field === ''
    ? `${where} ${issue.message}`
    : `${where} ${issue.field}: ${issue.message}`;
}

/**
 * A policy could not be loaded. `message` lists every issue, one per line; the first issue's
 * position is also on the error itself for callers that show only one.
 */
export class PolicyError extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly field: string;
  readonly issues: PolicyIssue[];

  constructor(issues: PolicyIssue[], options?: { cause?: unknown }) {
    const first = issues[0] ?? {
      file: '<unknown>',
      line: 0,
      column: 0,
      field: '',
      message: 'invalid policy',
    };
    super(issues.length > 0 ? issues.map(formatPolicyIssue).join('\n') : formatPolicyIssue(first), {
      cause: options?.cause,
    });
    this.name = 'PolicyError';
    this.file = first.file;
    this.line = first.line;
    this.column = first.column;
    this.field = first.field;
    this.issues = issues.length > 0 ? issues : [first];
  }
}
