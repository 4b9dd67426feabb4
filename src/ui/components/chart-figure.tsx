import type { ComponentChildren } from 'preact';

/**
 * A figure around an SVG chart rendered by src/report/charts (the same renderers the HTML
 * report uses, so there is one chart implementation). The markup is trusted: the renderers
 * escape every piece of report text they place in it.
 */
export function ChartFigure({
  caption,
  markup,
  legend,
  id,
}: {
  caption: ComponentChildren;
  /** The renderer's SVG (or its "no data" paragraph). */
  markup: string;
  /** The legend's HTML from renderLegend, when the chart has one. */
  legend?: string;
  id?: string;
}) {
  return (
    <figure class="chart-figure" id={id}>
      <figcaption>{caption}</figcaption>
      <div class="chart-body" dangerouslySetInnerHTML={{ __html: markup }} />
      {legend !== undefined && <div dangerouslySetInnerHTML={{ __html: legend }} />}
    </figure>
  );
}
