/** A candidate placed by its cost (lower is better) and quality (higher is better). */
export interface ParetoPoint {
  name: string;
  cost: number;
  quality: number;
}

/**
 * The non-dominated points, cheapest first. A point is dominated when another is at least as
 * cheap and at least as good, and strictly better on one of the two; exact ties both stay on the
 * front. O(n²), which is fine for a handful of candidates.
 */
export function paretoFront<T extends ParetoPoint>(points: readonly T[]): T[] {
  const front = points.filter(
    (point) =>
      !points.some(
        (other) =>
          other !== point &&
          other.cost <= point.cost &&
          other.quality >= point.quality &&
          (other.cost < point.cost || other.quality > point.quality),
      ),
  );
  return front.sort((left, right) => left.cost - right.cost || left.quality - right.quality);
}
