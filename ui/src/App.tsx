import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { Link, Route, Router, Switch, useLocation } from 'wouter';
import { useLiveUpdates } from './live.js';
import { ModelDetail, Models } from './pages/Models.js';
import { Overview } from './pages/Overview.js';
import { Runs } from './pages/Runs.js';
import { SessionGate, useSession } from './session.js';

// The graph (xyflow + elkjs), chart (uPlot) and reference pages load on first visit, not with the overview.
const RunDetail = lazy(() => import('./pages/RunDetail.js'));
const Monitoring = lazy(() => import('./pages/Monitoring.js'));
const ApiReference = lazy(() => import('./pages/ApiReference.js'));
const Data = lazy(() => import('./pages/Data.js'));
const Explorer = lazy(() => import('./pages/Explorer.js'));
const Lineage = lazy(() => import('./pages/Lineage.js'));

const NAV = [
  ['/', 'Overview'],
  ['/runs', 'Runs'],
  ['/models', 'Models'],
  ['/monitoring', 'Monitoring'],
  ['/data', 'Data'],
  ['/explorer', 'Explorer'],
  ['/lineage', 'Lineage'],
  ['/api', 'API reference'],
] as const;

/** The dashboard: a session (token when the API needs one), the navigation, and the pages. */
export function App(props: { base?: string }) {
  return (
    <Router base={props.base ?? '/ui'}>
      <SessionGate>
        <Shell />
      </SessionGate>
    </Router>
  );
}

function Shell() {
  const session = useSession();
  const live = useLiveUpdates(useQueryClient(), true);
  const [location] = useLocation();
  const active = (href: string) => (href === '/' ? location === '/' : location.startsWith(href));
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">bookml</span>
        <nav aria-label="Pages">
          {NAV.map(([href, label]) => (
            <Link key={href} href={href} aria-current={active(href) ? 'page' : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        <span className={`live live-${live}`} title="updates from the control plane's event stream">
          {live}
        </span>
        <span className="who">
          {session.id} ({session.roles.join(', ')})
          {session.auth === 'token' ? (
            <button type="button" className="link" onClick={session.signOut}>
              sign out
            </button>
          ) : null}
        </span>
      </header>
      <main id="main">
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <Switch>
            <Route path="/" component={Overview} />
            <Route path="/runs" component={Runs} />
            <Route path="/runs/:id">{(p) => <RunDetail id={p.id} />}</Route>
            <Route path="/models" component={Models} />
            <Route path="/models/:name">{(p) => <ModelDetail name={p.name} />}</Route>
            <Route path="/monitoring" component={Monitoring} />
            <Route path="/data" component={Data} />
            <Route path="/api" component={ApiReference} />
            <Route path="/explorer" component={Explorer} />
            <Route path="/lineage">{() => <Lineage />}</Route>
            <Route path="/lineage/runs/:id">{(p) => <Lineage run={p.id} />}</Route>
            <Route path="/lineage/models/:name/versions/:version">
              {(p) => <Lineage model={p.name} version={p.version} />}
            </Route>
            <Route>
              <h1>Not found</h1>
              <p>
                No page here. <Link href="/">Back to the overview</Link>.
              </p>
            </Route>
          </Switch>
        </Suspense>
      </main>
    </>
  );
}
