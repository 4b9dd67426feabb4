import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRunReport } from './__fixtures__/run-report.js';
import type { ReportFormat } from './write-reports.js';
import { writeReports } from './write-reports.js';

describe('writeReports', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'switchyard-report-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('writes every asked format into a new nested directory and returns the paths', async () => {
    const report = makeRunReport();
    const dir = join(directory, 'runs', report.id);
    const paths = await writeReports(report, { dir, formats: ['json', 'md', 'html'] });
    expect(paths).toEqual({
      json: join(dir, 'report.json'),
      md: join(dir, 'report.md'),
      html: join(dir, 'report.html'),
    });
    expect(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))).toEqual(report);
    expect(await readFile(join(dir, 'report.md'), 'utf8')).toContain('# Switchyard eval report');
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
    expect((await readdir(dir)).sort()).toEqual(['report.html', 'report.json', 'report.md']);
  });

  it('writes only the formats asked for', async () => {
    const paths = await writeReports(makeRunReport(), { dir: directory, formats: ['md'] });
    expect(Object.keys(paths)).toEqual(['md']);
    expect(await readdir(directory)).toEqual(['report.md']);
  });

  it('rejects an unknown format before writing anything', async () => {
    const dir = join(directory, 'never');
    await expect(
      writeReports(makeRunReport(), { dir, formats: ['json', 'pdf' as ReportFormat] }),
    ).rejects.toThrow('Unknown report format "pdf"');
    await expect(readdir(dir)).rejects.toThrow();
  });
});
