import pino, { type DestinationStream, type Logger } from 'pino';

/** Options for createLogger. */
export interface LoggerOptions {
  /** fatal, error, warn, info, debug, trace or silent; default info. */
  level?: string;
  /** Where lines go: a stream, a file descriptor, or a file path (created with its folder). Default stdout. */
  destination?: DestinationStream | number | string;
  /** Logger name, written as `name` on every line. */
  name?: string;
}

/** The censor written in place of a redacted value. */
export const LOG_REDACTED = '[REDACTED]';

/** Fields whose values are credentials; header names are lower-case, as Node delivers them. */
const SECRET_FIELDS = [
  'authorization',
  '["proxy-authorization"]',
  '["x-api-key"]',
  '["api-key"]',
  'api_key',
  'apiKey',
  'password',
  'cookie',
  '["set-cookie"]',
];

/*
 * pino's redaction needs explicit paths (a wildcard stands for exactly one level), so each field
 * is listed at the top level and up to three levels down: that covers `headers.authorization`,
 * `req.headers.authorization` and `upstream.request.headers.authorization`.
 */
function joinPath(prefix: string, field: string): string {
  if (prefix === '') return field.startsWith('[') ? field.slice(2, -2) : field;
  return field.startsWith('[') ? `${prefix}${field}` : `${prefix}.${field}`;
}

/** Every path the logger redacts. */
export const LOG_REDACT_PATHS: readonly string[] = ['', '*', '*.*', '*.*.*'].flatMap((prefix) =>
  SECRET_FIELDS.map((field) => joinPath(prefix, field)),
);

/**
 * Creates the pino logger used by the gateway and CLI, with credentials (authorization,
 * x-api-key, api_key, passwords, cookies) redacted wherever they appear in a logged object.
 * Throws on an unknown level.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  if (level !== 'silent' && !(level in pino.levels.values)) {
    throw new Error(
      `Unknown log level ${JSON.stringify(level)}: use fatal, error, warn, info, debug, trace or silent`,
    );
  }
  const settings = {
    level,
    ...(options.name === undefined ? {} : { name: options.name }),
    redact: { paths: [...LOG_REDACT_PATHS], censor: LOG_REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const destination = options.destination;
  if (destination === undefined) return pino(settings);
  if (typeof destination === 'string' || typeof destination === 'number') {
    return pino(settings, pino.destination({ dest: destination, mkdir: true, sync: false }));
  }
  return pino(settings, destination);
}
