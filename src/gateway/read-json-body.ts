import type { IncomingMessage } from 'node:http';
import { SwitchyardError } from '../core/switchyard-error.js';

/**
 * Read and parse a JSON request body, refusing more than `limitBytes`. A declared
 * Content-Length over the limit is refused before reading a byte; an undeclared one is refused
 * as soon as the running total passes the limit.
 */
export async function readJsonBody(request: IncomingMessage, limitBytes: number): Promise<unknown> {
  const contentType = request.headers['content-type'];
  if (contentType && !/\bjson\b/i.test(contentType)) {
    throw new SwitchyardError(
      'unsupported_media_type',
      `Content-Type must be application/json, got "${contentType}".`,
    );
  }
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(declared, limitBytes);

  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limitBytes) throw tooLarge(total, limitBytes);
    chunks.push(chunk);
  }
  const text =
    chunks.length === 1
      ? (chunks[0] as Buffer).toString('utf8')
      : Buffer.concat(chunks).toString('utf8');
  if (text.length === 0)
    throw new SwitchyardError('invalid_json', 'The request body is empty; send a JSON object.');
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new SwitchyardError('invalid_json', `The request body is not valid JSON: ${detail}.`);
  }
}

function tooLarge(bytes: number, limitBytes: number): SwitchyardError {
  return new SwitchyardError(
    'body_too_large',
    `The request body is ${bytes > limitBytes ? 'over' : ''} ${limitBytes} bytes (the limit); send less or raise server.body_limit_bytes.`,
  );
}
