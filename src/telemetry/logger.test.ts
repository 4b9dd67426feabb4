import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, LOG_REDACTED } from './logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination, parsed: () => lines.map((line) => JSON.parse(line)) };
}

describe('createLogger', () => {
  it('redacts credentials at the top level and in nested headers', () => {
    const { destination, lines, parsed } = capture();
    const logger = createLogger({ destination });
    logger.info(
      {
        authorization: 'Bearer top-secret-1',
        api_key: 'top-secret-2',
        headers: { authorization: 'Bearer top-secret-3', 'x-api-key': 'top-secret-4' },
        req: { headers: { authorization: 'Bearer top-secret-5', cookie: 'session=top-secret-6' } },
        upstream: { request: { headers: { 'x-api-key': 'top-secret-7' } } },
        target: { apiKey: 'top-secret-8', model: 'gpt-4o-mini' },
      },
      'upstream call',
    );
    expect(lines.join('')).not.toContain('top-secret');
    const [line] = parsed();
    expect(line).toMatchObject({
      msg: 'upstream call',
      authorization: LOG_REDACTED,
      api_key: LOG_REDACTED,
      headers: { authorization: LOG_REDACTED, 'x-api-key': LOG_REDACTED },
      req: { headers: { authorization: LOG_REDACTED, cookie: LOG_REDACTED } },
      upstream: { request: { headers: { 'x-api-key': LOG_REDACTED } } },
      target: { apiKey: LOG_REDACTED, model: 'gpt-4o-mini' },
    });
  });

  it('writes lines at or above its level only, with ISO timestamps', () => {
    const { destination, parsed } = capture();
    const logger = createLogger({ level: 'warn', destination, name: 'switchyard' });
    logger.info('hidden');
    logger.warn('shown');
    const lines = parsed();
    expect(lines.map((line) => line.msg)).toEqual(['shown']);
    expect(lines[0]?.name).toBe('switchyard');
    expect(lines[0]?.time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('rejects an unknown level with the accepted ones in the message', () => {
    expect(() => createLogger({ level: 'verbose' })).toThrow(
      /Unknown log level "verbose": use fatal/,
    );
  });

  it('writes to a file path, creating its folder', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'switchyard-logger-'));
    try {
      const path = join(directory, 'nested', 'gateway.log');
      const logger = createLogger({ destination: path });
      logger.error({ headers: { authorization: 'Bearer file-secret' } }, 'to file');
      // The file opens asynchronously; lines written meanwhile are buffered, so wait (bounded).
      let text = '';
      for (let tries = 0; tries < 100 && !text.includes('to file'); tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        text = await readFile(path, 'utf8').catch(() => '');
      }
      expect(text).toContain('to file');
      expect(text).not.toContain('file-secret');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
