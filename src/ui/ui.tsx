/**
 * What every view shares: loading an API answer (with the three outcomes that leave the view —
 * sign-in, not allowed, not found), the little pieces (digest, status, time), and navigation.
 */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, get, snapshot } from './api.js';
import { visibleText } from './visible-text.js';

/** Where a link goes: hash routes, so the same page works from a server and from file://. */
export function href(path: string): string {
  return `#${path}`;
}

/**
 * Set while a person signs out, and kept: a view's request answered 401 after the session was
 * deleted must not send them to sign in, where the provider, still knowing them, would sign them
 * straight back in. The page's "Sign in again" link loads a new page.
 */
let signingOut = false;

/** From now on a 401 leaves the page where it is (see `signingOut`); `false` if sign-out failed. */
export function setSigningOut(value: boolean): void {
  signingOut = value;
}

/** Sends the browser to sign in, coming back to where it was (not while signing out). */
export function signIn(): void {
  if (signingOut) return;
  // A server without sign-in configured says so in the page (meta tollgate-login): no dead link.
  if (document.querySelector('meta[name="tollgate-login"]')?.getAttribute('content') === 'off') {
    if (!location.hash.startsWith('#/no-sign-in')) location.hash = '/no-sign-in';
    return;
  }
  const back = `/${location.hash}`;
  location.assign(`/auth/login?return=${encodeURIComponent(back)}`);
}

export type Loaded<T> = { state: 'loading' } | { state: 'ok'; data: T } | { state: 'error'; error: ApiError };

/** What a view shows while its answer is on the way. */
const LOADING: Loaded<never> = { state: 'loading' };

/**
 * GETs `path` and re-GETs it when `path` or `version` changes (a live event bumps `version`). A
 * 401 sends the browser to sign in with its place kept; other errors are returned to the view.
 *
 * An answer is shown only for the path it answers: after `path` changes the view is loading until
 * the new answer comes, so a view never labels one query's rows with another's words ("1 pipeline
 * waiting at a stage" over last search's pipelines), even for the frame before its effect runs or
 * when the old answer lands after the change. A new `version` of the same path keeps the old
 * answer on screen until the fresh one replaces it.
 */
export function useApi<T>(path: string | undefined, version = 0): [Loaded<T>, () => void] {
  const [answer, setAnswer] = useState<{ path: string; loaded: Loaded<T> } | undefined>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === undefined) return;
    let live = true;
    get<T>(path).then(
      (data) => live && setAnswer({ path, loaded: { state: 'ok', data } }),
      (error: unknown) => {
        if (!live) return;
        const failure =
          error instanceof ApiError
            ? error
            : new ApiError(0, 'NETWORK', `the server cannot be reached: ${String(error)}`);
        if (failure.status === 401 && !snapshot()) return signIn();
        setAnswer({ path, loaded: { state: 'error', error: failure } });
      },
    );
    return () => {
      live = false;
    };
  }, [path, version, tick]);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  return [answer !== undefined && answer.path === path ? answer.loaded : LOADING, refresh];
}

/** Renders a loaded answer, or the page for why it could not be loaded. */
export function Load<T>(props: {
  loaded: Loaded<T>;
  what: string;
  children: (data: T) => ComponentChildren;
}) {
  const { loaded } = props;
  if (loaded.state === 'loading') return <p aria-busy="true">Loading {props.what}…</p>;
  if (loaded.state === 'error') return <Failure error={loaded.error} what={props.what} />;
  return <>{props.children(loaded.data)}</>;
}

const NOT_FOUND = new Set([
  'NOT_FOUND',
  'CONTRACT_NOT_FOUND',
  'ARTIFACT_NOT_FOUND',
  'STAGE_UNKNOWN',
  'NOT_IN_REPORT',
]);

/** Why a view has nothing to show: not found, not allowed, or another failure, each with a way on. */
export function Failure(props: { error: ApiError; what: string }) {
  const { error } = props;
  if (
    NOT_FOUND.has(error.code) ||
    /^(DIGEST_INVALID|NAME_INVALID)$/.test(error.code) ||
    (error.status === 400 && error.code === 'USAGE')
  )
    return <NotFound message={error.message} />;
  // The server says the same for a pipeline that does not exist and one the sign-in does not
  // cover (it tells nobody which pipelines exist beyond their grant).
  const uncovered = error.code === 'NOT_ALLOWED' ? /does not cover pipeline (\S+)/.exec(error.message) : null;
  if (uncovered)
    return (
      <NotFound
        message={`There is no pipeline "${uncovered[1]}" among those your sign-in covers. If it exists, ask an admin of this Tollgate server for a role that covers it.`}
      />
    );
  if (error.code === 'NOT_ALLOWED') return <NotAllowed message={error.message} />;
  return (
    <section class="failure" role="alert">
      <h1>Could not load {props.what}</h1>
      <p>{error.message}</p>
      <p class="muted">Code {error.code}</p>
      <p>
        <a href={href('/')}>Back to all pipelines</a>
      </p>
    </section>
  );
}

export function NotFound(props: { message?: string }) {
  return (
    <section class="failure" role="alert">
      <h1>Not found</h1>
      <p>{props.message ?? 'There is no page at this address.'}</p>
      <p>
        Check the pipeline, stage or digest in the address, or start from{' '}
        <a href={href('/')}>all pipelines</a>.
      </p>
    </section>
  );
}

export function NotAllowed(props: { message?: string }) {
  return (
    <section class="failure" role="alert">
      <h1>Not allowed</h1>
      <p>{props.message ?? 'Your sign-in does not allow this.'}</p>
      <p>
        Ask an admin of this Tollgate server for a role that covers it, or go back to{' '}
        <a href={href('/')}>the pipelines you can see</a>.
      </p>
    </section>
  );
}

/** Another registered artifact with the same short digest, as the API reports it. */
export interface Lookalike {
  digest: string;
  registeredBy: string;
  registeredAt: string;
}

/**
 * What the page knows of a digest's look-alikes: the API's list (absent or empty: none registered),
 * or 'unknown' where the answer does not say.
 */
export type KnownLookalikes = readonly Lookalike[] | undefined | 'unknown';

/**
 * The one rule for showing a digest in the page: its first 12 hex digits only when the page knows
 * no other registered artifact shares them; in full when one does (a digest ground to share the
 * short form: only the full one tells the two apart) or when the page cannot tell.
 */
export function digestText(digest: string, lookalikes: KnownLookalikes): string {
  if (lookalikes === 'unknown' || lookalikes?.length) return digest;
  const colon = digest.indexOf(':');
  return digest.slice(0, colon + 1 + 12);
}

/** Names for people: "a", "a and b", "a, b and c". */
export function names(list: readonly string[]): string {
  return list.length <= 1 ? (list[0] ?? '') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
}

/** A contract digest or a ledger hash, short: neither is registered, so neither has a look-alike. */
export function hashText(hash: string): string {
  return digestText(hash, undefined);
}

/** A page title naming a digest: by `digestText`, flagged first when it has look-alikes. */
export function digestTitle(digest: string, lookalikes: KnownLookalikes): string {
  const flagged = lookalikes !== 'unknown' && (lookalikes?.length ?? 0) > 0;
  return `${flagged ? '⚠ look-alike ' : ''}${digestText(digest, lookalikes)}`;
}

/**
 * A digest for people, by `digestText`, or all of it when `full` (where a person approves); with a
 * look-alike badge beside it when one is registered, so a row in a list says so too.
 */
export function Digest(props: {
  digest: string;
  link?: string;
  full?: boolean;
  lookalikes: KnownLookalikes;
}) {
  const shown = props.full ? props.digest : digestText(props.digest, props.lookalikes);
  // Where the whole digest is shown on purpose (approving), the caller says why beside it.
  const flagged = !props.full && props.lookalikes !== 'unknown' && (props.lookalikes?.length ?? 0) > 0;
  const text = (
    <code class={shown === props.digest ? 'digest wrap' : 'digest'} title={props.digest}>
      {shown}
    </code>
  );
  return (
    <>
      {props.link ? <a href={props.link}>{text}</a> : text}
      {flagged ? (
        <>
          {' '}
          <span class="badge badge-lookalike">look-alike</span>
        </>
      ) : null}
    </>
  );
}

/**
 * A decision item's text for people: its `…` spans as code, and the placeholder DIGEST in them as
 * the artifact's full digest, so a command it names can be copied and run as it stands.
 */
export function ItemText(props: { text: string; digest: string }) {
  const parts = props.text.split('`');
  // An unmatched backtick: the text as written, nothing guessed.
  if (parts.length % 2 === 0) return <>{props.text}</>;
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? <code class="command">{part.replace(/\bDIGEST\b/g, props.digest)}</code> : part,
      )}
    </>
  );
}

/** How many leading characters two digests share. */
export function sharedLength(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i += 1;
  return i;
}

/**
 * The warning beside a digest that has look-alikes: which, registered by whom and when, and from
 * which hex digit they differ (comparing two 64-digit strings by eye is where people slip).
 */
export function LookalikeNote(props: { digest: string; lookalikes: readonly Lookalike[] | undefined }) {
  if (!props.lookalikes?.length) return null;
  const prefix = props.digest.indexOf(':') + 1;
  return (
    <div class="lookalike" role="note">
      <strong>Look-alike digest.</strong> Another artifact registered in this pipeline starts with the same
      hex digits; compare the full digest before you trust or approve it.
      <ul>
        {props.lookalikes.map((l) => (
          <li key={l.digest}>
            look-alike of <code class="digest wrap">{l.digest}</code>, registered by {l.registeredBy} at{' '}
            <When at={l.registeredAt} /> (the same first {sharedLength(props.digest, l.digest) - prefix} hex
            digits)
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * A full digest with the digits from `from` on marked: where it stops matching the digest it is
 * compared with, so the eye goes to the part that tells the two apart.
 */
export function MarkedDigest(props: { digest: string; from: number }) {
  return (
    <code class="digest wrap">
      {props.digest.slice(0, props.from)}
      <mark>{props.digest.slice(props.from)}</mark>
    </code>
  );
}

/** Labels worth a glance (version first). */
export function Labels(props: { labels: Record<string, string> | undefined }) {
  const entries = Object.entries(props.labels ?? {}).sort(([a], [b]) =>
    a === 'version' ? -1 : b === 'version' ? 1 : a.localeCompare(b),
  );
  if (entries.length === 0) return null;
  return (
    <span class="labels">
      {entries.slice(0, 3).map(([k, v]) => (
        <span class="label" key={k}>
          {k === 'version' ? v : `${k}=${v}`}
        </span>
      ))}
    </span>
  );
}

const STATUS_TEXT: Record<string, string> = {
  promoted: 'promoted',
  verified: 'verified',
  failed: 'failed',
  'rolled-back': 'rolled back',
  allowed: 'allowed',
  blocked: 'blocked',
  pending: 'pending',
  pass: 'pass',
  fail: 'fail',
  waived: 'waived',
  'not-applicable': 'not applicable',
};

/** A status word in a badge; colour only adds to the word. */
export function Badge(props: { status: string }) {
  return <span class={`badge badge-${props.status}`}>{STATUS_TEXT[props.status] ?? props.status}</span>;
}

/**
 * A time as the reader's locale writes it, always with its zone ("… 14:05:00 CET"): approvers in
 * several zones compare times in one ledger, and a bare wall-clock time reads as anybody's.
 */
export function timeText(date: Date, part: 'date-time' | 'time' = 'date-time'): string {
  const options: Intl.DateTimeFormatOptions = { timeZoneName: 'short' };
  return part === 'time'
    ? date.toLocaleTimeString(undefined, options)
    : date.toLocaleString(undefined, options);
}

/** A time, as the reader's locale writes it with its zone, and the exact instant in `datetime`. */
export function When(props: { at: string | undefined }) {
  if (!props.at) return null;
  const date = new Date(props.at);
  return (
    <time dateTime={props.at} title={props.at}>
      {Number.isNaN(date.getTime()) ? props.at : timeText(date)}
    </time>
  );
}

/** "in 3 h 20 min" from now to `at`, re-rendered every second by the caller's clock. */
export function countdown(at: string, now: number): string {
  let ms = new Date(at).getTime() - now;
  if (Number.isNaN(ms)) return at;
  if (ms <= 0) return 'now';
  const d = Math.floor(ms / 86_400_000);
  ms -= d * 86_400_000;
  const h = Math.floor(ms / 3_600_000);
  ms -= h * 3_600_000;
  const m = Math.floor(ms / 60_000);
  const s = Math.floor((ms - m * 60_000) / 1000);
  if (d > 0) return `in ${d} d ${h} h`;
  if (h > 0) return `in ${h} h ${m} min`;
  if (m > 0) return `in ${m} min ${s} s`;
  return `in ${s} s`;
}

/** The current time, ticking every second (for countdowns). */
export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** Sets the document's title, so each view is named for screen readers and history. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${visibleText(title)} · Tollgate`;
  }, [title]);
}
