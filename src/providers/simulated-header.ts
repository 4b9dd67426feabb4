import { headerValue, type ResponseHeaders } from './retry-after.js';

/**
 * The response header that labels an answer as simulated. The gateway sets it for sim targets;
 * a standalone `switchyard sim` server sets it on its own answers, and an openai-compatible
 * target pointed at one passes the label on, so a simulated answer never passes for a model's.
 */
export const SIMULATED_HEADER = 'x-switchyard-simulated';

/** Whether upstream response headers label the answer as simulated. */
export function isLabelledSimulated(headers: ResponseHeaders): boolean {
  return headerValue(headers, SIMULATED_HEADER) === 'true';
}
