import { scaleLinear, scaleLog } from 'd3-scale';
import { line } from 'd3-shape';
import { escapeHtml } from '../escape-html.js';
import {
  type AxisTick,
  coordinate,
  formatTickMs,
  openSvg,
  PLOT,
  renderXAxis,
  renderYAxis,
  seriesStyle,
} from './svg-chart.js';

/** One candidate's CDF: `[latency ms, cumulative fraction]` points, and its colour slot. */
export interface CdfSeries {
  name: string;
  index: number;
  points: Array<[number, number]>;
}

/** Points kept per series; a CDF with more is thinned evenly (its last point always kept). */
const MAX_POINTS_PER_SERIES = 400;

/** Percentiles drawn as dashed guides across the chart. */
const GUIDES = [
  { fraction: 0.5, label: 'p50', dy: '-0.3em' },
  // p95 and p99 sit close together: label one below its line and one above.
  { fraction: 0.95, label: 'p95', dy: '1.1em' },
  { fraction: 0.99, label: 'p99', dy: '-0.3em' },
] as const;

function thin(points: Array<[number, number]>): Array<[number, number]> {
  if (points.length <= MAX_POINTS_PER_SERIES) return points;
  const step = points.length / MAX_POINTS_PER_SERIES;
  const kept: Array<[number, number]> = [];
  for (let index = 0; index < MAX_POINTS_PER_SERIES; index += 1) {
    const point = points[Math.floor(index * step)];
    if (point !== undefined) kept.push(point);
  }
  const last = points[points.length - 1];
  if (last !== undefined && kept[kept.length - 1] !== last) kept.push(last);
  return kept;
}

/** 1-2-5 ticks per decade inside [min, max]; only powers of ten when that gives too many. */
export function logTicks(min: number, max: number): number[] {
  const ticks: Array<{ value: number; mantissa: number }> = [];
  const low = Math.floor(Math.log10(min));
  const high = Math.ceil(Math.log10(max));
  for (let exponent = low; exponent <= high && exponent - low < 20; exponent += 1) {
    for (const mantissa of [1, 2, 5]) {
      const value = Number((mantissa * 10 ** exponent).toPrecision(12));
      if (value >= min && value <= max) ticks.push({ value, mantissa });
    }
  }
  const powers = ticks.filter((tick) => tick.mantissa === 1);
  const chosen = ticks.length > 8 && powers.length >= 2 ? powers : ticks;
  return chosen.map((tick) => tick.value);
}

/**
 * A latency CDF per candidate on a log x axis (latency from the intended send time) with
 * linear cumulative share on y, p50/p95/p99 guide lines, one `path.cdf-line` per candidate.
 * Returns a paragraph instead when no candidate has positive latency points.
 */
export function renderLatencyCdfChart(series: CdfSeries[], id = 'latency-cdf'): string {
  const usable = series
    .map((entry) => ({
      ...entry,
      points: thin(
        entry.points.filter(
          ([latency, fraction]) =>
            Number.isFinite(latency) && latency > 0 && Number.isFinite(fraction),
        ),
      ),
    }))
    .filter((entry) => entry.points.length > 0);
  if (usable.length === 0) {
    return '<p class="muted">No latency data to chart.</p>';
  }
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const entry of usable) {
    for (const [latency] of entry.points) {
      if (latency < min) min = latency;
      if (latency > max) max = latency;
    }
  }
  // A log axis needs a range; pad it so the first and last points sit inside the plot.
  const domainMin = min / 1.15;
  const domainMax = max === min ? max * 2 : max * 1.15;
  const x = scaleLog().domain([domainMin, domainMax]).range([PLOT.left, PLOT.right]);
  const y = scaleLinear().domain([0, 1]).range([PLOT.bottom, PLOT.top]);

  const xTicks: AxisTick[] = logTicks(domainMin, domainMax).map((value) => ({
    position: x(value),
    label: formatTickMs(value),
  }));
  const yTicks: AxisTick[] = [0, 0.25, 0.5, 0.75, 1].map((value) => ({
    position: y(value),
    label: `${Math.round(value * 100)}%`,
  }));

  const path = line<[number, number]>()
    .x(([latency]) => x(latency))
    .y(([, fraction]) => y(Math.min(1, Math.max(0, fraction))))
    .digits(1);

  const parts = [
    openSvg(
      id,
      'Latency CDF per candidate',
      `Cumulative share of requests (y) completed within a latency (x, log scale, from the intended send time) for ${usable.map((entry) => entry.name).join(', ')}.`,
    ),
    renderXAxis(xTicks, 'latency from intended send (log scale)'),
    renderYAxis(yTicks, 'share of requests'),
  ];
  for (const guide of GUIDES) {
    const guideY = coordinate(y(guide.fraction));
    parts.push(
      `<line class="guide" x1="${PLOT.left}" x2="${PLOT.right}" y1="${guideY}" y2="${guideY}"/>`,
      `<text class="guide-label" x="${PLOT.left + 4}" y="${guideY}" dy="${guide.dy}" text-anchor="start">${guide.label}</text>`,
    );
  }
  for (const entry of usable) {
    const { color, dash } = seriesStyle(entry.index);
    const d = path(entry.points) ?? '';
    parts.push(
      `<path class="cdf-line" data-candidate="${escapeHtml(entry.name)}" d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash === '' ? '' : ` stroke-dasharray="${dash}"`}><title>${escapeHtml(entry.name)}</title></path>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}
