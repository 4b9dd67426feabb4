/** A check as written cannot be used; the message names the check and the field. */
export class CheckSpecError extends Error {
  /** Dotted path of the offending field, e.g. `checks[2].pattern`; empty for the whole list. */
  readonly field: string;

  constructor(message: string, field = '') {
    super(field === '' ? message : `${field}: ${message}`);
    this.name = 'CheckSpecError';
    this.field = field;
  }
}
