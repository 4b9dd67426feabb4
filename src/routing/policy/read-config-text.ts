import { readFile } from 'node:fs/promises';

/** Where and why a config file could not be read, in the shape config errors use. */
export interface ReadIssue {
  file: string;
  line: 0;
  column: 0;
  field: '';
  message: string;
}

/**
 * Read a config file (policy, eval.yaml) as text. A missing or unreadable file becomes the
 * caller's own error type, built by `toError`, so every config error reads the same way.
 */
export async function readConfigText(
  path: string,
  what: string,
  toError: (issue: ReadIssue, cause: unknown) => Error,
): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'file not found'
        : (error as Error).message;
    throw toError(
      { file: path, line: 0, column: 0, field: '', message: `cannot read ${what}: ${reason}` },
      error,
    );
  }
}
