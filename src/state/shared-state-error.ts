import type { SharedState } from './shared-state.js';

/** Why a shared-state call failed; the gateway decides whether to fail open on it. */
export class SharedStateError extends Error {
  /** The backing store, so a log line says which one failed. */
  readonly kind: SharedState['kind'];
  /** The SharedState method that failed (`addToWindow`, `get`, …). */
  readonly operation: string;

  constructor(
    kind: SharedState['kind'],
    operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, { cause: options?.cause });
    this.name = 'SharedStateError';
    this.kind = kind;
    this.operation = operation;
  }
}
