import { scaleLinear } from 'd3-scale';
import type { CandidateSummary } from '../../eval/run-report.js';
import { escapeHtml } from '../escape-html.js';
import { formatUsd } from '../format-values.js';
import { paretoFront } from '../pareto-front.js';
import {
  type AxisTick,
  coordinate,
  formatTickUsd,
  openSvg,
  PLOT,
  renderXAxis,
  renderYAxis,
  seriesStyle,
} from './svg-chart.js';

/** A candidate's cost per success and quality score, either possibly missing. */
export interface CostQualityPoint {
  name: string;
  index: number;
  cost: number | null;
  quality: number | null;
}

/** The scatter's points, one per candidate, in the colour slots the other charts use. */
export function costQualityPoints(
  candidates: readonly CandidateSummary[],
  colorIndex: ReadonlyMap<string, number>,
): CostQualityPoint[] {
  return candidates.map((candidate) => ({
    name: candidate.candidate,
    index: colorIndex.get(candidate.candidate) ?? 0,
    cost: candidate.costPerSuccessUsd,
    quality: candidate.qualityScore,
  }));
}

/** Names of the points on the Pareto front (no other point cheaper and better), for legends. */
export function paretoFrontNames(points: readonly CostQualityPoint[]): Set<string> {
  return new Set(
    paretoFront(
      points.flatMap((point) =>
        point.cost !== null && point.quality !== null
          ? [{ name: point.name, cost: point.cost, quality: point.quality }]
          : [],
      ),
    ).map((point) => point.name),
  );
}

/**
 * A cost-vs-quality scatter: cost per success on x, quality score on y, one `circle.point` per
 * candidate, and the Pareto front (no other candidate cheaper and better) as a
 * `polyline.pareto-front`. Candidates without both values are listed under the chart instead.
 */
export function renderCostQualityChart(points: CostQualityPoint[], id = 'cost-quality'): string {
  const plotted = points.flatMap((point) =>
    point.cost !== null &&
    point.quality !== null &&
    Number.isFinite(point.cost) &&
    Number.isFinite(point.quality)
      ? [{ name: point.name, index: point.index, cost: point.cost, quality: point.quality }]
      : [],
  );
  const missing = points.filter((point) => !plotted.some((entry) => entry.name === point.name));
  const missingNote =
    missing.length === 0
      ? ''
      : `<p class="muted">Not plotted (no cost per success or no quality score): ${missing.map((point) => escapeHtml(point.name)).join(', ')}.</p>`;
  if (plotted.length === 0) {
    return `<p class="muted">No candidate has both a cost per success and a quality score, so there is nothing to plot.</p>${missingNote}`;
  }

  const costs = plotted.map((point) => point.cost);
  const qualities = plotted.map((point) => point.quality);
  const maxCost = Math.max(...costs);
  const minQuality = Math.min(...qualities);
  const maxQuality = Math.max(...qualities);
  const x = scaleLinear()
    .domain([0, maxCost > 0 ? maxCost * 1.15 : 1])
    .range([PLOT.left, PLOT.right])
    .nice(5);
  const qualityPad = Math.max(0.02, (maxQuality - minQuality) * 0.2);
  const y = scaleLinear()
    .domain([Math.max(0, minQuality - qualityPad), Math.min(1, maxQuality + qualityPad)])
    .range([PLOT.bottom, PLOT.top])
    .nice(5);

  const xTicks: AxisTick[] = x
    .ticks(5)
    .map((value) => ({ position: x(value), label: formatTickUsd(value) }));
  const yTicks: AxisTick[] = y.ticks(5).map((value) => ({
    position: y(value),
    label: `${Number((value * 100).toPrecision(3))}%`,
  }));

  const front = paretoFront(plotted);
  const frontNames = new Set(front.map((point) => point.name));
  const frontPoints = front.map(
    (point) => `${coordinate(x(point.cost))},${coordinate(y(point.quality))}`,
  );

  const parts = [
    openSvg(
      id,
      'Cost per success vs quality score',
      `Each candidate placed by cost per successful response (x) and quality score (y). Pareto front (no other candidate both cheaper and better): ${front.map((point) => point.name).join(', ')}.`,
    ),
    renderXAxis(xTicks, 'cost per successful response (USD)'),
    renderYAxis(yTicks, 'quality score'),
    `<polyline class="pareto-front" points="${frontPoints.join(' ')}" fill="none"/>`,
  ];
  for (const point of plotted) {
    const { color } = seriesStyle(point.index);
    const cx = x(point.cost);
    const cy = y(point.quality);
    const onFront = frontNames.has(point.name);
    const nearRight = cx > PLOT.right - 120;
    parts.push(
      `<circle class="point${onFront ? ' on-front' : ''}" data-candidate="${escapeHtml(point.name)}" cx="${coordinate(cx)}" cy="${coordinate(cy)}" r="6" stroke="${color}" stroke-width="2.5" fill="${onFront ? color : '#ffffff'}"><title>${escapeHtml(`${point.name}: ${formatUsd(point.cost)} per success, quality ${(point.quality * 100).toFixed(1)}%${onFront ? ' (Pareto front)' : ''}`)}</title></circle>`,
      `<text class="point-label" x="${coordinate(nearRight ? cx - 10 : cx + 10)}" y="${coordinate(cy)}" dy="-0.5em" text-anchor="${nearRight ? 'end' : 'start'}">${escapeHtml(point.name)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('') + missingNote;
}
