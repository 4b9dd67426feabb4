import type { Metric, Registry } from 'prom-client';

/*
 * Counters and histograms for the gateway's per-request metrics, updated without building a
 * label object or hashing labels per call: a series is found through one Map per label, keyed by
 * the label values themselves (route and target names from the policy, status codes, error
 * classes), and updating it is a few additions. prom-client's own metrics hash their labels into
 * a string on every call; at 5,000 requests per second, with eight updates a request, that was
 * 8-15 µs of the ~150 the gateway spends on a request (docs/benchmarks.md).
 *
 * They render through prom-client's registry like its own metrics (the same exposition text,
 * byte for byte, for the same observations): the registry only asks a metric for name, help,
 * type and get(), so these implement that and nothing else.
 */

/** What prom-client's registry reads from a metric to render it. */
export interface RenderedMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: Array<{ labels: Record<string, string | number>; value: number; metricName?: string }>;
}

/** A label value as the series maps key it; rendered with String(). */
export type LabelValue = string | number;

/** Nested maps, one level per label, with the series at the last level. */
type SeriesTree<S> = Map<LabelValue, SeriesTree<S> | S>;

abstract class AggregatedMetric<S extends { labels: Record<string, string> }> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum' as const;
  protected readonly labelNames: readonly string[];
  #tree: SeriesTree<S> = new Map();
  #all: S[] = [];

  constructor(options: { name: string; help: string; labelNames?: readonly string[] }) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
  }

  /**
   * Like prom-client, a metric without labels shows its zero series from the start. Called by
   * each subclass once its own fields are set (newSeries may need them).
   */
  protected seedUnlabelled(): void {
    if (this.labelNames.length === 0) this.series();
  }

  /** The series for these label values (in labelNames order), created on first use. */
  series(...values: LabelValue[]): S {
    let level: SeriesTree<S> = this.#tree;
    const last = this.labelNames.length - 1;
    if (last < 0) return this.#all[0] ?? this.#create(values);
    for (let index = 0; index < last; index++) {
      const value = values[index] as LabelValue;
      let next = level.get(value) as SeriesTree<S> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(value, next);
      }
      level = next;
    }
    const leaf = values[last] as LabelValue;
    const found = level.get(leaf) as S | undefined;
    if (found !== undefined) return found;
    const created = this.#create(values);
    level.set(leaf, created);
    return created;
  }

  /** Every series, in creation order. */
  protected all(): readonly S[] {
    return this.#all;
  }

  /** Forget every series (prom-client's registry.resetMetrics()). */
  reset(): void {
    this.#tree = new Map();
    this.#all = [];
  }

  /** Register in a prom-client registry, which renders it with its own metrics. */
  registerIn(registry: Registry): this {
    registry.registerMetric(this as unknown as Metric);
    return this;
  }

  protected abstract newSeries(labels: Record<string, string>): S;

  #create(values: LabelValue[]): S {
    const labels: Record<string, string> = {};
    this.labelNames.forEach((name, index) => {
      labels[name] = String(values[index]);
    });
    const created = this.newSeries(labels);
    this.#all.push(created);
    return created;
  }
}

/** One counter series. */
export interface CounterSeries {
  readonly labels: Record<string, string>;
  value: number;
}

/** A monotonic counter; callers add non-negative, finite amounts to `series(...).value`. */
export class AggregatedCounter extends AggregatedMetric<CounterSeries> {
  readonly type = 'counter' as const;

  constructor(options: { name: string; help: string; labelNames?: readonly string[] }) {
    super(options);
    this.seedUnlabelled();
  }

  /** As prom-client's counters: an unlabelled one reads 0 again, not nothing. */
  override reset(): void {
    super.reset();
    this.seedUnlabelled();
  }

  protected newSeries(labels: Record<string, string>): CounterSeries {
    return { labels, value: 0 };
  }

  async get(): Promise<RenderedMetric> {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.all().map((series) => ({ labels: { ...series.labels }, value: series.value })),
    };
  }
}

/** One histogram series: per-bucket (not cumulative) counts, the last one past every bound. */
export class HistogramSeries {
  readonly labels: Record<string, string>;
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  readonly #bounds: readonly number[];

  constructor(labels: Record<string, string>, bounds: readonly number[]) {
    this.labels = labels;
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Record one finite value. */
  observe(value: number): void {
    const bounds = this.#bounds;
    let index = 0;
    while (index < bounds.length && value > (bounds[index] as number)) index++;
    this.counts[index] = (this.counts[index] as number) + 1;
    this.sum += value;
    this.count += 1;
  }
}

/** A histogram with fixed upper bounds (`le`), rendered as prom-client renders its histograms. */
export class AggregatedHistogram extends AggregatedMetric<HistogramSeries> {
  readonly type = 'histogram' as const;
  readonly #bounds: readonly number[];

  constructor(options: {
    name: string;
    help: string;
    labelNames?: readonly string[];
    buckets: readonly number[];
  }) {
    super(options);
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
    this.seedUnlabelled();
  }

  protected newSeries(labels: Record<string, string>): HistogramSeries {
    return new HistogramSeries(labels, this.#bounds);
  }

  async get(): Promise<RenderedMetric> {
    const values: RenderedMetric['values'] = [];
    const bucketName = `${this.name}_bucket`;
    for (const series of this.all()) {
      let cumulative = 0;
      this.#bounds.forEach((bound, index) => {
        cumulative += series.counts[index] as number;
        values.push({
          labels: { le: bound, ...series.labels },
          value: cumulative,
          metricName: bucketName,
        });
      });
      values.push({
        labels: { le: '+Inf', ...series.labels },
        value: series.count,
        metricName: bucketName,
      });
      values.push({
        labels: { ...series.labels },
        value: series.sum,
        metricName: `${this.name}_sum`,
      });
      values.push({
        labels: { ...series.labels },
        value: series.count,
        metricName: `${this.name}_count`,
      });
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }
}
