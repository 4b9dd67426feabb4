import { escapeHtml } from '../escape-html.js';

/*
 * Shared geometry and drawing helpers for the report's server-rendered SVG charts. Every chart
 * uses the same viewBox so that, scaled to the page width, text stays legible at 390 px: a
 * narrow viewBox means the browser shrinks it less.
 */

/** ViewBox width of every chart. */
export const CHART_WIDTH = 480;
/** ViewBox height of every chart. */
export const CHART_HEIGHT = 300;
/** Space for axes and labels around the plot area. */
export const CHART_MARGIN = { top: 16, right: 26, bottom: 46, left: 64 } as const;

/** Plot area bounds inside the viewBox. */
export const PLOT = {
  left: CHART_MARGIN.left,
  right: CHART_WIDTH - CHART_MARGIN.right,
  top: CHART_MARGIN.top,
  bottom: CHART_HEIGHT - CHART_MARGIN.bottom,
} as const;

/*
 * Colours hold at least 3:1 contrast against the light chart background, and each series also
 * gets its own dash pattern so the lines stay distinguishable without colour.
 */
const SERIES_COLORS = [
  '#1f5fbf',
  '#c2410c',
  '#15803d',
  '#7e22ce',
  '#a16207',
  '#0e7490',
  '#be185d',
  '#4b5563',
] as const;
const SERIES_DASHES = ['', '7 3', '2 3', '9 3 2 3', '12 4', '4 2 1 2', '1 2', '6 2 6 6'] as const;

/** The colour and dash pattern of the series at `index` (stable per candidate across charts). */
export function seriesStyle(index: number): { color: string; dash: string } {
  const slot = ((index % SERIES_COLORS.length) + SERIES_COLORS.length) % SERIES_COLORS.length;
  return { color: SERIES_COLORS[slot] ?? '#1f5fbf', dash: SERIES_DASHES[slot] ?? '' };
}

/** A coordinate rounded to 0.1 so paths stay short. */
export function coordinate(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

/** One axis tick: its position in viewBox units and its label. */
export interface AxisTick {
  position: number;
  label: string;
}

/** The x axis: baseline, tick marks, vertical grid lines, labels and the axis title. */
export function renderXAxis(ticks: AxisTick[], title: string): string {
  const parts = [
    `<line class="axis" x1="${PLOT.left}" x2="${PLOT.right}" y1="${PLOT.bottom}" y2="${PLOT.bottom}"/>`,
  ];
  for (const tick of ticks) {
    const x = coordinate(tick.position);
    parts.push(
      `<line class="grid" x1="${x}" x2="${x}" y1="${PLOT.top}" y2="${PLOT.bottom}"/>`,
      `<text x="${x}" y="${PLOT.bottom + 16}" text-anchor="middle">${escapeHtml(tick.label)}</text>`,
    );
  }
  parts.push(
    `<text class="axis-title" x="${coordinate((PLOT.left + PLOT.right) / 2)}" y="${CHART_HEIGHT - 6}" text-anchor="middle">${escapeHtml(title)}</text>`,
  );
  return parts.join('');
}

/** The y axis: baseline, horizontal grid lines, labels and the (rotated) axis title. */
export function renderYAxis(ticks: AxisTick[], title: string): string {
  const parts = [
    `<line class="axis" x1="${PLOT.left}" x2="${PLOT.left}" y1="${PLOT.top}" y2="${PLOT.bottom}"/>`,
  ];
  for (const tick of ticks) {
    const y = coordinate(tick.position);
    parts.push(
      `<line class="grid" x1="${PLOT.left}" x2="${PLOT.right}" y1="${y}" y2="${y}"/>`,
      `<text x="${PLOT.left - 6}" y="${y}" dy="0.32em" text-anchor="end">${escapeHtml(tick.label)}</text>`,
    );
  }
  const middle = coordinate((PLOT.top + PLOT.bottom) / 2);
  parts.push(
    `<text class="axis-title" transform="translate(14 ${middle}) rotate(-90)" text-anchor="middle">${escapeHtml(title)}</text>`,
  );
  return parts.join('');
}

/**
 * Opens an accessible SVG: role img, labelled by its <title> and described by <desc>, scaling
 * to its container through the viewBox.
 */
export function openSvg(id: string, title: string, description: string): string {
  return (
    `<svg id="${escapeHtml(id)}" class="chart" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" role="img" aria-labelledby="${escapeHtml(id)}-title ${escapeHtml(id)}-desc" preserveAspectRatio="xMidYMid meet">` +
    `<title id="${escapeHtml(id)}-title">${escapeHtml(title)}</title>` +
    `<desc id="${escapeHtml(id)}-desc">${escapeHtml(description)}</desc>`
  );
}

/** One entry of an HTML chart legend. */
export interface LegendEntry {
  name: string;
  index: number;
  note?: string;
}

/** An HTML legend (wraps on narrow screens) with a swatch drawn in each series' colour and dash. */
export function renderLegend(entries: LegendEntry[]): string {
  const items = entries.map((entry) => {
    const { color, dash } = seriesStyle(entry.index);
    const swatch = `<svg class="swatch" viewBox="0 0 28 10" aria-hidden="true" focusable="false"><line x1="1" x2="27" y1="5" y2="5" stroke="${color}" stroke-width="3"${dash === '' ? '' : ` stroke-dasharray="${dash}"`}/></svg>`;
    const note =
      entry.note === undefined ? '' : ` <span class="muted">${escapeHtml(entry.note)}</span>`;
    return `<li>${swatch}${escapeHtml(entry.name)}${note}</li>`;
  });
  return `<ul class="legend">${items.join('')}</ul>`;
}

/** A compact dollar label for axis ticks: `$0.0005`, `$0.002`, `$1.5`. */
export function formatTickUsd(value: number): string {
  return value === 0 ? '$0' : `$${Number(value.toPrecision(3))}`;
}

/** Compact latency label for log-axis ticks, switching unit per tick: `20 ms`, `1.5 s`. */
export function formatTickMs(value: number): string {
  if (value >= 1000) return `${Number((value / 1000).toPrecision(3))} s`;
  if (value >= 1) return `${Number(value.toPrecision(3))} ms`;
  return `${Number(value.toPrecision(2))} ms`;
}
