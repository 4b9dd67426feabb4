import type { ComponentChildren } from 'preact';

/**
 * A horizontally scrolling, keyboard-focusable region around a wide table, so a table never
 * widens the page at 390 px; the region is labelled for screen readers.
 */
export function ScrollTable({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // A labelled <section> is a region landmark. It must take focus so keyboard users can scroll
    // a table wider than the screen (WCAG 2.1.1); axe's scrollable-region-focusable asks the same.
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable.
    <section class="table-wrap" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
