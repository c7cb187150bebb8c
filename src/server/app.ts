/**
 * The server as a hono app: a thin shell over the same use cases the CLI wraps. Request by
 * request: an id, authentication (the server decides who acts), the route's authorisation and
 * validation, one use case, and its `--json` document as the answer; anything thrown becomes the
 * one error shape `{ error: { code, message } }`.
 *
 * `createServerApp` builds the app without a socket, so tests call it as a function
 * (`app.request('/api/v1/…')`); src/server/serve.ts puts it on a port.
 */

import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppServices, ContractSource } from '../app/services.js';
import { TollgateError } from '../errors.js';
import { DEFAULT_SERVER_CONFIG } from './config.js';
import { defineDashboard } from './dashboard.js';
import type { ServerEnv } from './env.js';
import { asCutShortBody, requestInvalid, toErrorAnswer, withheldFrom } from './http-errors.js';
import type { Authenticator, Credentials, Identity } from './identity.js';
import { type KeptReadAnswerer, keptReadAnswerer } from './kept-reads.js';
import { cookieNames, defineLogin, fromOwnPage, type LoginOptions, SESSION_COOKIE } from './login.js';
import {
  clientAddress,
  clientKey,
  failedAuthLimit,
  forwardedClient,
  type LogSink,
  observeRequests,
  peerAddress,
  proxyNetworks,
  RateLimited,
  type RateLimitOptions,
  rateLimit,
  requestRecorder,
  ServerMetrics,
} from './observe.js';
import { looksLikeJwt } from './oidc-ci.js';
import { API, type ApiRoute, defineRoutes, type KeptReadRoute } from './routes.js';
import { presentedCredential } from './token-auth.js';

declare const TOLLGATE_VERSION: string;

export interface ServerAppOptions {
  services: AppServices;
  /** Tried in order for every API request; the first that recognises the credential decides. */
  authenticators: readonly Authenticator[];
  /** Pipelines whose callers may set who acts and when (--as, --now): demos, never production. Default none. */
  demoPipelines?: readonly string[];
  /** Largest evidence upload, in bytes (default 256 MiB). */
  maxEvidenceBytes?: number;
  /** Largest JSON request body, in bytes (default 1 MiB). */
  maxJsonBytes?: number;
  /**
   * Called with every failure the server answers 500 for, and every one whose detail a caller is
   * not shown (/readyz, an outage answered to an unauthenticated caller), with the request id (logs).
   */
  onInternalError?: (error: unknown, requestId: string) => void;
  /** Reports whether the server can serve (database reachable, migrations applied); default: a store query. */
  ready?: () => Promise<void>;
  /** People sign in with this OpenID provider (authorization code + PKCE); default: no sign-in. */
  login?: Omit<LoginOptions, 'services'>;
  /** Where the JSON log lines go (one per request); default: none. */
  log?: LogSink;
  /**
   * Who may read `/metrics`: `credential` (default) a caller granted every pipeline (`--pipeline
   * '*'`, any role), `public` anybody (keep it on an internal network then).
   */
  metricsAccess?: 'credential' | 'public';
  /**
   * Reverse proxies whose `X-Forwarded-For` names the client (addresses or networks, as the
   * configuration's `trustedProxies`); default none: the socket's peer is the client.
   */
  trustedProxies?: readonly string[];
  /** Per-principal limits on this replica; default 3000 a minute, bursts of 600. */
  rateLimit?: RateLimitOptions;
  /** How often live event streams look for new entries (default 500 ms). */
  eventPollMs?: number;
  /** The dashboard's built files (dist/ui), served at `/`; default: no dashboard. */
  dashboardDir?: string;
  /**
   * Where an uploaded contract's relative paths resolve when its pipeline had no start-up file
   * (default: the working directory); a pipeline started from a file keeps that file's folder.
   */
  contractsRoot?: string;
}

export interface ServerApp {
  app: OpenAPIHono<ServerEnv>;
  /** Every API route, as the table defines it (the authorisation matrix test reads it). */
  routes: ApiRoute[];
  metrics: ServerMetrics;
  /**
   * For a socket's request listener, before the app's: answers a GET whose answer is kept
   * (src/server/kept-reads.ts) and returns true, or returns false and leaves the request to the app.
   */
  answerKept: KeptReadAnswerer;
  /** Ends what would keep a stopping server open (live event streams). */
  shutdown(): void;
}

export const DEFAULT_MAX_EVIDENCE_BYTES = 256 * 1024 * 1024;
export const DEFAULT_MAX_JSON_BYTES = 1024 * 1024;

/** The `Authorization: Bearer …` credential, if any. */
function bearerOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const bearer = bearerIn(header);
  if (bearer === undefined)
    throw new TollgateError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"');
  return bearer;
}

/** The credential of an `Authorization: Bearer …` header; undefined when the header is not one. */
function bearerIn(header: string): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
}

/** Builds the API app over the process's services. */
export function createServerApp(options: ServerAppOptions): ServerApp {
  const { services } = options;
  useServerResponses();
  const app = new OpenAPIHono<ServerEnv>({
    // Validation failures answer the one error shape: which field, and what was expected.
    defaultHook: (result) => {
      if (result.success) return;
      throw requestInvalid(result.target, result.error);
    },
  });

  const metrics = new ServerMetrics();
  const stopping = new AbortController();
  // Real time, whatever the services' clock: limits are about this process's load.
  const limit = rateLimit(options.rateLimit ?? DEFAULT_SERVER_CONFIG.rateLimit, metrics);

  app.use('*', async (c, next) => {
    const id = requestIdOf(c.req.header('x-request-id'));
    c.set('requestId', id);
    // Every answer, errors and replays included, says its Content-Type is the one to use: a JSON
    // answer that echoes what a caller sent (a label, a name in an error) is never sniffed as HTML
    // or script by a browser that is sent to it.
    // On a socket the id goes on Node's response itself, which writes it with whatever answer is
    // made (error, replay, stream): the answer's own headers then stay one plain object, which
    // @hono/node-server writes as it is, without building Fetch Headers for it and reading them
    // back. Called as a function (app.request), the answer carries it.
    // An API, sign-in or metrics answer is one caller's (their grant, their session): no cache, shared
    // (a proxy in front) or the browser's, may keep it to hand to whoever asks next.
    // `/metrics` too: read with a credential, it is for callers granted every pipeline only.
    const personal =
      c.req.path.startsWith(`${API}/`) || c.req.path.startsWith('/auth/') || c.req.path === '/metrics';
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (outgoing && typeof outgoing.setHeader === 'function' && !outgoing.headersSent) {
      answerHeaders(outgoing, id, personal);
      return next();
    }
    await next();
    // Called as a function (app.request, app.fetch): on the answer once it is made, in its own
    // headers (through the context, hono would rebuild a finished answer with a new body).
    // Every answer here is made by hono's context or `new Response`, whose headers can change.
    const headers = c.res.headers;
    if (headers.get('x-request-id') !== id) headers.set('x-request-id', id);
    if (headers.get('x-content-type-options') === null) headers.set('x-content-type-options', 'nosniff');
    if (personal && headers.get('cache-control') === null) headers.set('cache-control', 'no-store');
  });
  const record = requestRecorder(metrics, options.log);
  app.use('*', observeRequests(record));
  // Behind trusted proxies, the client is the one they name (default: none is trusted).
  const proxies = proxyNetworks(options.trustedProxies ?? []);
  if (proxies.length > 0)
    app.use('*', async (c, next) => {
      const client = forwardedClient(peerAddress(c), c.req.header('x-forwarded-for'), proxies);
      if (client !== undefined) c.set('forwardedFor', client);
      await next();
    });

  app.onError((thrown, c) => {
    // A body cut short by its client is the client's doing, not a fault of the server to report.
    const error = asCutShortBody(thrown, c.req.header('content-length'));
    const authenticated = c.get('identity') !== undefined;
    const { status, body } = toErrorAnswer(error, authenticated);
    if ((status >= 500 && !(error instanceof TollgateError)) || withheldFrom(error, authenticated))
      options.onInternalError?.(error, c.get('requestId'));
    c.set('errorCode', body.error.code);
    if (error instanceof RateLimited) c.header('retry-after', String(error.retryAfter));
    return c.json(body, status);
  });

  app.notFound((c) =>
    c.json(
      {
        error: {
          code: 'NOT_FOUND',
          message: `no route ${c.req.method} ${new URL(c.req.url).pathname}; see /openapi.json`,
        },
      },
      404,
    ),
  );

  const limits = { ...DEFAULT_SERVER_CONFIG.rateLimit, ...options.rateLimit };
  const failures = failedAuthLimit({ perMinute: limits.authFailures }, metrics);
  const authenticators = [
    ...options.authenticators,
    ...(options.login
      ? [
          defineLogin(app, {
            ...options.login,
            services,
            limits: {
              perMinute: options.rateLimit?.logins ?? DEFAULT_SERVER_CONFIG.rateLimit.logins,
              pending: options.rateLimit?.pendingLogins ?? DEFAULT_SERVER_CONFIG.rateLimit.pendingLogins,
              ipv6Prefix: options.rateLimit?.ipv6Prefix ?? DEFAULT_SERVER_CONFIG.rateLimit.ipv6Prefix,
              pendingPerNetwork:
                options.rateLimit?.pendingLoginsPerNetwork ??
                DEFAULT_SERVER_CONFIG.rateLimit.pendingLoginsPerNetwork,
              networkIpv6Prefix:
                options.rateLimit?.networkIpv6Prefix ?? DEFAULT_SERVER_CONFIG.rateLimit.networkIpv6Prefix,
              metrics,
              failures,
            },
            ...(options.onInternalError ? { report: options.onInternalError } : {}),
          }),
        ]
      : []),
  ];

  const sessionCookie = options.login ? cookieNames(options.login.config.redirectUri).session : undefined;

  // Every API request is authenticated before anything else is looked at (and /metrics, unless public).
  const authenticated: MiddlewareHandler<ServerEnv> = async (c, next) => {
    const at = services.clock.now();
    // What the caller presents as a credential (an Authorization header, well formed or not, or a
    // session cookie): a refused one is a failed authentication of its client.
    const authorization = c.req.header('authorization');
    const presented =
      authorization ?? (sessionCookie === undefined ? undefined : getCookie(c, sessionCookie));
    const client = presented === undefined ? undefined : clientKey(clientAddress(c), limits.ipv6Prefix);
    // The Authorization header's bearer credential when it is well formed (refused below when not).
    const bearer = authorization === undefined ? undefined : bearerIn(authorization);
    const read = presented === undefined ? undefined : presentedCredential(presented, bearer);
    // An OIDC ID token is checked against its issuer's keys, not looked up: it cannot be guessed,
    // costs no database query, and a CI job brings a new one each run (it would never be known).
    if (client !== undefined && read !== undefined && !(bearer !== undefined && looksLikeJwt(bearer)))
      failures.check(client, read.key);
    let identity: Identity | undefined;
    let credentials: Credentials = { cookies: {} };
    try {
      credentials = {
        cookies: getCookie(c),
        ...optionalBearer(authorization),
        ...(read?.token === undefined ? {} : { token: read.token }),
      };
      for (const authenticate of authenticators) {
        identity = await authenticate(credentials, at);
        if (identity) break;
      }
      if (!identity) {
        throw new TollgateError(
          'UNAUTHENTICATED',
          credentials.bearer === undefined
            ? 'this API needs a credential: Authorization: Bearer <token> (TOLLGATE_TOKEN for the CLI)'
            : 'the bearer credential is neither an API token nor an ID token from a configured issuer',
        );
      }
    } catch (error) {
      if (client !== undefined && error instanceof TollgateError && error.code === 'UNAUTHENTICATED')
        failures.failed(client);
      throw error;
    }
    if (read !== undefined) failures.succeeded(read.key);
    // A browser sends the session cookie with any request, even one another site makes it send:
    // a write on a session must come from a page of this server (SameSite=Lax covers the rest).
    if (identity.via === 'session' && c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      if (!fromOwnPage(c, options.login?.config.redirectUri))
        throw new TollgateError(
          'NOT_ALLOWED',
          'a write with a session cookie must come from a page of this server (Origin)',
        );
    }
    c.set('identity', identity);
    c.set('reauthenticate', async () => {
      try {
        for (const authenticate of authenticators) {
          const again = await authenticate(credentials, services.clock.now());
          if (again) return again;
        }
      } catch {
        // Refused now (ended, revoked, granted nothing): no identity.
      }
      return undefined;
    });
    limit(identity.principal);
    await next();
  };
  app.use(`${API}/*`, authenticated);
  const metricsAccess = options.metricsAccess ?? DEFAULT_SERVER_CONFIG.metrics.access;
  if (metricsAccess !== 'public') app.use('/metrics', authenticated);

  assertDemoPipelines(services.contracts, options.demoPipelines ?? []);

  const keptReads: KeptReadRoute[] = [];
  const routes = defineRoutes(app, {
    keptReads,
    services,
    metrics,
    stopping: stopping.signal,
    ...(options.eventPollMs === undefined ? {} : { eventPollMs: options.eventPollMs }),
    demoPipelines: new Set(options.demoPipelines ?? []),
    compiledContracts: new Map(),
    contractsRoot: resolve(options.contractsRoot ?? '.'),
    maxEvidenceBytes: options.maxEvidenceBytes ?? DEFAULT_MAX_EVIDENCE_BYTES,
    maxJsonBytes: options.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES,
    maxEventStreams: options.rateLimit?.streams ?? DEFAULT_SERVER_CONFIG.rateLimit.streams,
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token (tg_…) or an OIDC ID token from a configured issuer',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    // `__Host-tollgate_session` behind an https redirect URI (see cookieNames).
    name: options.login ? cookieNames(options.login.config.redirectUri).session : SESSION_COOKIE,
    description: 'A signed-in person (OIDC authorization code + PKCE)',
  });
  const openApiConfig = {
    openapi: '3.1.0',
    info: {
      title: 'Tollgate',
      version: typeof TOLLGATE_VERSION === 'string' ? TOLLGATE_VERSION : '0.0.0-dev',
      description:
        'Environment promotion as entry contracts. Every answer is the document `tollgate VERB --json` prints; every error is { error: { code, message } }.',
    },
  };
  // Made once, at the first asking (every route is registered by then and none is added later):
  // anybody may ask, and making it costs tens of milliseconds of CPU, so made per request (as
  // `doc31` does) a few anonymous callers in a loop would keep the server's core busy.
  let openApiText: string | undefined;
  app.get('/openapi.json', (c) => {
    openApiText ??= JSON.stringify(app.getOpenAPI31Document(openApiConfig));
    return c.body(openApiText, 200, { 'content-type': 'application/json' });
  });

  if (options.dashboardDir)
    defineDashboard(app, { dir: options.dashboardDir, login: options.login !== undefined });

  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/metrics', async (c) => {
    // The series name every pipeline and stage, and how their decisions go: a caller who may read
    // only some pipelines must not learn of the others, nor of how often prod is blocked.
    const grant = c.get('identity')?.grant;
    if (metricsAccess !== 'public' && grant?.pipelines !== '*')
      throw new TollgateError(
        'NOT_ALLOWED',
        "/metrics names every pipeline: it needs a credential granted every pipeline (tollgate token create --role reader --pipeline '*'), or metrics.access: public in the server configuration",
      );
    return c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType });
  });
  // Anybody may ask, as often as they like: the requests that arrive while a check is under way
  // share its answer, so a flood of them is one database query at a time, never one each.
  let checking: Promise<void> | undefined;
  const checkReady = () => {
    checking ??= (async () => {
      if (options.ready) await options.ready();
      else await (await services.store()).pipelines();
    })().finally(() => {
      checking = undefined;
    });
    return checking;
  };
  app.get('/readyz', async (c) => {
    try {
      await checkReady();
      return c.json({ ok: true });
    } catch (error) {
      // Anybody may ask (a load balancer does, unauthenticated): the reason is the log's, with
      // the request id; the database's own words may name its host, user or URL.
      options.onInternalError?.(error, c.get('requestId'));
      c.set('errorCode', 'STORE_UNAVAILABLE');
      return c.json(
        {
          error: {
            code: 'STORE_UNAVAILABLE',
            message: 'not ready: the store is unavailable; the server logged why with this request id',
          },
        },
        503,
      );
    }
  });

  // On a socket, a GET whose answer is kept is answered through the same steps without hono
  // (src/server/kept-reads.ts); called as a function, the app answers everything.
  const answerKept = keptReadAnswerer({
    services,
    routes: keptReads,
    authenticators,
    failures,
    limit,
    ipv6Prefix: limits.ipv6Prefix,
    // The client as clientAddress() reads it: the socket's peer, or who trusted proxies name.
    clientAddressOf: (incoming) => {
      const peer = incoming.socket.remoteAddress ?? 'unknown';
      if (proxies.length === 0) return peer;
      const header = incoming.headers['x-forwarded-for'];
      return forwardedClient(peer, Array.isArray(header) ? header.join(', ') : header, proxies) ?? peer;
    },
    metrics,
    record,
    requestIdOf,
    apiHeaders: (outgoing, id) => answerHeaders(outgoing, id, true),
    bearerOf,
  });

  return { app, routes, metrics, answerKept, shutdown: () => stopping.abort() };
}

/** The id of a request: the caller's `X-Request-Id` when it is a plain one, else a new one. */
function requestIdOf(given: string | undefined): string {
  return given && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
}

/**
 * The headers every answer made on a socket carries, on Node's response (written with whatever
 * answer is made): its request id, no sniffing, and for one caller's answer (API, sign-in) no-store.
 */
function answerHeaders(outgoing: ServerResponse, id: string, personal: boolean): void {
  outgoing.setHeader('x-request-id', id);
  outgoing.setHeader('x-content-type-options', 'nosniff');
  if (personal) outgoing.setHeader('cache-control', 'no-store');
}

/**
 * The Request and Response classes the server answers with. @hono/node-server puts its own in
 * place of the global ones when it starts serving (src/server/serve.ts): a Response that keeps
 * the text it was made with and is written to the socket from it, building a Fetch Response (and a
 * web stream for its body) only if something reads it as one. An app called as a function (tests,
 * benches, `app.request`) used to make every answer as a whole Fetch Response instead: ~10 µs of
 * the check route's ~150 on the dashboard bench, which a deployed server never spends. Installed
 * here, answers are made the same way wherever the app runs; in a serving process nothing changes.
 */
function useServerResponses(): void {
  // Its only lasting effect: installing the classes (overrideGlobalObjects, on by default).
  getRequestListener(() => new Response(null));
}

function optionalBearer(header: string | undefined): { bearer?: string } {
  const bearer = bearerOf(header);
  return bearer === undefined ? {} : { bearer };
}

/**
 * Pipelines a server runs in demo mode (`serve --demo NAME`), whose callers may set --as and
 * --now: each must exist and its contract must declare `demo: true`. One rule for a set clock,
 * CLI and server alike.
 * @throws TollgateError CONTRACT_NOT_FOUND or USAGE
 */
export function assertDemoPipelines(contracts: ContractSource, pipelines: readonly string[]): void {
  for (const pipeline of pipelines) {
    const contract = contracts.get(pipeline);
    if (contract.demo !== true)
      throw new TollgateError(
        'USAGE',
        `--demo ${pipeline}: the contract of pipeline ${pipeline} (${contract.file}) does not declare \`demo: true\`; a real pipeline never runs at a clock its callers set`,
      );
  }
}
