/** A trace file that cannot be used at all: unreadable, unparseable, or without one valid entry. */
export class TraceReadError extends Error {
  /** The file as the caller named it. */
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`${path}: ${message}`, { cause: options?.cause });
    this.name = 'TraceReadError';
    this.path = path;
  }
}
