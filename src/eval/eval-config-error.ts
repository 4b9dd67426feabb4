import { formatPolicyIssue, type PolicyIssue } from '../routing/policy/policy-error.js';

/** One problem in an eval.yaml, with where it is (same shape as a policy issue). */
export type EvalConfigIssue = PolicyIssue;

/**
 * An eval.yaml that cannot run: bad shape, an unknown target or baseline, a missing key, an
 * unreadable trace. Raised before any request is sent. `message` lists every issue as
 * `file:line:column field: message`, one per line.
 */
export class EvalConfigError extends Error {
  readonly issues: EvalConfigIssue[];

  constructor(issues: EvalConfigIssue[], options?: { cause?: unknown }) {
    super(issues.map(formatPolicyIssue).join('\n') || 'invalid eval config', {
      cause: options?.cause,
    });
    this.name = 'EvalConfigError';
    this.issues = issues;
  }
}
