/**
 * The dashboard: a single page served by `tollgate serve` at `/` (and written by
 * `tollgate report --html` with its answers embedded). Routes live in the URL's hash, so the same
 * page works from a server and from file://, and a sign-in comes back to the same place.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Whoami } from './api.js';
import { get, snapshot } from './api.js';
import { LiveStatus, useLive } from './live.js';
import { href, NotAllowed, NotFound, setSigningOut } from './ui.js';
import { DecisionView, StageView } from './views/decision.js';
import { DriftView } from './views/drift.js';
import { HealthView } from './views/health.js';
import { InboxView } from './views/inbox.js';
import { OverviewView } from './views/overview.js';
import { PassportView } from './views/passport.js';
import { PipelineView } from './views/pipeline.js';
import { showHiddenCharacters } from './visible-text.js';

type Route =
  | { view: 'overview'; q: string; status: string; page: number }
  | { view: 'inbox'; after: number }
  | { view: 'pipeline'; pipeline: string }
  | { view: 'stage'; pipeline: string; stage: string }
  | { view: 'decision'; pipeline: string; stage: string; digest: string }
  | { view: 'health'; pipeline: string; stage: string }
  | { view: 'passport'; pipeline: string; digest: string }
  | { view: 'drift'; pipeline: string; from: string; to: string }
  | { view: 'signed-out' }
  | { view: 'no-sign-in' }
  | { view: 'not-allowed'; who: string }
  | { view: 'not-found' };

/** The route a hash names (`#/p/checkout/s/prod/a/sha256:…`). */
export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return '\u0000';
      }
    });
  const query = new URLSearchParams(search);
  const [a, b, c, d, e, f] = parts;
  if (parts.length === 0) {
    const page = Number(query.get('page') ?? '1');
    return {
      view: 'overview',
      q: query.get('q') ?? '',
      status: query.get('status') ?? '',
      page: Number.isInteger(page) && page > 0 ? page : 1,
    };
  }
  if (a === 'inbox' && parts.length === 1) {
    const after = Number(query.get('after') ?? '0');
    return { view: 'inbox', after: Number.isInteger(after) && after > 0 ? after : 0 };
  }
  if (a === 'signed-out' && parts.length === 1) return { view: 'signed-out' };
  if (a === 'no-sign-in' && parts.length === 1) return { view: 'no-sign-in' };
  if (a === 'not-allowed' && parts.length === 1) {
    // Any page may link here with any words in `who`, shown on this server's page: only a name
    // (one word, as an email or a subject is) is shown as who signed in, a sentence is not.
    const who = query.get('who') ?? '';
    return { view: 'not-allowed', who: /^\S{1,256}$/u.test(who) ? who : '' };
  }
  if (a === 'p' && b) {
    if (parts.length === 2) return { view: 'pipeline', pipeline: b };
    if (c === 's' && d && parts.length === 4) return { view: 'stage', pipeline: b, stage: d };
    if (c === 's' && d && e === 'a' && f && parts.length === 6)
      return { view: 'decision', pipeline: b, stage: d, digest: f };
    if (c === 's' && d && e === 'health' && parts.length === 5)
      return { view: 'health', pipeline: b, stage: d };
    if (c === 'a' && d && parts.length === 4) return { view: 'passport', pipeline: b, digest: d };
    if (c === 'drift' && d && e && parts.length === 5) return { view: 'drift', pipeline: b, from: d, to: e };
  }
  return { view: 'not-found' };
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => {
      setRoute(parseRoute(location.hash));
      // A new view: move focus to its heading, as a page load would, for keyboard and screen reader users.
      requestAnimationFrame(() => document.getElementById('main')?.focus());
    };
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function pipelineOf(route: Route): string | undefined {
  return 'pipeline' in route ? route.pipeline : undefined;
}

function View(props: { route: Route; version: number }) {
  const { route, version } = props;
  switch (route.view) {
    case 'overview':
      return <OverviewView q={route.q} status={route.status} page={route.page} version={version} />;
    case 'inbox':
      return <InboxView after={route.after} version={version} />;
    case 'pipeline':
      return <PipelineView pipeline={route.pipeline} version={version} />;
    case 'stage':
      return <StageView pipeline={route.pipeline} stage={route.stage} version={version} />;
    case 'decision':
      return (
        <DecisionView pipeline={route.pipeline} stage={route.stage} digest={route.digest} version={version} />
      );
    case 'health':
      return <HealthView pipeline={route.pipeline} stage={route.stage} version={version} />;
    case 'passport':
      return <PassportView pipeline={route.pipeline} digest={route.digest} version={version} />;
    case 'drift':
      return <DriftView pipeline={route.pipeline} from={route.from} to={route.to} />;
    case 'signed-out':
      return (
        <section>
          <h1>Signed out</h1>
          <p>
            <a href="/auth/login?return=%2F">Sign in again</a>
          </p>
        </section>
      );
    case 'no-sign-in':
      return (
        <section>
          <h1>Sign-in is not set up on this server</h1>
          <p>
            The dashboard shows what a signed-in person may see, and this Tollgate server has no OpenID
            provider configured for people to sign in with. Its operator adds a <code>login</code> section to
            the server's configuration (<code>tollgate serve --config server.yaml</code>; see docs/server.md,
            "People sign in"). The API still answers API tokens (<code>/openapi.json</code>).
          </p>
        </section>
      );
    case 'not-allowed':
      return (
        <NotAllowed
          message={`${route.who || 'You'} signed in, but this Tollgate server grants ${route.who ? 'them' : 'you'} no role: no sign-in rule matches.`}
        />
      );
    case 'not-found':
      return <NotFound />;
  }
}

function Me() {
  const [me, setMe] = useState<Whoami | undefined>();
  const [failed, setFailed] = useState<string | undefined>();
  useEffect(() => {
    if (snapshot()) return;
    get<Whoami>('/whoami').then(setMe, () => undefined);
  }, []);
  if (snapshot())
    return (
      <span class="muted">
        Static report of {snapshot()?.pipeline}, made {snapshot()?.generatedAt}
      </span>
    );
  if (!me) return null;
  return (
    <span class="me">
      {me.principal} <span class="muted">({me.role})</span>
      {me.via === 'session' ? (
        <button
          type="button"
          class="link"
          onClick={async () => {
            setSigningOut(true);
            setFailed(undefined);
            const answer = await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' }).catch(
              () => undefined,
            );
            if (answer?.ok) {
              location.hash = '/signed-out';
              return;
            }
            // Still signed in: say so, never "Signed out".
            setSigningOut(false);
            setFailed(
              `Sign-out failed (${answer ? `HTTP ${answer.status}` : 'the server cannot be reached'}): you are still signed in; try again.`,
            );
          }}
        >
          Sign out
        </button>
      ) : null}
      {failed ? (
        <span class="sign-out-failed" role="alert">
          {failed}
        </span>
      ) : null}
    </span>
  );
}

function App() {
  const route = useRoute();
  const live = useLive(pipelineOf(route));
  // Views across pipelines (overview, inbox) have no one stream to follow: they refresh every 30 s.
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (pipelineOf(route) || snapshot()) return;
    const timer = setInterval(() => setTick((t) => t + 1), 30_000);
    return () => clearInterval(timer);
  }, [route]);
  return (
    <>
      {/* A button, not a #main link: the hash holds the route. */}
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header>
        <nav aria-label="Main">
          <a class="brand" href={href('/')}>
            Tollgate
          </a>
          <a href={href('/')} aria-current={route.view === 'overview' ? 'page' : undefined}>
            Pipelines
          </a>
          {snapshot() ? null : (
            <a href={href('/inbox')} aria-current={route.view === 'inbox' ? 'page' : undefined}>
              Approvals
            </a>
          )}
        </nav>
        {pipelineOf(route) ? <LiveStatus live={live} /> : null}
        <Me />
      </header>
      <main id="main" tabIndex={-1}>
        {/* No sign-in round trip first: the view's own first call sends a stranger to sign in (401). */}
        <View route={route} version={live.version + tick} />
      </main>
    </>
  );
}

// Before the first render: every text node, in every view, shows what a reader cannot see.
showHiddenCharacters();
render(<App />, document.getElementById('app')!);
