import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunReport } from '../eval/run-report.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';

/** The report files `writeReports` can write. */
export const REPORT_FORMATS = ['json', 'md', 'html'] as const;

/** One of REPORT_FORMATS. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Where and what `writeReports` writes. */
export interface WriteReportsOptions {
  /** Created (with parents) when missing. */
  dir: string;
  formats: ReportFormat[];
}

const FILE_NAMES: Record<ReportFormat, string> = {
  json: 'report.json',
  md: 'report.md',
  html: 'report.html',
};

/** The JSON report: the RunReport as-is, pretty-printed (2 spaces) so diffs of it are readable. */
export function renderJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function render(report: RunReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return renderJson(report);
    case 'md':
      return renderMarkdown(report);
    case 'html':
      return renderHtml(report);
  }
}

/*
 * Each file is written beside its final name and renamed into place, so a reader (a CI step
 * uploading artifacts, a browser reloading) never sees a half-written report, and a failed
 * render leaves the previous report untouched.
 */
async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, content, 'utf8');
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Writes `report.json`, `report.md` and/or `report.html` into `dir` (mkdir -p) and returns
 * the path written per format, e.g. `{ json: 'out/report.json', html: 'out/report.html' }`.
 */
export async function writeReports(
  report: RunReport,
  options: WriteReportsOptions,
): Promise<Record<string, string>> {
  for (const format of options.formats) {
    if (!REPORT_FORMATS.includes(format)) {
      throw new Error(
        `Unknown report format "${String(format)}"; use one of ${REPORT_FORMATS.join(', ')}`,
      );
    }
  }
  await mkdir(options.dir, { recursive: true });
  const paths: Record<string, string> = {};
  for (const format of new Set(options.formats)) {
    const path = join(options.dir, FILE_NAMES[format]);
    await writeAtomically(path, render(report, format));
    paths[format] = path;
  }
  return paths;
}
