import { useEffect, useRef, useState } from 'preact/hooks';
import { Link, Redirect, Route, Router, Switch, useLocation } from 'wouter-preact';
import type { WorkspaceInfo } from '../gateway/workspace-api/workspace-api-types.js';
import { api } from './api/api-client.js';
import { useApi } from './api/use-api.js';
import { useAuth } from './api/use-auth.js';
import { WorkspaceInfoContext } from './api/workspace-info-context.js';
import { ApiView } from './components/data-state.js';
import { TokenForm } from './components/token-form.js';
import { LivePage } from './pages/live-page.js';
import { PlaygroundPage } from './pages/playground-page.js';
import { RequestLogPage } from './pages/request-log-page.js';
import { RequestPage } from './pages/request-page.js';
import { RunComparePage } from './pages/run-compare-page.js';
import { RunPage } from './pages/run-page.js';
import { RunsPage } from './pages/runs-page.js';

/** The Workspace is served under this path; every route below is relative to it. */
export const UI_BASE = '/ui';

const NAV_ITEMS = [
  { href: '/playground', label: 'Playground' },
  { href: '/runs', label: 'Runs' },
  { href: '/live', label: 'Live' },
  { href: '/requests', label: 'Requests' },
] as const;

function AppHeader({ info }: { info: WorkspaceInfo | null }) {
  const [location] = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  // A narrow screen's menu closes once the user has picked a page.
  useEffect(() => setMenuOpen(false), [location]);
  return (
    <header class="app-header">
      <div class="app-header-inner">
        <Link href="/" class="brand">
          Switchyard <span class="brand-sub">Workspace</span>
        </Link>
        {info !== null && (
          <span
            class={`badge ${info.mode === 'offline' ? 'badge-offline' : 'badge-live'}`}
            title={
              info.mode === 'offline'
                ? 'Reading a stored database; no live gateway'
                : 'Connected to a running gateway'
            }
          >
            {info.mode === 'offline' ? 'offline' : 'gateway'} · v{info.version}
          </span>
        )}
        <button
          type="button"
          class="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="app-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <nav id="app-nav" aria-label="Workspace" class={menuOpen ? 'open' : undefined}>
          <ul>
            {NAV_ITEMS.map((item) => {
              const active = location === item.href || location.startsWith(`${item.href}/`);
              return (
                <li key={item.href}>
                  <Link href={item.href} aria-current={active ? 'page' : undefined}>
                    {item.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
      </div>
    </header>
  );
}

function NotFoundPage() {
  // A page of its own, so it has a level-one heading like every other page.
  return (
    <section class="state state-empty" aria-labelledby="not-found-heading">
      <h1 id="not-found-heading" class="state-title">
        No such page
      </h1>
      <p>
        The Workspace has no page at this address. Try the <Link href="/runs">runs</Link> or the{' '}
        <Link href="/requests">request log</Link>.
      </p>
    </section>
  );
}

function Pages({ info }: { info: WorkspaceInfo }) {
  const home = info.mode === 'gateway' && info.features.playground ? '/playground' : '/runs';
  return (
    <Switch>
      <Route path="/">
        <Redirect to={home} replace />
      </Route>
      <Route path="/playground" component={PlaygroundPage} />
      <Route path="/runs" component={RunsPage} />
      <Route path="/runs/compare" component={RunComparePage} />
      <Route path="/runs/:id" component={RunPage} />
      <Route path="/live" component={LivePage} />
      <Route path="/requests" component={RequestLogPage} />
      <Route path="/requests/:id" component={RequestPage} />
      <Route component={NotFoundPage} />
    </Switch>
  );
}

/*
 * After an in-app navigation, focus moves to the new page's main region so keyboard and screen
 * reader users start at the content, as they would after a full page load. The first render
 * keeps the browser's default focus.
 */
function useFocusOnNavigation(target: { current: HTMLElement | null }) {
  const [location] = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    target.current?.focus({ preventScroll: false });
  }, [location]);
}

function Shell() {
  const auth = useAuth();
  const info = useApi((signal) => api.info(signal), 'info');
  const main = useRef<HTMLElement>(null);
  useFocusOnNavigation(main);
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <AppHeader info={info.status === 'ready' ? info.data : null} />
      <main id="main" ref={main} tabIndex={-1}>
        {auth.required ? (
          <TokenForm message={auth.message} />
        ) : (
          <ApiView
            state={info}
            loadingLabel="Connecting to the gateway…"
            errorTitle="Could not load the Workspace"
          >
            {(data) => (
              <WorkspaceInfoContext.Provider value={data}>
                <Pages info={data} />
              </WorkspaceInfoContext.Provider>
            )}
          </ApiView>
        )}
      </main>
    </>
  );
}

/** The Workspace: header and navigation, the token form when needed, and the pages. */
export function App() {
  return (
    <Router base={UI_BASE}>
      <Shell />
    </Router>
  );
}
