import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { AggregatedCounter, AggregatedHistogram } from './aggregated-metrics.js';

const BUCKETS = [0.005, 0.01, 0.1, 1];

/** The same observations through prom-client's metrics and through ours, in two registries. */
function twins() {
  const reference = new Registry();
  const ours = new Registry();
  const counter = new Counter({
    name: 'demo_requests_total',
    help: 'Requests by route and status.',
    labelNames: ['route', 'status'] as const,
    registers: [reference],
  });
  const histogram = new Histogram({
    name: 'demo_duration_seconds',
    help: 'Durations "quoted" and \\ escaped.',
    labelNames: ['route'] as const,
    buckets: BUCKETS,
    registers: [reference],
  });
  const plain = new Histogram({
    name: 'demo_overhead_seconds',
    help: 'No labels.',
    buckets: BUCKETS,
    registers: [reference],
  });
  const total = new Counter({ name: 'demo_total', help: 'No labels.', registers: [reference] });
  const aggregated = {
    counter: new AggregatedCounter({
      name: 'demo_requests_total',
      help: 'Requests by route and status.',
      labelNames: ['route', 'status'],
    }).registerIn(ours),
    histogram: new AggregatedHistogram({
      name: 'demo_duration_seconds',
      help: 'Durations "quoted" and \\ escaped.',
      labelNames: ['route'],
      buckets: BUCKETS,
    }).registerIn(ours),
    plain: new AggregatedHistogram({
      name: 'demo_overhead_seconds',
      help: 'No labels.',
      buckets: BUCKETS,
    }).registerIn(ours),
    total: new AggregatedCounter({ name: 'demo_total', help: 'No labels.' }).registerIn(ours),
  };
  return {
    reference,
    ours,
    request(route: string, status: number, seconds: number) {
      counter.inc({ route, status: String(status) });
      aggregated.counter.series(route, status).value += 1;
      histogram.observe({ route }, seconds);
      aggregated.histogram.series(route).observe(seconds);
      plain.observe(seconds / 10);
      aggregated.plain.series().observe(seconds / 10);
      total.inc(2.5);
      aggregated.total.series().value += 2.5;
    },
  };
}

async function asData(registry: Registry) {
  return (await registry.getMetricsAsJSON()).map((metric) => ({
    name: metric.name,
    help: metric.help,
    type: metric.type,
    values: metric.values.map((value) => ({
      labels: value.labels,
      value: value.value,
      metricName: (value as { metricName?: string }).metricName,
    })),
  }));
}

describe('aggregated metrics', () => {
  it('render exactly as prom-client renders the same observations', async () => {
    const metrics = twins();
    // Before any observation: unlabelled metrics show their zero series, labelled ones nothing.
    expect(await metrics.ours.metrics()).toBe(await metrics.reference.metrics());
    const observations: Array<[string, number, number]> = [
      ['chat', 200, 0.004],
      ['chat', 200, 0.005],
      ['chat', 502, 0.2],
      ['a "quoted" \\ route\n', 200, 3],
      ['summarize', 429, 0.0101],
      ['chat', 200, 1],
    ];
    for (const [route, status, seconds] of observations) metrics.request(route, status, seconds);
    const text = await metrics.ours.metrics();
    expect(text).toBe(await metrics.reference.metrics());
    expect(text).toContain('demo_duration_seconds_bucket{le="0.005",route="chat"} 2');
    expect(text).toContain('demo_duration_seconds_bucket{le="+Inf",route="chat"} 4');
    expect(text).toContain('demo_requests_total{route="chat",status="200"} 3');
    // The JSON form too, as far as it describes the data (prom-client adds empty exemplars).
    expect(await asData(metrics.ours)).toEqual(await asData(metrics.reference));
  });

  it("forget every series on the registry reset, as prom-client's own do", async () => {
    const metrics = twins();
    metrics.request('chat', 200, 0.05);
    metrics.reference.resetMetrics();
    metrics.ours.resetMetrics();
    expect(await metrics.ours.metrics()).toBe(await metrics.reference.metrics());
    expect(await metrics.ours.metrics()).not.toContain('route="chat"');
    // And count again from zero afterwards, unlabelled series included.
    metrics.request('chat', 200, 0.5);
    expect(await metrics.ours.metrics()).toBe(await metrics.reference.metrics());
    expect(await metrics.ours.metrics()).toContain('demo_overhead_seconds_count 1');
  });

  it('give the same series object for the same label values, however they arrive', () => {
    const counter = new AggregatedCounter({ name: 'x_total', help: 'x', labelNames: ['a', 'b'] });
    const first = counter.series('p', 1);
    expect(counter.series('p', 1)).toBe(first);
    expect(counter.series('p', 2)).not.toBe(first);
    expect(counter.series('q', 1)).not.toBe(first);
    expect(first.labels).toEqual({ a: 'p', b: '1' });
  });
});
