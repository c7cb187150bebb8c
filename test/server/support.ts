/**
 * A server app over a real store (SQLite file or a fresh PostgreSQL schema) with real API tokens,
 * called as a function (`app.request`), the way hono's own tests call theirs.
 */
import { createServices } from '../../src/app/create-services.js';
import { type AppServices, type ClockSource, contractSource } from '../../src/app/services.js';
import { createToken } from '../../src/app/tokens.js';
import type { Contract } from '../../src/contract/types.js';
import { createServerApp, type ServerApp, type ServerAppOptions } from '../../src/server/app.js';
import { parseServerConfig } from '../../src/server/config.js';
import type { Authenticator } from '../../src/server/identity.js';
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
