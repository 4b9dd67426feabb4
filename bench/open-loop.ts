import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import { type Dispatcher, Pool } from 'undici';

/** One open-loop run: a fixed arrival rate for a bounded number of requests. */
export interface OpenLoopOptions {
  /** Full URL to POST to, e.g. `http://127.0.0.1:8080/v1/chat/completions`. */
  url: string;
  /** The JSON body, or a function giving the body of the i-th request. */
  body: string | ((index: number) => string);
  /** Arrivals per second. */
  rate: number;
  /** Requests to send; the run lasts `count / rate` seconds. */
  count: number;
  /** Read the answer as a stream and record time to first byte of the body (TTFT). */
  stream: boolean;
  /** Keep-alive connections in the client pool; each in-flight request needs one (HTTP/1.1). */
  connections?: number;
  /** A request not finished this long after its intended send time is an error. */
  timeoutMs?: number;
  /** Headers added to every request. */
  headers?: Record<string, string>;
  /** Length of the slices the run's p99 is also given for (`slices`), by intended send time. */
  sliceSeconds?: number;
}

/** Percentiles of one latency distribution, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** What an open-loop run measured. */
export interface OpenLoopResult {
  rate: number;
  sent: number;
  ok: number;
  errors: number;
  /** Up to five distinct error descriptions, for diagnosis. */
  errorSamples: string[];
  /** Wall time from the first intended send to the last completion, in seconds. */
  elapsedSeconds: number;
  /** Completed requests per second of elapsed time. */
  achievedRate: number;
  /** From the intended send time to the last byte: includes any queueing, anywhere. */
  latency: LatencySummary;
  /** From the actual send to the last byte: what a closed-loop tool would report. */
  service: LatencySummary;
  /** From the intended send time to the first body byte; streams only. */
  ttft: LatencySummary | null;
  /** How late the generator itself issued requests; a large max means its numbers are suspect. */
  sendLateness: LatencySummary;
  /**
   * The p99 of each consecutive slice of the run (`sliceSeconds`, by intended send time), so a
   * long window's p99 does not hide a bad ten seconds: latency, and TTFT for streams.
   */
  slices: { seconds: number; latencyP99: number[]; ttftP99: number[] | null };
}

const US_PER_MS = 1_000;
const DEFAULT_SLICE_SECONDS = 10;

function newHistogram(): hdr.Histogram {
  return hdr.build({
    bitBucketSize: 32,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

function recordMs(histogram: hdr.Histogram, ms: number): void {
  histogram.recordValue(Math.max(1, Math.round(ms * US_PER_MS)));
}

/** Percentiles of a histogram recorded in microseconds, converted to milliseconds. */
export function summarize(histogram: hdr.Histogram): LatencySummary {
  const at = (percentile: number) =>
    histogram.totalCount === 0 ? 0 : histogram.getValueAtPercentile(percentile) / US_PER_MS;
  return {
    count: histogram.totalCount,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max: histogram.totalCount === 0 ? 0 : histogram.maxValue / US_PER_MS,
    mean: histogram.totalCount === 0 ? 0 : histogram.mean / US_PER_MS,
  };
}

/**
 * Send `count` requests at a fixed arrival rate, regardless of how fast answers come back.
 *
 * The send times are computed before the first request (i / rate after the start). Latency is
 * measured from each request's *intended* send time, so a slow server cannot slow the
 * generator down and hide its own queueing (coordinated omission). Service time, from the
 * actual send, is kept alongside for comparison, and so is the generator's own lateness.
 *
 * Scheduling: when the next send is more than 2 ms away the loop sleeps on a timer; closer than
 * that it yields with setImmediate, which still lets every I/O callback run between checks but
 * avoids the 1 ms granularity of timers. At the rates benchmarked (≥ 1,000 req/s) that means the
 * generator polls continuously, so its process should have a core of its own (or share it only
 * with work in the same event loop).
 *
 * Bounded: at most `count` sends; the run ends `timeoutMs` after the last intended send at the
 * latest, with whatever is still outstanding counted as errors and its connections destroyed.
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const [result] = await runPairedOpenLoop(options, [options.url]);
  return result as OpenLoopResult;
}

/**
 * One open-loop schedule sent to several URLs: each request goes to every URL, path k a k-th
 * share of the interval after the first (interleaved, not simultaneous), each path with its own
 * connection pool and its own figures. Comparing paths measured this way cancels what they share:
 * a pause of the generator, the upstream or the whole machine (this VM's hypervisor) longer than
 * an interval lands on every path's requests alike, where windows measured one after another
 * each catch their own. Sending at the same instant instead made the direct path's exchange
 * queue behind the other path's on this core (+0.04–0.06 ms at p50). The rate is per path.
 * `options.url` is ignored; the results follow `urls`.
 */
export async function runPairedOpenLoop(
  options: OpenLoopOptions,
  urls: readonly string[],
): Promise<OpenLoopResult[]> {
  const count = Math.max(1, Math.trunc(options.count));
  const intervalMs = 1_000 / options.rate;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const fixedBody = typeof options.body === 'string' ? Buffer.from(options.body) : null;
  const bodyOf = options.body;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...options.headers,
  };
  const paths = urls.map((url) => {
    const target = new URL(url);
    return {
      origin: target.origin,
      path: `${target.pathname}${target.search}`,
      pool: new Pool(target.origin, {
        connections: options.connections ?? 512,
        keepAliveTimeout: 60_000,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      }),
      latency: newHistogram(),
      service: newHistogram(),
      ttft: newHistogram(),
      lateness: newHistogram(),
      latencySlices: [] as hdr.Histogram[],
      ttftSlices: [] as hdr.Histogram[],
      errorSamples: new Set<string>(),
      ok: 0,
      errors: 0,
      lastDoneAt: 0,
    };
  });
  type PathState = (typeof paths)[number];
  let outstanding = 0;

  // Send j goes to path j % P for request j / P, at that request's time plus an equal share of
  // the interval per path: the paths interleave instead of sending at the same instant, so one
  // path's exchange does not queue behind the other's on this process's core, while any pause
  // longer than an interval still catches requests of every path.
  const pathCount = paths.length;
  const totalSends = count * pathCount;
  const schedule = new Float64Array(totalSends);
  const startAt = performance.now() + 20;
  for (let send = 0; send < totalSends; send++) {
    schedule[send] =
      startAt +
      Math.floor(send / pathCount) * intervalMs +
      ((send % pathCount) * intervalMs) / pathCount;
  }
  const hardStopAt = startAt + count * intervalMs + timeoutMs + 1_000;
  const sliceMs = (options.sliceSeconds ?? DEFAULT_SLICE_SECONDS) * 1_000;
  const recordSliced = (slices: hdr.Histogram[], intendedAt: number, ms: number): void => {
    const slice = Math.max(0, Math.floor((intendedAt - startAt) / sliceMs));
    const histogram = slices[slice] ?? newHistogram();
    slices[slice] = histogram;
    recordMs(histogram, ms);
  };

  let finishRun: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => {
    finishRun = resolve;
  });
  let nextIndex = 0;

  const fail = (state: PathState, reason: string): void => {
    state.errors += 1;
    if (state.errorSamples.size < 5) state.errorSamples.add(reason);
  };
  const settle = (): void => {
    outstanding -= 1;
    if (outstanding === 0 && nextIndex >= totalSends) finishRun();
  };

  const send = (state: PathState, body: Buffer, intendedAt: number): void => {
    const sentAt = performance.now();
    recordMs(state.lateness, sentAt - intendedAt);
    outstanding += 1;
    let status = 0;
    let firstByteSeen = false;
    let tail = '';
    const handler: Dispatcher.DispatchHandler = {
      // Its presence tells undici this is a new-style (controller) handler.
      onRequestStart() {},
      onResponseStart(_controller, statusCode) {
        status = statusCode;
      },
      onResponseData(_controller, chunk) {
        if (!firstByteSeen) {
          firstByteSeen = true;
          if (options.stream && status === 200) {
            const ttftMs = performance.now() - intendedAt;
            recordMs(state.ttft, ttftMs);
            recordSliced(state.ttftSlices, intendedAt, ttftMs);
          }
        }
        // Only the last bytes matter: a stream is complete only if it ends with [DONE].
        if (options.stream) tail = (tail + chunk.toString('latin1')).slice(-32);
      },
      onResponseEnd() {
        const doneAt = performance.now();
        state.lastDoneAt = doneAt;
        if (status !== 200) fail(state, `HTTP ${status}`);
        else if (options.stream && !tail.includes('[DONE]'))
          fail(state, 'stream ended without [DONE]');
        else {
          state.ok += 1;
          recordMs(state.latency, doneAt - intendedAt);
          recordSliced(state.latencySlices, intendedAt, doneAt - intendedAt);
          recordMs(state.service, doneAt - sentAt);
        }
        settle();
      },
      onResponseError(_controller, error) {
        state.lastDoneAt = performance.now();
        fail(state, error.message || String(error));
        settle();
      },
    };
    state.pool.dispatch(
      { origin: state.origin, path: state.path, method: 'POST', headers, body },
      handler,
    );
  };

  const sendNext = (intendedAt: number): void => {
    const index = Math.floor(nextIndex / pathCount);
    const body = fixedBody ?? Buffer.from((bodyOf as (index: number) => string)(index));
    send(paths[nextIndex % pathCount] as PathState, body, intendedAt);
  };

  const tick = (): void => {
    const now = performance.now();
    if (now > hardStopAt) {
      finishRun();
      return;
    }
    while (nextIndex < totalSends && (schedule[nextIndex] as number) <= now) {
      sendNext(schedule[nextIndex] as number);
      nextIndex += 1;
    }
    if (nextIndex >= totalSends) {
      if (outstanding === 0) finishRun();
      return;
    }
    const waitMs = (schedule[nextIndex] as number) - performance.now();
    if (waitMs > 2) setTimeout(tick, waitMs - 1.5);
    else setImmediate(tick);
  };
  setTimeout(tick, Math.max(0, startAt - performance.now() - 1.5));

  /** Sends made to path `path` so far. */
  const sentTo = (path: number): number =>
    Math.floor((nextIndex - path + pathCount - 1) / pathCount);
  const guard = setTimeout(finishRun, Math.max(0, hardStopAt - performance.now()));
  await allDone;
  clearTimeout(guard);
  const stillOutstanding = outstanding;
  if (stillOutstanding > 0) {
    // Which path they belong to is not tracked; each path's ok + errors shows its share.
    for (const [path, state] of paths.entries()) {
      const missing = sentTo(path) - state.ok - state.errors;
      if (missing > 0) {
        state.errors += missing;
        state.errorSamples.add(`${missing} requests still outstanding at the hard stop`);
      }
    }
    await Promise.all(paths.map((state) => state.pool.destroy()));
  } else {
    await Promise.all(paths.map((state) => state.pool.close()));
  }
  return paths.map((state, path) => {
    const elapsedSeconds = Math.max(
      0.001,
      ((state.lastDoneAt || performance.now()) - startAt) / 1_000,
    );
    return {
      rate: options.rate,
      sent: sentTo(path),
      ok: state.ok,
      errors: state.errors,
      errorSamples: [...state.errorSamples],
      elapsedSeconds,
      achievedRate: state.ok / elapsedSeconds,
      latency: summarize(state.latency),
      service: summarize(state.service),
      ttft: options.stream ? summarize(state.ttft) : null,
      sendLateness: summarize(state.lateness),
      slices: {
        seconds: sliceMs / 1_000,
        latencyP99: Array.from(state.latencySlices, (slice) => sliceP99(slice)),
        ttftP99: options.stream ? Array.from(state.ttftSlices, (slice) => sliceP99(slice)) : null,
      },
    };
  });
}

/** A slice's p99 in ms; NaN for a slice in which no request succeeded. */
function sliceP99(histogram: hdr.Histogram | undefined): number {
  return histogram ? summarize(histogram).p99 : Number.NaN;
}

/**
 * The request every benchmark sends: a short two-message chat, like a typical assistant turn.
 * The user message carries the request's number, so no cache anywhere (tokenizer, redaction)
 * sees the same text twice, as it would not in real traffic.
 */
export function benchRequestBody(model: string, stream: boolean): (index: number) => string {
  const [prefix, suffix] = JSON.stringify({
    model,
    messages: [
      { role: 'system', content: 'You are a helpful assistant. Answer briefly.' },
      {
        role: 'user',
        content: 'Question #@@: What is the capital of France, and why is it famous?',
      },
    ],
    max_tokens: 64,
    temperature: 0.2,
    ...(stream ? { stream: true } : {}),
  }).split('@@') as [string, string];
  return (index) => `${prefix}${index}${suffix}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      rate: { type: 'string', default: '1000' },
      duration: { type: 'string', default: '10' },
      stream: { type: 'boolean', default: false },
      model: { type: 'string', default: 'auto' },
      connections: { type: 'string', default: '512' },
    },
  });
  if (!values.url) throw new Error('--url is required (the full chat completions URL)');
  const rate = Number(values.rate);
  const result = await runOpenLoop({
    url: values.url,
    body: benchRequestBody(values.model, values.stream),
    rate,
    count: Math.round(rate * Number(values.duration)),
    stream: values.stream,
    connections: Number(values.connections),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`open-loop: ${String(error)}\n`);
    process.exit(1);
  });
}
