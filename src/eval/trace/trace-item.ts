/** One line or row of a trace file: parsed but not yet normalized, or why it could not be parsed. */
export type TraceItem = { line: number; value: unknown } | { line: number; reason: string };
