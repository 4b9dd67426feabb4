import { sparklinePath } from '../logic/sparkline-path.js';

const WIDTH = 96;
const HEIGHT = 24;

/** A tiny line of requests per bucket, described in words for screen readers. */
export function Sparkline({ series, label }: { series: readonly number[]; label: string }) {
  const { path, peak } = sparklinePath(series, WIDTH, HEIGHT);
  const description =
    series.length === 0
      ? `${label}: no data`
      : `${label}: ${series.length} buckets, peak ${peak} requests, latest ${series[series.length - 1] ?? 0}`;
  return (
    <svg
      class="sparkline"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      width={WIDTH}
      height={HEIGHT}
      role="img"
      aria-label={description}
    >
      <title>{description}</title>
      {path !== '' && <path d={path} fill="none" stroke="currentColor" stroke-width="1.5" />}
    </svg>
  );
}
