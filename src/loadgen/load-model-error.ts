/** A load model (string or object) that cannot be used; the message says what to write instead. */
export class LoadModelError extends Error {
  /** The offending field, e.g. `rate` or `stop.p99Ms`; empty for the model as a whole. */
  readonly field: string;

  constructor(message: string, field = '') {
    super(message);
    this.name = 'LoadModelError';
    this.field = field;
  }
}
