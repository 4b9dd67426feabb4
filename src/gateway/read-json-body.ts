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

  const text = await readBodyText(request, limitBytes);
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

/**
 * The whole body as UTF-8 text. Listens for data/end itself rather than `for await` over the
 * request: the stream's async iterator costs a promise per chunk plus its end-of-stream
 * machinery, measurable per request at gateway rates. Over the limit, the request is destroyed
 * (as leaving a `for await` loop would), so a client streaming an endless body is cut off.
 */
function readBodyText(request: IncomingMessage, limitBytes: number): Promise<string> {
  if (request.readableEnded) return Promise.resolve('');
  if (request.destroyed) return Promise.reject(clientLeft());
  return new Promise((resolve, reject) => {
    let first: Buffer | null = null;
    let rest: Buffer[] | null = null;
    let total = 0;
    const settle = (error: Error | null): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
      if (error !== null) {
        reject(error);
        return;
      }
      if (first === null) resolve('');
      else if (rest === null) resolve(first.toString('utf8'));
      else resolve(Buffer.concat([first, ...rest]).toString('utf8'));
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > limitBytes) {
        settle(tooLarge(total, limitBytes));
        request.destroy();
        return;
      }
      if (first === null) first = chunk;
      else if (rest === null) rest = [chunk];
      else rest.push(chunk);
    };
    const onEnd = (): void => settle(null);
    // node:http reports a client that went away mid-body as ECONNRESET "aborted", or (without an
    // error) as 'close' before 'end'.
    const onError = (error: NodeJS.ErrnoException): void =>
      settle(error.code === 'ECONNRESET' ? clientLeft() : error);
    const onClose = (): void => settle(clientLeft());
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

function clientLeft(): SwitchyardError {
  return new SwitchyardError('client_closed', 'The client closed the connection mid-body.');
}
