import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgressReporter } from './create-progress-reporter.js';

function makeStream(isTTY: boolean): { stream: NodeJS.WriteStream; output: () => string } {
  const chunks: string[] = [];
  const writable = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  Object.assign(writable, { isTTY, columns: 140, rows: 40 });
  return { stream: writable as unknown as NodeJS.WriteStream, output: () => chunks.join('') };
}

describe('createProgressReporter', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('draws requests done of total, rate, errors and ETA on a TTY', () => {
    const { stream, output } = makeStream(true);
    const reporter = createProgressReporter({ total: 200, stream, label: 'big-vs-routed' });
    reporter.update({ done: 50, errors: 3, ratePerSecond: 12.5 });
    reporter.update({ done: 120, errors: 7, ratePerSecond: 33.25 });
    reporter.stop();
    const text = output();
    expect(text).toContain('big-vs-routed');
    expect(text).toContain('120/200');
    expect(text).toContain('33.3 req/s');
    expect(text).toContain('errors 7');
    expect(text).toContain('ETA');
  });

  it('keeps a label with braces literal', () => {
    const { stream, output } = makeStream(true);
    const reporter = createProgressReporter({ total: 10, stream, label: '{total} run' });
    reporter.stop();
    expect(output()).toContain('{total} run');
  });

  it('is silent when the stream is not a TTY', () => {
    const { stream, output } = makeStream(false);
    const reporter = createProgressReporter({ total: 10, stream });
    reporter.update({ done: 5, errors: 0, ratePerSecond: 1 });
    reporter.stop();
    expect(output()).toBe('');
  });

  it('never writes to stdout', () => {
    const stdoutWrite = vi.spyOn(process.stdout, 'write');
    const { stream } = makeStream(true);
    const onTty = createProgressReporter({ total: 10, stream });
    onTty.update({ done: 10, errors: 1, ratePerSecond: 5 });
    onTty.stop();
    const byDefault = createProgressReporter({ total: 10 });
    byDefault.update({ done: 10, errors: 1, ratePerSecond: 5 });
    byDefault.stop();
    expect(stdoutWrite).not.toHaveBeenCalled();
  });

  it('ignores updates after stop and tolerates a second stop', () => {
    const { stream, output } = makeStream(true);
    const reporter = createProgressReporter({ total: 10, stream });
    reporter.update({ done: 4, errors: 0, ratePerSecond: 2 });
    reporter.stop();
    const settled = output();
    reporter.update({ done: 9, errors: 0, ratePerSecond: 2 });
    reporter.stop();
    expect(output()).toBe(settled);
  });
});
