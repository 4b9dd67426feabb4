/** The SVG path of a sparkline and the peak it was scaled to. */
export interface SparklineShape {
  /** `d` of a polyline path; empty when there is nothing to draw. */
  path: string;
  peak: number;
}

/**
 * A sparkline path for `series` (oldest first) in a `width` × `height` box, scaled to the
 * series' own peak; a flat zero series sits on the baseline rather than in the middle, so an
 * idle route reads as idle. Non-finite values count as zero.
 */
export function sparklinePath(
  series: readonly number[],
  width: number,
  height: number,
): SparklineShape {
  const values = series.map((value) => (Number.isFinite(value) && value > 0 ? value : 0));
  if (values.length === 0) return { path: '', peak: 0 };
  const peak = Math.max(...values);
  const step = values.length === 1 ? 0 : width / (values.length - 1);
  // Keep a 1-unit margin so the stroke is not clipped at the top and bottom edges.
  const usable = Math.max(0, height - 2);
  const points = values.map((value, index) => {
    const x = values.length === 1 ? width / 2 : index * step;
    const y = peak === 0 ? height - 1 : height - 1 - (value / peak) * usable;
    return `${Math.round(x * 10) / 10},${Math.round(y * 10) / 10}`;
  });
  return { path: `M${points.join('L')}`, peak };
}
