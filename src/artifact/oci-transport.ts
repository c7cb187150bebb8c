/**
 * HTTP to one OCI registry: the scheme (HTTPS, plain HTTP only for loopback registries and those in
 * TOLLGATE_INSECURE_REGISTRIES, as Docker allows), the `WWW-Authenticate` challenge (Basic, or a
 * Bearer token fetched from the realm for the scopes a request needs), and retries: a timeout, a
 * refused or reset connection, a 5xx or a 429 (honouring `Retry-After`) is retried with
 * exponential backoff and jitter until a total time budget is spent; then REGISTRY_UNAVAILABLE
 * (exit 4). Credentials go into Authorization headers and nowhere else: no message, log or ledger
 * entry carries them.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TollgateError } from '../errors.js';
import { durationSetting } from '../text/duration-setting.js';
import { type Environment, findCredentials, type RegistryCredentials } from './oci-credentials.js';
import { hostOf, isLoopbackRegistry, registryApiHost } from './oci-reference.js';

export interface RegistryTransportOptions {
  /** Total time for one operation's retries, in ms (TOLLGATE_REGISTRY_TIMEOUT, default 120 s). */
  budgetMs: number;
  /** Longest wait for one response's headers, in ms (default 30 s, never past the budget). */
  attemptTimeoutMs: number;
  /** Registries (host[:port]) reached over plain HTTP besides loopback ones. */
  insecure: readonly string[];
  env: Environment;
}

/** Transport options from the environment (the one place registry variables are read). */
export function transportOptionsFromEnv(env: Environment): RegistryTransportOptions {
  const budgetMs = durationSetting(env.TOLLGATE_REGISTRY_TIMEOUT, 'TOLLGATE_REGISTRY_TIMEOUT', 120_000);
  return {
    budgetMs,
    attemptTimeoutMs: Math.min(
      durationSetting(env.TOLLGATE_REGISTRY_ATTEMPT_TIMEOUT, 'TOLLGATE_REGISTRY_ATTEMPT_TIMEOUT', 30_000),
      budgetMs,
    ),
    insecure: insecureRegistries(env.TOLLGATE_INSECURE_REGISTRIES ?? ''),
    env,
  };
}

/**
 * `host` or `host:port` as an HTTP origin's host (lower-case, `:80` dropped as a URL drops it), so
 * that a registry name, an insecure entry and the host of a URL compare as equals.
 */
function plainHost(hostPort: string): string | undefined {
  try {
    const url = new URL(`http://${hostPort}`);
    const bare = url.username === '' && url.password === '' && url.pathname === '/' && url.search === '';
    return bare && url.hash === '' && url.host !== '' ? url.host : undefined;
  } catch {
    return undefined;
  }
}

/**
 * TOLLGATE_INSECURE_REGISTRIES: comma-separated `host[:port]`, each matched exactly. A bare host is
 * that host on the default port only (as in Docker's insecure-registries, where a registry's name
 * includes its port): `lab` does not let `lab:5000` (or any other service on that host) be reached,
 * and sent credentials, in clear. An entry that is not a host[:port] is refused.
 */
function insecureRegistries(value: string): string[] {
  const entries: string[] = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    const host = /^[a-z0-9.:[\]-]+$/.test(entry) ? plainHost(entry) : undefined;
    if (host === undefined || hostOf(host) !== hostOf(entry)) {
      throw new TollgateError(
        'USAGE',
        `TOLLGATE_INSECURE_REGISTRIES: "${raw.trim()}" is not a registry host[:port] (expected e.g. build-cache.internal:5000; no scheme, path, credentials or CIDR range)`,
      );
    }
    entries.push(host);
  }
  return entries;
}

/** One challenge parsed from a `WWW-Authenticate` header. */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
  /** Set when a parameter is given twice (RFC 9110 §11.2 allows each once): which one is meant is unknown. */
  ambiguous?: string;
}

/**
 * Parses `WWW-Authenticate` (RFC 9110 §11.6.1): one or more challenges, such as
 * `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`, in the order the registry gave them.
 */
export function parseAuthenticate(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  // A token alone starts a challenge (its scheme); token=value pairs are that challenge's parameters.
  const pattern = /([\w!#$%&'*+.^`|~-]+)(?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*)))?/g;
  let current: AuthChallenge | undefined;
  for (const match of header.matchAll(pattern)) {
    const [, name = '', quoted, bare] = match;
    if (quoted === undefined && bare === undefined) {
      current = { scheme: name.toLowerCase(), params: {} };
      challenges.push(current);
    } else if (current) {
      const key = name.toLowerCase();
      if (Object.hasOwn(current.params, key)) current.ambiguous ??= key;
      current.params[key] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (bare ?? '');
    }
  }
  return challenges;
}

/**
 * What a request may send: bytes, or a stream sent as it is read (with a known Content-Length, so
 * the registry takes it as one monolithic body rather than chunked transfer).
 */
export type RequestBody = Buffer | string | Readable;

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** Path and query under the registry's origin, e.g. `/v2/shop/app/manifests/1.0`. */
  path: string;
  /** Scopes this request needs, e.g. `repository:shop/app:pull`. */
  scopes: readonly string[];
  headers?: Record<string, string>;
  /** The body, made afresh for each attempt (a stream cannot be sent twice: see `retryBody`). */
  body?: () => RequestBody;
  /** False for bodies that can be sent once only (a streamed blob): then no retry after sending. */
  retryBody?: boolean;
  /** Do not follow redirects (upload locations answer 201/202 with Location). */
  manualRedirect?: boolean;
  /**
   * Follow redirects only within the registry's origin: for an answer nothing else checks (a tag's
   * manifest, whose digest is what the tag is taken to mean), another host must not decide it.
   */
  stayOnRegistry?: boolean;
  /** Apply the per-attempt timeout to the headers (default true; off for long uploads). */
  timeout?: boolean;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/**
 * A registry's answer. The body is Node's own stream of the socket's chunks: a blob streams from
 * one registry to another without the copies and promise hops of WHATWG streams (fetch's
 * `Response.body`), which cost more CPU than the hashing and the copy together.
 */
export class RegistryResponse {
  constructor(
    readonly message: IncomingMessage,
    /** Where the answer came from, after redirects. */
    readonly url: URL,
    /**
     * When the operation's time budget ends (ms since the epoch): a small body read whole (a
     * manifest, an error page, a token) must have arrived by then, however slowly it trickles.
     */
    readonly deadline?: number,
  ) {}

  /**
   * The body's chunks, up to the deadline: a body still arriving then is cut off and the read
   * fails with a TimeoutError (a trickle of bytes never trips the per-attempt silence timeout).
   */
  async *chunks(): AsyncGenerator<Buffer> {
    const message = this.message;
    const timer =
      this.deadline === undefined
        ? undefined
        : setTimeout(
            () => message.destroy(new TimeoutError('the body was still arriving when the time budget ended')),
            Math.max(0, this.deadline - Date.now()),
          );
    try {
      for await (const chunk of message as AsyncIterable<Buffer>) yield chunk;
    } finally {
      clearTimeout(timer);
    }
  }

  get status(): number {
    return this.message.statusCode ?? 0;
  }

  get statusText(): string {
    return this.message.statusMessage ?? '';
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** A header's value (repeated headers joined with ", "), or null. */
  header(name: string): string | null {
    const value = this.message.headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  /** The body as a stream, to read once. */
  get body(): Readable {
    return this.message;
  }

  /** The body as text, up to `limit` bytes (an error page is cut there, a body never read past it). */
  async text(limit = 64 * 1024): Promise<string> {
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of this.chunks()) {
        chunks.push(chunk);
        total += chunk.length;
        if (total >= limit) break;
      }
    } catch {
      // a body cut short: what arrived is all there is
    }
    this.discard();
    return Buffer.concat(chunks).toString('utf8').slice(0, limit);
  }

  /**
   * Done with the body without reading it: a short one is drained so its connection is reused, a
   * long one (or one of unknown length) is dropped with its connection.
   */
  discard(): void {
    const message = this.message;
    if (message.readableEnded || message.destroyed) return;
    // `complete` means every byte has arrived, though perhaps not been read: reading frees the socket.
    const length = Number(message.headers['content-length']);
    if (message.complete || (Number.isFinite(length) && length <= 64 * 1024)) message.resume();
    else message.destroy();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

function describeCause(error: unknown): string {
  if (error instanceof TimeoutError) return error.message;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code !== '') return code;
  return (error as Error).message;
}

interface ExchangeOptions {
  method: string;
  headers: Record<string, string>;
  body?: RequestBody | undefined;
  /** Longest wait for the response's headers (undefined: no limit beyond `idleMs`). */
  headersMs?: number | undefined;
  /** Longest silence on the connection, while sending or receiving. */
  idleMs: number;
}

/**
 * One HTTP exchange with node:http(s): resolves when the response's headers arrive. A streamed
 * body is piped with backpressure; an error of the body's source aborts the request, so the
 * receiver never sees a complete body that was not meant to be complete.
 */
function exchange(url: URL, options: ExchangeOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: options.method,
      headers: options.headers,
    });
    const timer =
      options.headersMs === undefined
        ? undefined
        : setTimeout(
            () => request.destroy(new TimeoutError(`no answer within ${options.headersMs} ms`)),
            options.headersMs,
          );
    request.setTimeout(options.idleMs, () =>
      request.destroy(new TimeoutError(`the connection was silent for ${options.idleMs} ms`)),
    );
    request.once('response', (message) => {
      clearTimeout(timer);
      resolve(message);
    });
    // When the body's source fails, the request is destroyed with a "socket hang up" of its own:
    // the source's error is the one that says what happened.
    let bodyError: Error | undefined;
    request.once('error', (error) => {
      clearTimeout(timer);
      reject(bodyError ?? error);
    });
    const body = options.body;
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
      request.end(body);
    } else {
      body.once('error', (error: Error) => {
        bodyError = error;
      });
      pipeline(body, request).catch((error: unknown) => {
        request.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    }
  });
}

/** HTTP to one registry, with its authentication state. */
export class RegistryTransport {
  readonly registry: string;
  readonly origin: string;
  private readonly options: RegistryTransportOptions;
  private challenge: AuthChallenge | undefined;
  private readonly tokens = new Map<string, { token: string; expires: number }>();
  /** Credentials by repository: Podman's scoped entries give each namespace its own. */
  private readonly credentials = new Map<string, RegistryCredentials | undefined>();

  constructor(registry: string, options: RegistryTransportOptions) {
    this.registry = registry;
    this.options = options;
    // As a URL writes it (`registry.example.com:443` is `https://registry.example.com`), so that the
    // origin of an answer, which says whether it came from the registry itself, compares equal.
    const scheme = this.plainHttpAllowed(registry) ? 'http' : 'https';
    let url: URL | undefined;
    try {
      url = new URL(`${scheme}://${registryApiHost(registry)}`);
    } catch {
      // refused below
    }
    // A URL would silently drop `user:password@` and a path: a registry is a host[:port], no more.
    if (url === undefined || url.username !== '' || url.password !== '' || url.href !== `${url.origin}/`) {
      const shown = registry.includes('@')
        ? `***@${registry.slice(registry.lastIndexOf('@') + 1)}`
        : registry;
      throw new TollgateError(
        'USAGE',
        `registry "${shown}" is not a host[:port] (credentials come from docker login or podman login, never from the name)`,
      );
    }
    this.origin = url.origin;
  }

  /**
   * True for a host[:port] reached over plain HTTP: loopback, or exactly an entry of
   * TOLLGATE_INSECURE_REGISTRIES (a bare entry is the host on the default port only).
   */
  private plainHttpAllowed(host: string): boolean {
    const lower = host.toLowerCase();
    if (isLoopbackRegistry(lower)) return true;
    const normal = plainHost(lower);
    return normal !== undefined && this.options.insecure.includes(normal);
  }

  private creds(repository: string): RegistryCredentials | undefined {
    if (!this.credentials.has(repository))
      this.credentials.set(repository, findCredentials(this.registry, repository, this.options.env));
    return this.credentials.get(repository);
  }

  /** Sends a request, authenticating and retrying as needed; returns any response below 500 that is not 401/429. */
  async send(request: RegistryRequest, started = Date.now()): Promise<RegistryResponse> {
    const deadline = started + this.options.budgetMs;
    let authenticated = false;
    let attempt = 0;
    let last = '';
    for (;;) {
      attempt += 1;
      const headers: Record<string, string> = { ...request.headers };
      const authorization = await this.authorization(request.scopes, deadline);
      if (authorization) headers.authorization = authorization;
      let response: RegistryResponse | undefined;
      const remaining = deadline - Date.now();
      try {
        response = await this.perform(new URL(`${this.origin}${request.path}`), {
          method: request.method,
          headers,
          body: request.body?.(),
          headersMs:
            request.timeout === false
              ? undefined
              : Math.max(1, Math.min(this.options.attemptTimeoutMs, remaining)),
          idleMs: this.options.attemptTimeoutMs,
          follow: !request.manualRedirect,
          stayOnRegistry: request.stayOnRegistry === true,
          deadline,
        });
      } catch (error) {
        // A body that refused itself (a blob whose bytes are not its digest) is not a network fault.
        if (error instanceof TollgateError) throw error;
        last = describeCause(error);
        if (request.body && request.retryBody === false)
          throw this.unavailable(request, attempt, started, last, error);
      }
      if (response) {
        // Only the registry's own challenge is answered. A 401 from the storage a read was
        // redirected to names a realm the registry did not choose: answering it would send the
        // registry's credentials (Basic, to fetch a token) to whoever runs that storage.
        if (response.status === 401 && response.url.origin !== this.origin) {
          response.discard();
          throw new TollgateError(
            'REGISTRY_DENIED',
            `registry ${this.registry} redirected ${request.method} ${request.path.split('?')[0]} to ${response.url.host}, which refused it (401); Tollgate answers only the registry's own authentication challenge and never sends its credentials to another host`,
          );
        }
        if (response.status === 401 && !authenticated) {
          response.discard();
          authenticated = true;
          this.authenticate(response.header('www-authenticate'), request);
          attempt -= 1;
          continue;
        }
        if (!RETRY_STATUS.has(response.status)) return response;
        last = `${response.status} ${response.statusText}`.trim();
        const wait =
          response.status === 429 || response.status === 503
            ? retryAfterMs(response.header('retry-after'), Date.now())
            : undefined;
        response.discard();
        if (request.body && request.retryBody === false)
          throw this.unavailable(request, attempt, started, last);
        if (wait !== undefined) {
          if (Date.now() + wait > deadline) {
            throw this.unavailable(
              request,
              attempt,
              started,
              `${last}, asked to retry after ${Math.ceil(wait / 1000)} s, past the time budget`,
            );
          }
          await sleep(wait);
          continue;
        }
      }
      const backoff = Math.min(5000, 200 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      if (Date.now() + backoff >= deadline) throw this.unavailable(request, attempt, started, last);
      await sleep(backoff);
    }
  }

  /**
   * One attempt, following redirects for reads (registries send blob reads to their storage, S3 or
   * a CDN, with a signed URL). The Authorization header goes only to the registry's own origin: a
   * storage URL carries its own signature, and credentials must not travel to another host. A
   * redirect from HTTPS to plain HTTP is refused unless the target could be reached over HTTP anyway.
   */
  private async perform(
    url: URL,
    options: ExchangeOptions & { follow: boolean; stayOnRegistry?: boolean; deadline: number },
  ): Promise<RegistryResponse> {
    let current = url;
    let headers = options.headers;
    for (let hops = 0; ; hops++) {
      const message = await exchange(current, { ...options, headers });
      // An answer to HEAD has no body, but its end must still be read for the connection to be reused.
      if (options.method === 'HEAD') message.resume();
      const status = message.statusCode ?? 0;
      const location = message.headers.location;
      if (!options.follow || !REDIRECT_STATUS.has(status) || !location) {
        return new RegistryResponse(message, current, options.deadline);
      }
      new RegistryResponse(message, current).discard();
      const next = new URL(location, current);
      if (hops >= MAX_REDIRECTS) {
        throw new TollgateError(
          'REGISTRY_INVALID',
          `registry ${this.registry}: more than ${MAX_REDIRECTS} redirects for ${url.pathname}`,
        );
      }
      if (options.stayOnRegistry && next.origin !== this.origin) {
        throw new TollgateError(
          'REGISTRY_INVALID',
          `registry ${this.registry} redirected ${url.pathname} to ${next.host}: what a tag points at is read from the registry itself, never from a host it redirects to`,
        );
      }
      if (
        next.protocol !== 'https:' &&
        !(next.protocol === 'http:' && (current.protocol === 'http:' || this.plainHttpAllowed(next.host)))
      ) {
        throw new TollgateError(
          'REGISTRY_INVALID',
          `registry ${this.registry} redirected ${url.pathname} to ${next.protocol}//${next.host}, which Tollgate does not follow (HTTPS only)`,
        );
      }
      if (next.origin !== current.origin && headers.authorization !== undefined) {
        const { authorization: _dropped, ...rest } = headers;
        headers = rest;
      }
      current = next;
    }
  }

  private unavailable(
    request: RegistryRequest,
    attempts: number,
    started: number,
    last: string,
    cause?: unknown,
  ): TollgateError {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    return new TollgateError(
      'REGISTRY_UNAVAILABLE',
      `registry ${this.registry} did not answer ${request.method} ${request.path.split('?')[0]} after ${attempts} attempt${attempts === 1 ? '' : 's'} in ${seconds} s (last: ${last || 'no answer'}); nothing was recorded (TOLLGATE_REGISTRY_TIMEOUT sets the time budget)`,
      cause === undefined ? {} : { cause },
    );
  }

  private async authorization(scopes: readonly string[], deadline: number): Promise<string | undefined> {
    if (!this.challenge) return undefined;
    if (this.challenge.scheme === 'basic') {
      const creds = this.creds(scopeRepository(scopes));
      if (!creds?.username || creds.password === undefined) return undefined;
      return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    }
    if (this.challenge.scheme === 'bearer') return `Bearer ${await this.token(scopes, deadline)}`;
    return undefined;
  }

  /**
   * Picks the challenge to answer from all the registry gave (RFC 9110 §11.6.1 allows several, in
   * one header or many): the first Bearer challenge whose realm Tollgate would send credentials to,
   * else the first Basic one. A challenge that names a parameter twice is not answered, since which
   * realm is meant is unknown; nor is a Bearer one whose realm is not a URL or is refused (see
   * `realmProblem`), so a registry offering a good and a bad realm is answered at the good one.
   */
  private authenticate(header: string | null, request: RegistryRequest): void {
    const challenges = header ? parseAuthenticate(header) : [];
    const skipped: string[] = [];
    const usable = (challenge: AuthChallenge): boolean => {
      const problem =
        challenge.ambiguous !== undefined
          ? `names ${challenge.ambiguous} twice`
          : challenge.scheme === 'bearer'
            ? this.realmProblem(challenge.params.realm)
            : undefined;
      if (problem !== undefined)
        skipped.push(`a ${challenge.scheme === 'bearer' ? 'Bearer' : 'Basic'} challenge ${problem}`);
      return problem === undefined;
    };
    const chosen =
      challenges.filter((c) => c.scheme === 'bearer').find(usable) ??
      challenges.filter((c) => c.scheme === 'basic').find(usable);
    if (!chosen) {
      throw new TollgateError(
        'REGISTRY_DENIED',
        `registry ${this.registry} refused ${request.method} ${request.path.split('?')[0]} (401) without a Basic or Bearer challenge Tollgate can answer${skipped.length > 0 ? ` (${skipped.join('; ')})` : ''}`,
      );
    }
    this.challenge = chosen;
    this.tokens.clear();
    if (chosen.scheme === 'basic') {
      const creds = this.creds(scopeRepository(request.scopes));
      if (!creds?.username) {
        throw new TollgateError(
          'REGISTRY_DENIED',
          `registry ${this.registry} needs credentials: log in with \`docker login ${this.registry}\` or \`podman login\` (or set REGISTRY_AUTH_FILE)`,
        );
      }
    }
  }

  /**
   * Why credentials must not go to a token realm, or undefined when they may. Credentials travel to
   * the realm only over HTTPS. Plain HTTP only when the registry itself is reached over plain HTTP
   * (loopback or TOLLGATE_INSECURE_REGISTRIES) and so is the realm's host: a registry reached over
   * HTTPS that names an http:// realm, even on loopback, would have the credentials sent in clear
   * to whatever listens there.
   */
  private realmProblem(realm: string | undefined): string | undefined {
    if (!realm) return 'names no realm';
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      return 'names a token realm that is not a URL';
    }
    const registryInClear = this.origin.startsWith('http:');
    if (
      url.protocol === 'https:' ||
      (url.protocol === 'http:' && registryInClear && this.plainHttpAllowed(url.host))
    )
      return undefined;
    return `names a token realm over ${url.protocol.replace(':', '')} (${url.host})${registryInClear ? '' : ' from a registry reached over HTTPS'}; Tollgate sends credentials over HTTPS only (plain HTTP only from a loopback or TOLLGATE_INSECURE_REGISTRIES registry to a realm that is one too)`;
  }

  /** A bearer token for the scopes, from the cache or the challenge's realm. */
  private async token(scopes: readonly string[], deadline: number): Promise<string> {
    const key = [...scopes].sort().join(' ');
    const cached = this.tokens.get(key);
    if (cached && cached.expires > Date.now()) return cached.token;
    const params = this.challenge?.params ?? {};
    const problem = this.realmProblem(params.realm);
    if (problem !== undefined)
      throw new TollgateError(
        'REGISTRY_DENIED',
        `registry ${this.registry} asked for a bearer token in a challenge that ${problem}`,
      );
    const url = new URL(params.realm!);
    const creds = this.creds(scopeRepository(scopes));
    const headers: Record<string, string> = { accept: 'application/json' };
    let method: 'GET' | 'POST';
    let body: string | undefined;
    if (creds?.identityToken) {
      // An identity token is an OAuth2 refresh token: exchanged with a POST, as distribution's
      // token specification describes (docs/spec/auth/oauth.md), never sent as a query parameter.
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.identityToken,
        client_id: 'tollgate',
        scope: scopes.join(' '),
      });
      if (params.service) form.set('service', params.service);
      method = 'POST';
      body = form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      if (params.service) url.searchParams.set('service', params.service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      if (creds?.username && creds.password !== undefined)
        headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      method = 'GET';
    }
    let attempt = 0;
    for (;;) {
      attempt += 1;
      let response: RegistryResponse | undefined;
      let last = '';
      try {
        const wait = Math.max(1, Math.min(this.options.attemptTimeoutMs, deadline - Date.now()));
        response = new RegistryResponse(
          await exchange(url, { method, headers, body, headersMs: wait, idleMs: wait }),
          url,
          deadline,
        );
      } catch (error) {
        last = describeCause(error);
      }
      if (response && !RETRY_STATUS.has(response.status)) {
        if (response.status === 401 || response.status === 403) {
          response.discard();
          throw new TollgateError(
            'REGISTRY_DENIED',
            `the token service of ${this.registry} (${url.host}) refused ${creds ? `the credentials from ${creds.from}` : 'anonymous access'} for ${scopes.join(', ')}${creds ? '' : ': log in with `docker login` or `podman login` (or set REGISTRY_AUTH_FILE)'}`,
          );
        }
        if (!response.ok) {
          response.discard();
          throw new TollgateError(
            'REGISTRY_DENIED',
            `the token service of ${this.registry} (${url.host}) answered ${response.status}`,
          );
        }
        let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown } = {};
        try {
          parsed = JSON.parse(await response.text(1024 * 1024)) as typeof parsed;
        } catch {
          // not JSON: no token below
        }
        const token =
          typeof parsed.token === 'string' && parsed.token !== '' ? parsed.token : parsed.access_token;
        if (typeof token !== 'string' || token === '') {
          throw new TollgateError(
            'REGISTRY_DENIED',
            `the token service of ${this.registry} (${url.host}) answered without a token`,
          );
        }
        const lifetime =
          typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 60;
        // Renew 10 s early so a token does not expire between the check and the request.
        this.tokens.set(key, { token, expires: Date.now() + Math.max(1, lifetime - 10) * 1000 });
        return token;
      }
      if (response) {
        last = `${response.status}`;
        response.discard();
      }
      const backoff = Math.min(5000, 200 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      if (Date.now() + backoff >= deadline) {
        throw new TollgateError(
          'REGISTRY_UNAVAILABLE',
          `the token service of ${this.registry} (${url.host}) did not answer after ${attempt} attempt(s) (last: ${last || 'no answer'}); nothing was recorded`,
        );
      }
      await sleep(backoff);
    }
  }
}

/** The repository a scope list is about (its first `repository:NAME:…` scope), for scoped credentials. */
function scopeRepository(scopes: readonly string[]): string {
  const first = scopes.find((scope) => scope.startsWith('repository:')) ?? '';
  const parts = first.split(':');
  return parts.slice(1, -1).join(':');
}
