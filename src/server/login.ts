/**
 * People sign in with OpenID Connect, authorization code + PKCE (`openid-client`):
 * `GET /auth/login` sends the browser to the provider with a fresh state, nonce and PKCE
 * challenge (kept server-side, in the database, under a random cookie); `GET /auth/callback`
 * exchanges the code, checks state, nonce and the ID token, maps its claims to a principal and a
 * grant by the configured rules, and starts a session: an httpOnly, SameSite=Lax cookie whose
 * random value only the database knows the hash of. Any replica serves any step.
 */
import { randomBytes } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import * as oidc from 'openid-client';
import type { AppServices } from '../app/services.js';
import { TollgateError } from '../errors.js';
import { sha256 } from '../ledger/hash-chain.js';
import { parseExactDuration } from '../policy/duration.js';
import { mapClaims } from './claim-rules.js';
import type { LoginConfig } from './config.js';
import type { ServerEnv } from './env.js';
import { toErrorAnswer, withheldFrom } from './http-errors.js';
import type { Authenticator } from './identity.js';
import { clientAddress, clientKey, type FailedAuthLimit, rateLimit, ServerMetrics } from './observe.js';

export const SESSION_COOKIE = 'tollgate_session';
const LOGIN_COOKIE = 'tollgate_login';

/**
 * The cookies' names and attributes. Behind an https public URL (the redirect URI) they are
 * `__Host-` cookies: `Secure`, `Path=/`, no `Domain`, which a browser takes only from this very
 * host over https. A sibling subdomain (or a man in the middle on plain http) can then neither
 * set nor overwrite them, so nobody can plant their own session in a person's browser (session
 * fixation: the person would approve as the attacker, or type into the attacker's account). Only
 * the prefixed name is read then: a plain `tollgate_session` another host of the site set is
 * ignored. Over plain http a browser refuses `Secure` cookies (Chromium and Firefox except on
 * localhost), so the cookies keep their plain names, without `Secure`: for local use only.
 */
export function cookieNames(redirectUri: string): { session: string; login: string; secure: boolean } {
  const secure = new URL(redirectUri).protocol === 'https:';
  const prefix = secure ? '__Host-' : '';
  return { session: `${prefix}${SESSION_COOKIE}`, login: `${prefix}${LOGIN_COOKIE}`, secure };
}
const LOGIN_TTL_MS = 10 * 60_000;

export interface LoginOptions {
  config: LoginConfig;
  services: AppServices;
  /** The client secret (the config's, else TOLLGATE_OIDC_CLIENT_SECRET); none for a public client. */
  clientSecret?: string;
  /**
   * Bounds on unauthenticated work: each `GET /auth/login` writes a row kept 10 minutes. `perMinute`
   * sign-ins one client may start (bursts of as many), `pending` under way on this replica; a client
   * is an IPv4 address or an IPv6 prefix of `ipv6Prefix` bits (default 64; see clientKey).
   */
  limits?: {
    perMinute: number;
    pending: number;
    ipv6Prefix?: number;
    /** Sign-ins under way one network may hold (default: no limit but `pending`). */
    pendingPerNetwork?: number;
    /** The IPv6 prefix length a network is counted by (default 48); an IPv4 network is its /24. */
    networkIpv6Prefix?: number;
    metrics: ServerMetrics;
    /**
     * The API's failed-authentication limit: a login or session cookie the database does not know
     * (at `/auth/callback`, `/auth/logout`) is a failed authentication of its client, and a client
     * out of failures is refused before its cookie is looked up.
     */
    failures?: FailedAuthLimit;
  };
  /** Told of every failure whose detail a caller is not shown (logs), with the request id. */
  report?: (error: unknown, requestId: string) => void;
}

function newId(): string {
  return randomBytes(32).toString('base64url');
}

const HERE = 'http://tollgate.invalid';
/** The longest path a sign-in returns to; a longer one returns to `/`. */
const MAX_RETURN = 2048;

/**
 * Only a path on this server: never an absolute URL or `//host` (no open redirect). A browser
 * drops tabs and newlines from a URL and reads `\` as `/`, so `/<tab>/evil.example` would be
 * `//evil.example`: any control character or backslash sends the person to `/` instead, and what
 * is kept is the path as a URL parser resolves it on this server, unless that starts with `//`,
 * and at most 2048 characters.
 */
function safeReturn(text: string | undefined): string {
  // Kept in the sign-in's row: a page's address, not a store for whatever fits in a request line.
  if (text === undefined || text.length > MAX_RETURN) return '/';
  if (!text.startsWith('/') || text.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(text)) return '/';
  let url: URL;
  try {
    url = new URL(text, HERE);
  } catch {
    return '/';
  }
  if (url.origin !== HERE) return '/';
  // Dot segments resolve away: `/.//evil.example` and `/a/..//evil.example` are the path
  // `//evil.example`, which a browser reads as another host. A path kept must not start so.
  if (url.pathname.startsWith('//')) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}

/**
 * True when a request a browser sent with the session cookie comes from a page of this server. A
 * browser sends the cookie with a request another site of the same site (a sibling subdomain) makes
 * it send: the `Origin` it names must be this server's pages', at the sign-in's redirect URI
 * (behind a proxy that ends TLS, the request this process sees is http:// while the page is
 * https://), or the one the request was made to. No `Origin` is no page of ours.
 */
export function fromOwnPage(c: Context, redirectUri: string | undefined): boolean {
  const origin = c.req.header('origin');
  if (origin === undefined) return false;
  return (
    (redirectUri !== undefined && origin === new URL(redirectUri).origin) ||
    origin === new URL(c.req.url).origin
  );
}

/** True when the client asks for HTML (a browser navigating), not when it takes anything (`*\/*`). */
function acceptsHtml(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/html\s*(;|,|$)/i.test(accept);
}

/** A sign-in page carries no script and no style: it may only link back to this server. */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
};

/** A small page for a sign-in that failed: what happened (escaped by hono's `html`), and a way back in. */
function signInFailedPage(message: string) {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign-in failed · Tollgate</title></head>
<body>
<h1>Sign-in failed</h1>
<p>${message}</p>
<p><a href="/auth/login">Sign in again</a></p>
</body>
</html>
`;
}

/**
 * Adds the sign-in routes to `app` and returns the authenticator of their sessions.
 */
export function defineLogin(app: OpenAPIHono<ServerEnv>, options: LoginOptions): Authenticator {
  const { config, services } = options;
  const names = cookieNames(config.redirectUri);
  const sessionMs = parseExactDuration(config.sessionTtl) ?? 8 * 3_600_000;
  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = () => {
    discovered ??= oidc
      .discovery(
        new URL(config.issuer),
        config.clientId,
        options.clientSecret,
        undefined,
        new URL(config.issuer).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((cause: unknown) => {
        discovered = undefined;
        throw new TollgateError(
          'STORE_UNAVAILABLE',
          `cannot reach the OpenID provider ${config.issuer}: ${(cause as Error).message}`,
          { cause },
        );
      });
    return discovered;
  };
  // No `domain`, ever: a `__Host-` cookie with one is dropped by the browser.
  const cookie = { httpOnly: true, secure: names.secure, sameSite: 'Lax' as const, path: '/' };
  const rules = config.rules.map((rule) => ({ ...rule, principal: `{${config.principalClaim}}` }));

  const limits = options.limits ?? { perMinute: 30, pending: 10_000, metrics: new ServerMetrics() };
  const limitLogins = rateLimit({ perMinute: limits.perMinute, burst: limits.perMinute }, limits.metrics);
  // The sign-ins this replica started that are still under way, by cookie hash, with when each
  // ends; in the order they started, which is the order they end (one TTL).
  const pending = new Map<string, { ends: number; network: string }>();
  // How many of them each network started: one network (an IPv6 /48, an IPv4 /24) may hold only
  // so many, or its owner, with 65,536 /64s each allowed its own sign-ins a minute, fills the table.
  const perNetwork = new Map<string, number>();
  const release = (hash: string) => {
    const entry = pending.get(hash);
    if (entry === undefined) return;
    pending.delete(hash);
    const left = (perNetwork.get(entry.network) ?? 1) - 1;
    if (left <= 0) perNetwork.delete(entry.network);
    else perNetwork.set(entry.network, left);
  };
  const pendingNow = (at: number): number => {
    for (const [hash, { ends }] of pending) {
      if (ends > at) break;
      release(hash);
    }
    return pending.size;
  };
  /** True when this replica started the sign-in whose login cookie hashes to `hash`, and it has not ended. */
  const underWayHere = (hash: string): boolean => (pending.get(hash)?.ends ?? 0) > Date.now();
  const refuse = (c: Context, message: string, ends: number | undefined) => {
    c.header('retry-after', String(Math.max(1, Math.ceil(((ends ?? 0) - Date.now()) / 1000))));
    limits.metrics.rateLimited.inc();
    return new TollgateError('RATE_LIMITED', message);
  };

  app.get('/auth/login', async (c) => {
    // Anybody may ask, and each asking writes a row: one client (an IPv4 address, an IPv6 host's
    // /64) may start only so many a minute, and this replica keeps only so many under way. The one over is refused, saying so;
    // no sign-in under way is ever dropped to make room.
    const address = clientAddress(c);
    limitLogins(`client ${clientKey(address, limits.ipv6Prefix)}`);
    if (pendingNow(Date.now()) >= limits.pending) {
      const [oldest] = pending.values();
      throw refuse(
        c,
        `too many sign-ins are under way on this server (${limits.pending}, each kept 10 minutes); try again later`,
        oldest?.ends,
      );
    }
    const network = clientKey(address, limits.networkIpv6Prefix ?? 48, 24);
    if ((perNetwork.get(network) ?? 0) >= (limits.pendingPerNetwork ?? Number.POSITIVE_INFINITY)) {
      // The table's oldest sign-in ends first: before then no retry finds room (the network's may end later).
      const [oldest] = pending.values();
      throw refuse(
        c,
        `too many sign-ins are under way from your network (${network}: ${limits.pendingPerNetwork}, each kept 10 minutes); try again later`,
        oldest?.ends,
      );
    }
    // Its place is taken now, before anything is awaited: requests arriving together cannot all
    // pass the checks above. A sign-in that fails to start gives its place back.
    const id = newId();
    pending.set(sha256(id), { ends: Date.now() + LOGIN_TTL_MS, network });
    perNetwork.set(network, (perNetwork.get(network) ?? 0) + 1);
    let provider: oidc.Configuration;
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    try {
      provider = await configuration();
      const now = services.clock.now();
      const store = await services.store();
      await store.sessions.purge(now);
      await store.sessions.insert({
        idHash: sha256(id),
        kind: 'login',
        data: { verifier, state, nonce, return: safeReturn(c.req.query('return')) },
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + LOGIN_TTL_MS).toISOString(),
      });
    } catch (error) {
      release(sha256(id));
      throw error;
    }
    setCookie(c, names.login, id, { ...cookie, maxAge: LOGIN_TTL_MS / 1000 });
    const url = oidc.buildAuthorizationUrl(provider, {
      redirect_uri: config.redirectUri,
      scope: config.scopes.join(' '),
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return c.redirect(url.href, 302);
  });

  app.get('/auth/callback', async (c) => {
    try {
      return await finishSignIn(c);
    } catch (error) {
      // A browser lands here from the provider: it is shown a page saying what went wrong and
      // where to start again, not a JSON document. An API client still gets the one error shape.
      if (!acceptsHtml(c.req.header('accept'))) throw error;
      // Nobody is signed in here: an outage's detail is the log's (see withheldFrom).
      const { status, body } = toErrorAnswer(error, false);
      if (status >= 500 && !(error instanceof TollgateError)) throw error;
      if (withheldFrom(error, false)) options.report?.(error, c.get('requestId'));
      c.set('errorCode', body.error.code);
      return c.html(signInFailedPage(body.error.message), status, PAGE_HEADERS);
    }
  });

  /**
   * Looks a cookie up as a credential: a client out of failed authentications is refused before
   * the database is asked, and a cookie it does not know counts as one failure. Anybody may send
   * any cookie, so otherwise each made-up one would cost a database query, unlimited. A cookie
   * `issued` by this replica and still under way is no guess (256 random bits it handed out
   * itself): it is looked up whatever the client's failures, so a person who started a sign-in
   * here finishes it even behind the same NAT or proxy as a guesser.
   */
  const presentedCookie = async <T>(
    c: Context<ServerEnv>,
    id: string,
    lookUp: (idHash: string) => Promise<T | undefined>,
    issued = false,
  ): Promise<T | undefined> => {
    const client = clientKey(clientAddress(c), limits.ipv6Prefix);
    if (!issued) limits.failures?.check(client, sha256(id));
    const found = await lookUp(sha256(id));
    // One found is used up here (a login's cookie, a session signed out): nothing to remember as good.
    if (found === undefined) limits.failures?.failed(client);
    return found;
  };

  const finishSignIn = async (c: Context<ServerEnv>) => {
    const id = getCookie(c, names.login);
    const store = await services.store();
    const now = services.clock.now();
    const login =
      id === undefined
        ? undefined
        : await presentedCookie(
            c,
            id,
            async (hash) => {
              const found = await store.sessions.find(hash, now);
              return found?.kind === 'login' ? found : undefined;
            },
            underWayHere(sha256(id)),
          );
    if (!id || !login) {
      throw new TollgateError(
        'UNAUTHENTICATED',
        'no sign-in is under way in this browser (or it took over 10 minutes): start again at /auth/login',
      );
    }
    // One use: a replayed callback finds nothing.
    await store.sessions.delete(sha256(id));
    release(sha256(id));
    deleteCookie(c, names.login, cookie);
    const data = login.data as { verifier: string; state: string; nonce: string; return: string };
    // The URL the provider redirected to, as registered (a proxy in front may change the host).
    const current = new URL(config.redirectUri);
    current.search = new URL(c.req.url).search;
    let claims: Record<string, unknown>;
    try {
      const tokens = await oidc.authorizationCodeGrant(await configuration(), current, {
        pkceCodeVerifier: data.verifier,
        expectedState: data.state,
        expectedNonce: data.nonce,
        idTokenExpected: true,
      });
      claims = (tokens.claims() ?? {}) as Record<string, unknown>;
    } catch (cause) {
      if (cause instanceof TollgateError) throw cause;
      throw new TollgateError('UNAUTHENTICATED', `the sign-in failed: ${(cause as Error).message}`, {
        cause,
      });
    }
    const named = claims[config.principalClaim];
    if (typeof named !== 'string' || named === '')
      throw new TollgateError(
        'UNAUTHENTICATED',
        `the ID token has no ${config.principalClaim} claim to name you by`,
      );
    // An address the provider has not verified is one anybody may have typed: signing up with
    // alice@example.com would otherwise sign in as alice (OpenID Connect Core §5.1, email_verified).
    // Absent counts as not verified; Cognito sends the string "true".
    if (
      config.principalClaim === 'email' &&
      claims.email_verified !== true &&
      claims.email_verified !== 'true'
    )
      throw new TollgateError(
        'UNAUTHENTICATED',
        `the ID token's email ${JSON.stringify(named)} is not verified by the provider (email_verified is ${claims.email_verified === undefined ? 'absent' : JSON.stringify(claims.email_verified)}): anybody may have typed it; have the provider verify addresses, or name people by another claim (login.principalClaim)`,
      );
    let mapped: ReturnType<typeof mapClaims>;
    try {
      mapped = mapClaims(rules, claims, config.issuer);
    } catch (error) {
      // A genuine person this server grants nothing: the dashboard's "not allowed" page says so
      // (a browser is what follows this redirect), rather than a JSON error.
      if (error instanceof TollgateError && error.code === 'NOT_ALLOWED') {
        // Whoever signed in before in this browser is not the one sitting at it now.
        await revokePresented(c);
        deleteCookie(c, names.session, cookie);
        return c.redirect(`/#/not-allowed?who=${encodeURIComponent(named)}`, 302);
      }
      throw error;
    }
    // Signing in again in this browser ends the session it held (another person's, or the same
    // person's older one): a cookie copied before stops working, and one browser holds one session.
    await revokePresented(c);
    const { principal, grant } = mapped;
    const session = newId();
    await store.sessions.insert({
      idHash: sha256(session),
      kind: 'session',
      // The claims, so each request maps them by the rules the server runs with then (below).
      data: { principal, grant, issuer: config.issuer, subject: claims.sub, claims },
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + sessionMs).toISOString(),
    });
    // Known good from its first use: the API's failed-authentication limit would otherwise refuse
    // it, new and unknown, to a person behind the same NAT as a guesser (issued here, no guess).
    limits.failures?.succeeded(sha256(session));
    setCookie(c, names.session, session, { ...cookie, maxAge: Math.floor(sessionMs / 1000) });
    return c.redirect(data.return, 302);
  };

  /** Ends, in the database, the session whose cookie the request presents (the cookie is the caller's to drop or replace). */
  const revokePresented = async (c: Context<ServerEnv>) => {
    const id = getCookie(c, names.session);
    if (id) await (await services.store()).sessions.delete(sha256(id));
  };

  app.post('/auth/logout', async (c) => {
    // As for every write made with the session: another page must not sign the person out.
    if (!fromOwnPage(c, config.redirectUri))
      throw new TollgateError(
        'NOT_ALLOWED',
        'signing out must come from a page of this server (Origin); the session is unchanged',
      );
    const id = getCookie(c, names.session);
    if (id !== undefined) {
      const store = await services.store();
      await presentedCookie(c, id, async (hash) => ((await store.sessions.delete(hash)) ? true : undefined));
    }
    deleteCookie(c, names.session, cookie);
    return c.json({ signedOut: true });
  });

  return async (credentials, at) => {
    const id = credentials.cookies[names.session];
    if (credentials.bearer !== undefined || id === undefined) return undefined;
    const found = await (await services.store()).sessions.find(sha256(id), at);
    if (found?.kind !== 'session')
      throw new TollgateError(
        'UNAUTHENTICATED',
        'the session has ended or was signed out: sign in again at /auth/login',
      );
    // The grant is the rules' of this server now, not of when the person signed in: a rule taken
    // out of the configuration (a person moved out of a group here, a pipeline withdrawn) ends
    // what it granted at the next restart, not when the session expires.
    const data = found.data as { issuer?: string; claims?: Record<string, unknown> };
    if (data.issuer !== config.issuer || data.claims === undefined)
      throw new TollgateError(
        'UNAUTHENTICATED',
        'the session was started under another sign-in configuration: sign in again at /auth/login',
      );
    let mapped: ReturnType<typeof mapClaims>;
    try {
      mapped = mapClaims(rules, data.claims, config.issuer);
    } catch (error) {
      if (error instanceof TollgateError && error.code === 'NOT_ALLOWED')
        throw new TollgateError(
          'NOT_ALLOWED',
          `no sign-in rule of this server grants ${String(data.claims[config.principalClaim])} anything any more (the rules changed since the sign-in)`,
        );
      throw error;
    }
    // A token made over the API with the session ends when the session would (a stolen cookie
    // mints nothing that outlives it; see CreateTokenOptions.notAfter).
    return {
      principal: mapped.principal,
      grant: mapped.grant,
      via: 'session',
      expiresAt: Date.parse(found.expiresAt),
    };
  };
}
