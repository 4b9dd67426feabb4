/**
 * Reports of an evaluation run: the terminal summary, Markdown, one self-contained HTML file,
 * the JSON report on disk, the live progress bar, run comparisons and run listings.
 */
export {
  createProgressReporter,
  type ProgressReporter,
  type ProgressReporterOptions,
  type ProgressUpdate,
} from './create-progress-reporter.js';
export { type ParetoPoint, paretoFront } from './pareto-front.js';
export { type ComparisonOptions, renderComparison } from './render-comparison.js';
export { HTML_DIFF_ROW_LIMIT, renderHtml } from './render-html.js';
export { MARKDOWN_DIFF_ROW_LIMIT, renderMarkdown } from './render-markdown.js';
export { type RunListRenderOptions, renderRunList } from './render-run-list.js';
export { renderTerminalSummary, type TerminalSummaryOptions } from './render-terminal-summary.js';
export { SIMULATED_NOTICE } from './report-tables.js';
export {
  REPORT_FORMATS,
  type ReportFormat,
  renderJson,
  type WriteReportsOptions,
  writeReports,
} from './write-reports.js';
