import cliProgress from 'cli-progress';

/** What the run loop reports as it goes. */
export interface ProgressUpdate {
  done: number;
  errors: number;
  ratePerSecond: number;
}

/** A live progress display for a run. */
export interface ProgressReporter {
  update(progress: ProgressUpdate): void;
  /** Draws the final state and releases the terminal; safe to call twice. */
  stop(): void;
}

/** Options for createProgressReporter. */
export interface ProgressReporterOptions {
  total: number;
  /** Where the bar is drawn; default process.stderr. stdout is left alone for piped JSON. */
  stream?: NodeJS.WriteStream;
  /** Shown before the bar; default `eval`. */
  label?: string;
}

/** Redraws per second at most; the run loop may call update() far more often. */
const FRAMES_PER_SECOND = 8;

/**
 * A progress bar (requests done/total, rate, errors, ETA) on a TTY. When the stream is not a
 * TTY (CI logs, a file, a pipe) it is silent: a redrawn bar would fill a log with control
 * codes, and the summary printed at the end carries the numbers. It never writes to stdout
 * unless handed stdout as its stream.
 */
export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  if (stream.isTTY !== true) {
    return { update() {}, stop() {} };
  }
  const bar = new cliProgress.SingleBar({
    stream,
    format:
      '{label} [{bar}] {value}/{total} | {rate} req/s | errors {errors} | ETA {eta_formatted}',
    fps: FRAMES_PER_SECOND,
    barsize: 30,
    hideCursor: true,
    clearOnComplete: false,
    // The CLI owns SIGINT (it aborts the run and prints a partial summary).
    gracefulExit: false,
    etaBuffer: 50,
  });
  // Braces in a label would be read as format tokens, so it travels as a payload value.
  bar.start(Math.max(0, options.total), 0, {
    label: options.label ?? 'eval',
    rate: '0.0',
    errors: 0,
  });
  let stopped = false;
  return {
    update(progress) {
      if (stopped) return;
      bar.update(Math.min(progress.done, options.total), {
        rate: Number.isFinite(progress.ratePerSecond) ? progress.ratePerSecond.toFixed(1) : '0.0',
        errors: progress.errors,
      });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
