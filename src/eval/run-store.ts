import type { RunReport } from './run-report.js';

/** One stored run as `switchyard runs` lists it: the indexed columns, not the whole report. */
export interface RunListing {
  id: string;
  name: string;
  /** ISO 8601, as in the report. */
  startedAt: string;
  baseline: string;
  candidates: string[];
  /** Every gate passed. */
  passed: boolean;
  simulated: boolean;
  /** Requests sent, all candidates together. */
  requests: number;
}

/** Options for RunStore.list. */
export interface RunListOptions {
  /** Newest runs to return; default 50, `Infinity` for all. */
  limit?: number;
}

/**
 * Where evaluation runs are kept so they can be listed and compared later. The SQLite
 * implementation (src/store/sqlite-run-store.ts) shares the request log's database file.
 */
export interface RunStore {
  /** Stores a run; saving a run with an id already stored replaces it. */
  save(report: RunReport): Promise<void>;
  /**
   * The run with this id, or the only run whose id starts with this prefix; null when none
   * matches. Throws when a prefix matches more than one run, naming them.
   */
  get(idOrPrefix: string): Promise<RunReport | null>;
  /** Runs, newest first (by start time). */
  list(options?: RunListOptions): Promise<RunListing[]>;
  close(): Promise<void>;
}

/** The listing row of a report. */
export function toRunListing(report: RunReport): RunListing {
  return {
    id: report.id,
    name: report.name,
    startedAt: report.startedAt,
    baseline: report.baseline,
    candidates: report.candidates.map((candidate) => candidate.candidate),
    passed: report.passed,
    simulated: report.simulated,
    requests: report.candidates.reduce((total, candidate) => total + candidate.requests, 0),
  };
}
