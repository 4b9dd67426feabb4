import { scaleLinear, scalePoint } from 'd3-scale';
import { line } from 'd3-shape';
import type { CapacityPoint } from '../../eval/run-report.js';
import { escapeHtml } from '../escape-html.js';
import { formatMs, formatPercent } from '../format-values.js';
import {
  type AxisTick,
  coordinate,
  openSvg,
  PLOT,
  renderXAxis,
  renderYAxis,
  seriesStyle,
} from './svg-chart.js';

/** How one capacity chart is drawn. */
export interface CapacityChartOptions {
  id: string;
  /** Error rate or p99 latency on y. */
  metric: 'errorRate' | 'p99Ms';
  /** What the levels are: load levels or request-size buckets (for the axis title). */
  axisTitle: string;
  /** Colour slot per candidate, shared with the other charts. */
  colorIndex: ReadonlyMap<string, number>;
}

/**
 * The capacity cliff for one metric: levels (load or size, in the order the run produced
 * them) on x, error rate or p99 on y, one `path.capacity-line` plus markers per candidate.
 */
export function renderCapacityChart(
  points: CapacityPoint[],
  options: CapacityChartOptions,
): string {
  const usable = points.filter((point) => Number.isFinite(point[options.metric]));
  if (usable.length === 0) return '<p class="muted">No data.</p>';
  const levels: string[] = [];
  const candidates: string[] = [];
  for (const point of usable) {
    if (!levels.includes(point.level)) levels.push(point.level);
    if (!candidates.includes(point.candidate)) candidates.push(point.candidate);
  }
  const isRate = options.metric === 'errorRate';
  const maxValue = Math.max(...usable.map((point) => point[options.metric]));
  const x = scalePoint<string>().domain(levels).range([PLOT.left, PLOT.right]).padding(0.5);
  const y = scaleLinear()
    .domain([0, maxValue > 0 ? maxValue * 1.1 : isRate ? 0.05 : 100])
    .range([PLOT.bottom, PLOT.top])
    .nice(5);
  const formatValue = isRate ? formatPercent : formatMs;
  const xTicks: AxisTick[] = levels.map((level) => ({
    position: x(level) ?? PLOT.left,
    label: level,
  }));
  // One unit for the whole linear axis: `0 s, 2 s, 4 s`, never `0 ms, 2 s`.
  const inSeconds = !isRate && (y.domain()[1] ?? 0) >= 2000;
  const yTicks: AxisTick[] = y.ticks(5).map((value) => ({
    position: y(value),
    label: isRate
      ? `${Number((value * 100).toPrecision(3))}%`
      : inSeconds
        ? `${Number((value / 1000).toPrecision(3))} s`
        : `${Number(value.toPrecision(4))} ms`,
  }));
  const metricName = isRate ? 'error rate' : 'p99 latency';
  const path = line<CapacityPoint>()
    .x((point) => x(point.level) ?? PLOT.left)
    .y((point) => y(point[options.metric]))
    .digits(1);

  const parts = [
    openSvg(
      options.id,
      `${metricName} by ${options.axisTitle}`,
      `The ${metricName} of ${candidates.join(', ')} at each ${options.axisTitle} level: where it climbs steeply is the capacity cliff.`,
    ),
    renderXAxis(xTicks, options.axisTitle),
    renderYAxis(yTicks, metricName),
  ];
  for (const candidate of candidates) {
    const series = usable.filter((point) => point.candidate === candidate);
    const { color, dash } = seriesStyle(options.colorIndex.get(candidate) ?? 0);
    parts.push(
      `<path class="capacity-line" data-candidate="${escapeHtml(candidate)}" d="${path(series) ?? ''}" fill="none" stroke="${color}" stroke-width="2"${dash === '' ? '' : ` stroke-dasharray="${dash}"`}/>`,
    );
    for (const point of series) {
      parts.push(
        `<circle cx="${coordinate(x(point.level) ?? PLOT.left)}" cy="${coordinate(y(point[options.metric]))}" r="3.5" fill="${color}"><title>${escapeHtml(`${candidate} at ${point.level}: ${metricName} ${formatValue(point[options.metric])} (${point.requests} requests)`)}</title></circle>`,
      );
    }
  }
  parts.push('</svg>');
  return parts.join('');
}
