/**
 * A server app over a real store (SQLite file or a fresh PostgreSQL schema) with real API tokens,
 * called as a function (`app.request`), the way hono's own tests call theirs.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createServices } from '../../src/app/create-services.js';
import { type AppServices, type ClockSource, contractSource } from '../../src/app/services.js';
import { createToken } from '../../src/app/tokens.js';
import type { Contract } from '../../src/contract/types.js';
import { createServerApp, type ServerApp, type ServerAppOptions } from '../../src/server/app.js';
import { parseServerConfig, type ServerConfig } from '../../src/server/config.js';
import type { Authenticator } from '../../src/server/identity.js';
import { ciTokenAuthenticator } from '../../src/server/oidc-ci.js';
import { type RunningServer, type StartServerOptions, startServer } from '../../src/server/serve.js';
import { apiTokenAuthenticator } from '../../src/server/token-auth.js';
import { contractOf } from '../support/builders.js';
import { type Backend, type StoreHandle, sqliteBackend } from '../support/stores.js';

export const CHECKOUT = contractOf(`version: 1
pipeline: checkout
artifact: { type: oci }
overrides:
  - { by: [root], gates: [tests] }
stages:
  dev:
    purpose: fast feedback
    requires:
      tests: [{ suite: unit }]
  prod:
    purpose: live
    from: dev
    requires:
      approvals: { count: 1, notBy: [promoter] }
`);

export const BILLING = contractOf(`version: 1
pipeline: billing
# A demo pipeline: its callers may set the clock (serve --demo billing).
demo: true
artifact: { type: file }
stages:
  dev: { purpose: fast feedback }
`);

export interface TestServer extends ServerApp {
  services: AppServices;
  handle: StoreHandle;
  /** Makes a token (directly on the store, as `tollgate token create` does). */
  token(options: {
    role: string;
    pipelines: string[];
    stages?: string[];
    principal?: string;
    expiresIn?: string;
  }): Promise<string>;
  /** `app.request` with a bearer token and JSON body. */
  call(
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  dispose(): Promise<void>;
}

export async function openTestServer(
  backend: Backend,
  options: {
    contracts?: Contract[];
    clock?: ClockSource;
    /** The authenticators (default: API tokens only). */
    authenticate?: (services: AppServices) => Authenticator[];
  } & Partial<Omit<ServerAppOptions, 'services' | 'authenticators'>> = {},
): Promise<TestServer> {
  const handle = await backend.open();
  const services = createServices({
    contracts: contractSource(options.contracts ?? [CHECKOUT, BILLING]),
    store: handle.store,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const { authenticate, ...rest } = options;
  const server = createServerApp({
    ...rest,
    authenticators: authenticate ? authenticate(services) : [apiTokenAuthenticator(services)],
    services,
  });
  return {
    ...server,
    services,
    handle,
    async token(o) {
      const { token } = await createToken(services, o, 'test-setup', services.clock.now());
      return token;
    },
    call(method, path, token, body, headers = {}) {
      const init: RequestInit = {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      };
      return Promise.resolve(server.app.request(path, init));
    },
    async dispose() {
      await handle.dispose();
    },
  };
}

/**
 * A server (SQLite) where people sign in at the OpenID provider `issuer`, coming back to
 * `redirectUri`; the release-managers group approves in checkout.
 */
export function openLoginServer(issuer: string, redirectUri: string, more = ''): Promise<TestServer> {
  const config = parseServerConfig(
    `login:
  issuer: ${issuer}
  clientId: tollgate
  redirectUri: ${redirectUri}
  principalClaim: email
  rules:
    - match: { groups: release-managers }
      role: approver
      pipelines: [checkout]
${more}`,
    'server.yaml',
  );
  return openTestServer(sqliteBackend, {
    login: { config: config.login!, clientSecret: 'tollgate-secret' },
    ...(config.rateLimit ? { rateLimit: config.rateLimit } : {}),
  });
}

export type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** What `mint` may set otherwise than a genuine token of now from this issuer. */
export interface MintOptions {
  /** `iss` (default: the issuer's own URL). */
  iss?: string;
  /** `aud` (default: tollgate). */
  aud?: string | string[];
  /** `exp`: a jose duration such as `10m` (the default) or seconds since the epoch. */
  exp?: string | number;
  /** `iat` in seconds since the epoch (default: now). */
  iat?: number;
  /** The header's key id (default: k1, the key the JWKS serves). */
  kid?: string;
  /** The key that signs (default: the issuer's own). */
  key?: SigningKey;
}

/** A real OpenID issuer on loopback: a discovery document and a JWKS of one key, `k1`. */
export interface OidcIssuer {
  /** Its URL, the `iss` of what it mints. */
  url: string;
  /** Where its JWKS is served. */
  jwksUri: string;
  publicKey: SigningKey;
  /** Its signing key, for tokens jose will not sign (an unknown `crit`, another `alg` than the JWK's). */
  privateKey: SigningKey;
  /** Signs an ID token with its key (or as `options` say). */
  mint(claims: Record<string, unknown>, options?: MintOptions): Promise<string>;
  close(): Promise<void>;
}

export async function startOidcIssuer(alg: 'ES256' | 'RS256' = 'RS256'): Promise<OidcIssuer> {
  const pair = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg, use: 'sig' };
  let url = '';
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration')
      res.end(JSON.stringify({ issuer: url, jwks_uri: `${url}/jwks` }));
    else if (req.url === '/jwks') res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    jwksUri: `${url}/jwks`,
    publicKey: pair.publicKey,
    privateKey: pair.privateKey,
    mint: (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg, kid: options.kid ?? 'k1' })
        .setIssuer(options.iss ?? url)
        .setAudience(options.aud ?? 'tollgate')
        .setIssuedAt(options.iat)
        .setExpirationTime(options.exp ?? '10m')
        .sign(options.key ?? pair.privateKey),
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

/**
 * A server taking API tokens and the CI ID tokens of the issuers a server.yaml's `ciIssuers`
 * names (the YAML, or the configuration parsed from it).
 */
export function openCiServer(
  backend: Backend,
  config: string | ServerConfig,
  options: Omit<Parameters<typeof openTestServer>[1] & object, 'authenticate'> = {},
): Promise<TestServer> {
  const { ciIssuers } = typeof config === 'string' ? parseServerConfig(config, 'server.yaml') : config;
  return openTestServer(backend, {
    ...options,
    authenticate: (services) => [apiTokenAuthenticator(services), ciTokenAuthenticator(ciIssuers)],
  });
}

/** `tollgate serve` in this process on a loopback port (real HTTP), over a store of `backend`. */
export interface ServedOverHttp {
  server: RunningServer;
  port: number;
  services: AppServices;
  handle: StoreHandle;
  /** Makes a token on the store, as `tollgate token create` does: the token and its record. */
  token(options: Parameters<typeof createToken>[1]): ReturnType<typeof createToken>;
  /** Stops the server and closes the store. */
  dispose(): Promise<void>;
}

/**
 * Serves the checkout and billing contracts over real HTTP with API tokens, rate limits out of the
 * way unless `options` sets them; `log` and `onInternalError` as given (default: silent).
 */
export async function serveOverHttp(
  backend: Backend,
  options: Partial<Omit<StartServerOptions, 'services' | 'authenticators' | 'listen'>> = {},
): Promise<ServedOverHttp> {
  const handle = await backend.open();
  const services = createServices({ contracts: contractSource([CHECKOUT, BILLING]), store: handle.store });
  let server: RunningServer;
  try {
    server = await startServer({
      log: () => {},
      rateLimit: { perMinute: 1_000_000, burst: 100_000 },
      ...options,
      services,
      authenticators: [apiTokenAuthenticator(services)],
      listen: { host: '127.0.0.1', port: 0 },
    });
  } catch (error) {
    await handle.dispose();
    throw error;
  }
  return {
    server,
    port: server.address.port,
    services,
    handle,
    token: (o) => createToken(services, o, 'test-setup', services.clock.now()),
    async dispose() {
      await server.stop(0).catch(() => undefined);
      await handle.dispose().catch(() => undefined);
    },
  };
}
