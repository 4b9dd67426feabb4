import type { ComponentChildren } from 'preact';
import { Link } from 'wouter-preact';
import type { WorkspaceInfo } from '../../gateway/workspace-api/workspace-api-types.js';
import { useWorkspaceInfo } from '../api/workspace-info-context.js';

/** The pages this server can serve, for pointing the user somewhere useful. */
function availablePages(info: WorkspaceInfo): Array<{ href: string; label: string }> {
  const pages: Array<{ href: string; label: string }> = [];
  if (info.mode === 'gateway' && info.features.playground)
    pages.push({ href: '/playground', label: 'Playground' });
  if (info.features.runs) pages.push({ href: '/runs', label: 'Runs' });
  if (info.mode === 'gateway' && info.features.live) pages.push({ href: '/live', label: 'Live' });
  if (info.features.requestLog) pages.push({ href: '/requests', label: 'Request log' });
  return pages;
}

/**
 * A designed explanation in place of a page the server cannot serve (offline mode, or a
 * feature turned off): what the page would show, why it is not available, what to do, and the
 * pages that do work here.
 */
export function FeatureUnavailable({
  title,
  reason,
  children,
}: {
  title: string;
  reason: string;
  children?: ComponentChildren;
}) {
  const others = availablePages(useWorkspaceInfo()).filter((page) => page.label !== title);
  return (
    <section class="unavailable" aria-labelledby="unavailable-heading">
      <h1 id="unavailable-heading">{title}</h1>
      <p class="unavailable-reason">{reason}</p>
      {children}
      {others.length === 0 ? (
        <p class="note">This server has no other Workspace pages to offer.</p>
      ) : (
        <p>
          Available here:{' '}
          {others.map((page, index) => (
            <span key={page.href}>
              {index > 0 && ', '}
              <Link href={page.href}>{page.label}</Link>
            </span>
          ))}
          .
        </p>
      )}
    </section>
  );
}
