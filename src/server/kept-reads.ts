/**
 * Reads answered at once on the socket (a dashboard, a script or a load balancer polling a
 * pipeline's status): when the caller's credential, the route's inputs and its answer are all
 * kept by the store and the database is unchanged since (src/ledger/read-memo.ts), the answer is
 * written without going through hono, its middleware and their promises. Every step is the one
 * the app runs, called from where the app calls it: the request id, the failed-authentication
 * limit, the authenticators (their `known`), the per-principal limit, the route's authorisation,
 * path validation and handler (src/server/routes.ts, `kept`), the answer's headers, the metrics
 * and the log line. Whenever one of them cannot tell at once, or would refuse, nothing has been
 * changed and the app answers the request instead, as it answers any other: every error has the
 * app's shape and its one source. On PostgreSQL nothing is kept, so every request goes to the app.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppServices } from '../app/services.js';
import type { PresentedToken } from '../app/tokens.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import type { Authenticator, Credentials, Identity } from './identity.js';
import {
  clientKey,
  type failedAuthLimit,
  type rateLimit,
  type requestRecorder,
  type ServerMetrics,
} from './observe.js';
import type { KeptReadRoute } from './routes.js';
import { presentedCredential } from './token-auth.js';

export interface KeptReadOptions {
  services: AppServices;
  routes: readonly KeptReadRoute[];
  authenticators: readonly Authenticator[];
  failures: ReturnType<typeof failedAuthLimit>;
  limit: ReturnType<typeof rateLimit>;
  ipv6Prefix: number;
  /** The client's address as the app reads it (the socket's peer, or who trusted proxies name). */
  clientAddressOf: (incoming: IncomingMessage) => string;
  metrics: ServerMetrics;
  record: ReturnType<typeof requestRecorder>;
  /** The request id the app gives a request that sent `given` (x-request-id). */
  requestIdOf: (given: string | undefined) => string;
  /** The headers the app puts on every API answer. */
  apiHeaders: (outgoing: ServerResponse, requestId: string) => void;
  bearerOf: (header: string) => string | undefined;
}

/** A socket's request listener in front of the app's: true when it answered the request. */
export type KeptReadAnswerer = (incoming: IncomingMessage, outgoing: ServerResponse) => boolean;

const JSON_TYPE = 'application/json; charset=utf-8';

export function keptReadAnswerer(options: KeptReadOptions): KeptReadAnswerer {
  const { services, authenticators, failures, limit, metrics, record } = options;
  // Each route's path as a pattern: `/api/v1/pipelines/{pipeline}/status` → its parameter names
  // and a regular expression matching a path hono's router would send to it (no percent-encoded
  // byte, so hono's decoding of parameters changes nothing).
  const routes = options.routes.map((kept) => {
    const names: string[] = [];
    const source = kept.route.path
      .split(/(\{\w+\})/)
      .map((part) => {
        const name = /^\{(\w+)\}$/.exec(part)?.[1];
        if (name === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(name);
        return '([^/%?#]+)';
      })
      .join('');
    return { kept, names, pattern: new RegExp(`^${source}$`) };
  });
  let store: LedgerStore | undefined;
  const credentialsOf = (bearer: string | undefined, token: PresentedToken | undefined): Credentials => ({
    cookies: {},
    ...(bearer === undefined ? {} : { bearer }),
    ...(token === undefined ? {} : { token }),
  });

  return (incoming, outgoing) => {
    if (incoming.method !== 'GET' || routes.length === 0) return false;
    const url = incoming.url;
    const headers = incoming.headers;
    // A body, a cookie (a session: its authenticator asks), or no credential: the app answers.
    if (
      url === undefined ||
      headers.authorization === undefined ||
      headers.cookie !== undefined ||
      headers['content-length'] !== undefined ||
      headers['transfer-encoding'] !== undefined
    )
      return false;
    if (store === undefined) {
      services.store().then(
        (opened) => {
          store = opened;
        },
        () => {},
      );
      return false;
    }
    let found: { kept: KeptReadRoute; params: Record<string, string> } | undefined;
    for (const { kept, names, pattern } of routes) {
      const match = pattern.exec(url);
      if (match === null) continue;
      const params: Record<string, string> = {};
      for (let i = 0; i < names.length; i++) params[names[i] as string] = match[i + 1] as string;
      found = { kept, params };
      break;
    }
    // A header sent twice is one value to the app (joined with commas), but Node keeps the first
    // Authorization: the app refuses such a credential, so it answers.
    if (found === undefined || sentTwice(incoming.rawHeaders, 'authorization')) return false;
    const start = process.hrtime.bigint();
    const authorization = headers.authorization;
    let identity: Identity | undefined;
    let text: string | undefined;
    let presented: ReturnType<typeof presentedCredential>;
    try {
      const at = services.clock.now();
      const client = clientKey(options.clientAddressOf(incoming), options.ipv6Prefix);
      // A malformed header throws: the app refuses it, and counts it as a failure.
      const bearer = options.bearerOf(authorization);
      // The credential's one SHA-256: the limit's key and, for an API token, what its check compares.
      presented = presentedCredential(authorization, bearer);
      if (failures.refuses(client, presented.key)) return false;
      const credentials = credentialsOf(bearer, presented.token);
      // The app asks its authenticators in order: the first one decides here, when it can tell at
      // once; otherwise the app asks them all.
      identity = authenticators[0]?.known?.(credentials, at);
      if (identity === undefined || !limit.allows(identity.principal)) return false;
      const header = (name: string) => {
        const value = headers[name];
        return Array.isArray(value) ? value.join(', ') : value;
      };
      text = found.kept.answer(identity, found.params, header, store);
    } catch {
      // Refused: the app refuses it again, in its words and shape.
      return false;
    }
    if (text === undefined) return false;
    // Answered: what the app does for an authenticated request it lets through. The limit allowed
    // it a moment ago and only fills with time; should the clock step back, the app answers 429.
    try {
      limit(identity.principal);
    } catch {
      return false;
    }
    failures.succeeded(presented.key);
    const given = headers['x-request-id'];
    const requestId = options.requestIdOf(typeof given === 'string' ? given : undefined);
    options.apiHeaders(outgoing, requestId);
    outgoing.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });
    outgoing.end(text);
    metrics.keptAnswers.inc();
    record('GET', found.kept.route.path, 200, start, requestId, identity, undefined);
    return true;
  };
}

/** True when the header `name` (lower case) is among `raw` (name, value, name, value…) more than once. */
function sentTwice(raw: readonly string[], name: string): boolean {
  let seen = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i] as string;
    if (key.length === name.length && key.toLowerCase() === name && ++seen > 1) return true;
  }
  return false;
}
