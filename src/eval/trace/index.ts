/** Reading traces and curated suites into TraceEntry lists. */
export { normalizeTraceRecord, readTags } from './normalize-trace-record.js';
export { parseTimestamp } from './parse-timestamp.js';
export { CSV_COLUMNS } from './read-csv-items.js';
export { readTrace, type TraceFormat, type TraceReadResult } from './read-trace.js';
export { TraceReadError } from './trace-read-error.js';
