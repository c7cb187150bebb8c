/**
 * What anybody may ask without a credential costs the server little and tells them nothing about
 * its insides: `/readyz` and an outage answered to an unauthenticated caller withhold the
 * database's own words (its host, user, URL), which go to the server's log; `GET /auth/login`,
 * which writes a row per request, is limited per client address (the socket's, never
 * X-Forwarded-For) and in how many sign-ins may be under way at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app/create-services.js';
import { contractSource } from '../../src/app/services.js';
import { openPostgresStore } from '../../src/ledger/postgres-store.js';
import { createServerApp } from '../../src/server/app.js';
import { parseServerConfig, type ServerConfig } from '../../src/server/config.js';
import type { RateLimitOptions } from '../../src/server/observe.js';
import { startServer } from '../../src/server/serve.js';
import { apiTokenAuthenticator } from '../../src/server/token-auth.js';
import { type OpenIdProvider, startOpenIdProvider } from '../support/openid-provider.js';
import { sqliteBackend } from '../support/stores.js';
import { CHECKOUT, openTestServer, type TestServer } from './support.js';

// Nothing listens on port 1: connecting is refused at once, and pg says where it tried.
const UNREACHABLE = 'postgres://ledger_admin@127.0.0.1:1/ledger_prod';
const TOLLGATE = 'http://localhost:8787';

/** What a socket from `address` looks like to the app (what @hono/node-server passes as env). */
const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });

type LoginConfig = NonNullable<ServerConfig['login']>;

/**
 * Starts an OpenID provider where erin is a release manager, and reads a server configuration
 * that signs in through it (erin: approver of checkout), with `more` (YAML) after its login.
 */
async function signInThroughProvider(
  more: string,
): Promise<{ provider: OpenIdProvider; config: ServerConfig }> {
  const provider = await startOpenIdProvider(`${TOLLGATE}/auth/callback`, {
    erin: { email: 'erin@example.com', groups: ['release-managers'] },
  });
  const config = parseServerConfig(
    `login:
  issuer: ${provider.issuer}
  clientId: tollgate
  redirectUri: ${TOLLGATE}/auth/callback
  rules:
    - match: { groups: release-managers }
      role: approver
      pipelines: [checkout]
${more}`,
    'server.yaml',
  );
  return { provider, config };
}

/** A test server on SQLite signing in with `login`, and these other options (limits, proxies). */
function openLoginServer(
  login: LoginConfig,
  options: Omit<Parameters<typeof openTestServer>[1], 'login'> = {},
): Promise<TestServer> {
  return openTestServer(sqliteBackend, {
    login: { config: login, clientSecret: 'tollgate-secret' },
    ...options,
  });
}

function expectNoDetail(text: string): void {
  expect(text).not.toContain('ledger_admin');
  expect(text).not.toContain('127.0.0.1');
  expect(text).not.toContain('ledger_prod');
  expect(text).not.toContain('ECONNREFUSED');
}

describe('a store that cannot be reached', () => {
  const logged: string[] = [];
  const services = createServices({
    contracts: contractSource([CHECKOUT]),
    store: () => openPostgresStore(UNREACHABLE),
  });
  const { app } = createServerApp({
    services,
    authenticators: [apiTokenAuthenticator(services)],
    onInternalError: (error, requestId) => logged.push(`${requestId} ${(error as Error).message}`),
  });

  it('is reported by /readyz without the database host, user or URL, which go to the log', async () => {
    const res = await app.request('/readyz', { headers: { 'x-request-id': 'ready-1' } });
    expect(res.status).toBe(503);
    const text = await res.text();
    expectNoDetail(text);
    expect(JSON.parse(text).error.code).toBe('STORE_UNAVAILABLE');
    expect(logged.find((line) => line.startsWith('ready-1 '))).toContain('127.0.0.1:1/ledger_prod');
  });

  it('is answered to an unauthenticated caller without its detail, which goes to the log', async () => {
    const res = await app.request('/api/v1/pipelines', {
      headers: { authorization: `Bearer tg_0123456789abcdef_${'A'.repeat(43)}`, 'x-request-id': 'api-1' },
    });
    expect(res.status).toBe(503);
    const text = await res.text();
    expectNoDetail(text);
    expect(JSON.parse(text).error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(logged.find((line) => line.startsWith('api-1 '))).toContain('127.0.0.1:1/ledger_prod');
  });
});

describe('GET /auth/login', () => {
  let provider: OpenIdProvider;
  let server: TestServer;
  let loginConfig: LoginConfig;
  beforeAll(async () => {
    const setup = await signInThroughProvider('rateLimit:\n  logins: 3\n  pendingLogins: 5\n');
    provider = setup.provider;
    loginConfig = setup.config.login!;
    server = await openLoginServer(loginConfig, { rateLimit: setup.config.rateLimit });
  });
  afterAll(async () => {
    await server?.dispose();
    await provider?.close();
  });

  /** Runs `body` on a fresh server with these limits, `status` starting a sign-in from an address. */
  const withLogins = async (
    rateLimit: RateLimitOptions,
    body: (status: (address: string) => Promise<number>) => Promise<void>,
  ) => {
    const fresh = await openLoginServer(loginConfig, { rateLimit });
    try {
      await body(
        async (address) => (await fresh.app.request(`${TOLLGATE}/auth/login`, {}, from(address))).status,
      );
    } finally {
      await fresh.dispose();
    }
  };

  const login = (address: string, headers: Record<string, string> = {}) =>
    server.app.request(`${TOLLGATE}/auth/login`, { headers }, from(address));

  it('limits each client address, whatever X-Forwarded-For says, and caps sign-ins under way', async () => {
    for (let i = 0; i < 3; i++) expect((await login('203.0.113.7')).status).toBe(302);
    const over = await login('203.0.113.7');
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await over.json()).error.code).toBe('RATE_LIMITED');
    // Anybody can write the header: it names no other client.
    expect((await login('203.0.113.7', { 'x-forwarded-for': '192.0.2.44' })).status).toBe(429);
    // Another address has its own allowance: two more sign-ins make five under way.
    expect((await login('198.51.100.9')).status).toBe(302);
    expect((await login('198.51.100.9')).status).toBe(302);
    // The sixth is refused, saying why, and none of the five is dropped for it.
    const full = await login('192.0.2.10');
    expect(full.status).toBe(429);
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = await full.json();
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(body.error.message).toContain('too many sign-ins are under way');
  });

  it('caps sign-ins that arrive together as it caps them one by one', async () => {
    const together = await openLoginServer(loginConfig, {
      rateLimit: { perMinute: 3000, burst: 600, logins: 100, pendingLogins: 3 },
    });
    try {
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          together.app.request(`${TOLLGATE}/auth/login`, {}, from(`192.0.2.${i + 1}`)),
        ),
      );
      const statuses = answers.map((res) => res.status).sort();
      expect(statuses).toEqual([302, 302, 302, 429, 429, 429, 429, 429]);
    } finally {
      await together.dispose();
    }
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped address as the IPv4 address', async () => {
    await withLogins({ perMinute: 3000, burst: 600, logins: 2, pendingLogins: 100 }, async (status) => {
      // One host picks a fresh address in its /64 for each request: one allowance all the same.
      expect(await status('2001:db8:1:2::1')).toBe(302);
      expect(await status('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe(302);
      expect(await status('2001:db8:1:2:ffff::9%eth0')).toBe(429);
      // The next /64 is another client.
      expect(await status('2001:db8:1:3::1')).toBe(302);
      // A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d: the same client as a.b.c.d.
      expect(await status('203.0.113.50')).toBe(302);
      expect(await status('::ffff:203.0.113.50')).toBe(302);
      expect(await status('::ffff:cb00:7132')).toBe(429);
    });
  });

  it('counts IPv6 clients by the prefix length the configuration names', async () => {
    const rateLimit = parseServerConfig(
      'rateLimit: { logins: 1, ipv6Prefix: 48 }\n',
      'server.yaml',
    ).rateLimit;
    expect(rateLimit.ipv6Prefix).toBe(48);
    expect(() => parseServerConfig('rateLimit: { ipv6Prefix: 8 }\n', 'server.yaml')).toThrow(
      /server\.yaml:1:.*rateLimit\.ipv6Prefix/,
    );
    await withLogins(rateLimit, async (status) => {
      expect(await status('2001:db8:1:2::1')).toBe(302);
      expect(await status('2001:db8:1:7::1')).toBe(429);
      expect(await status('2001:db8:2::1')).toBe(302);
    });
  });

  it('caps the sign-ins under way from one network, however many /64s it holds', async () => {
    const rateLimit = parseServerConfig(
      'rateLimit: { logins: 100, pendingLogins: 100, pendingLoginsPerNetwork: 3 }\n',
      'server.yaml',
    ).rateLimit;
    await withLogins(rateLimit, async (status) => {
      // Three /64s of one /48: each its own client, all one network.
      for (const n of [1, 2, 3]) expect(await status(`2001:db8:5:${n}::1`)).toBe(302);
      expect(await status('2001:db8:5:ff::1')).toBe(429);
      // Another /48 is another network, and IPv4 networks are /24s.
      expect(await status('2001:db8:6:1::1')).toBe(302);
      for (const n of [1, 2, 3]) expect(await status(`198.51.100.${n}`)).toBe(302);
      expect(await status('::ffff:198.51.100.200')).toBe(429);
      expect(await status('198.51.101.1')).toBe(302);
    });
  });

  it('says the network is what is over, and counts networks by the prefix the configuration names', async () => {
    const rateLimit = parseServerConfig(
      'rateLimit: { logins: 100, pendingLogins: 100, pendingLoginsPerNetwork: 1, networkIpv6Prefix: 56 }\n',
      'server.yaml',
    ).rateLimit;
    expect(() => parseServerConfig('rateLimit: { networkIpv6Prefix: 8 }\n', 'server.yaml')).toThrow(
      /server\.yaml:1:.*rateLimit\.networkIpv6Prefix/,
    );
    const fresh = await openLoginServer(loginConfig, { rateLimit });
    try {
      const start = (address: string) => fresh.app.request(`${TOLLGATE}/auth/login`, {}, from(address));
      expect((await start('2001:db8:7:100::1')).status).toBe(302);
      const over = await start('2001:db8:7:1ff::1');
      expect(over.status).toBe(429);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await over.json()).error.message).toContain('from your network (2001:db8:7:100::/56');
      expect((await start('2001:db8:7:200::1')).status).toBe(302);
    } finally {
      await fresh.dispose();
    }
  });

  it('counts the client a trusted proxy names, and reads nobody elses X-Forwarded-For', async () => {
    const config = parseServerConfig(
      'trustedProxies: [10.0.0.0/8, "2001:db8:ffff::1"]\nrateLimit: { logins: 1 }\n',
      'server.yaml',
    );
    const fresh = await openLoginServer(loginConfig, {
      rateLimit: config.rateLimit,
      trustedProxies: config.trustedProxies,
    });
    try {
      const start = async (peer: string, forwardedFor?: string) =>
        (
          await fresh.app.request(
            `${TOLLGATE}/auth/login`,
            { headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } },
            from(peer),
          )
        ).status;
      // Behind the proxy, each client has its own allowance.
      expect(await start('10.0.0.5', '203.0.113.1')).toBe(302);
      expect(await start('10.0.0.6', '203.0.113.1')).toBe(429);
      expect(await start('2001:db8:ffff::1', '203.0.113.2')).toBe(302);
      // What the client wrote itself, left of what the proxy appended, is not its address.
      expect(await start('10.0.0.5', '203.0.113.9, 203.0.113.1')).toBe(429);
      // Through two trusted proxies, the client is the one the first of them named.
      expect(await start('10.0.0.5', '203.0.113.3, 10.0.0.7')).toBe(302);
      // A caller that is not a trusted proxy is its own address, whatever it writes.
      expect(await start('198.51.100.1', '203.0.113.50')).toBe(302);
      expect(await start('198.51.100.1', '203.0.113.51')).toBe(429);
      // A proxy that names nobody (or nothing usable) is the client.
      expect(await start('10.0.0.8')).toBe(302);
      expect(await start('10.0.0.8', 'unknown')).toBe(429);
    } finally {
      await fresh.dispose();
    }
    expect(parseServerConfig('{}\n', 'server.yaml').trustedProxies).toEqual([]);
    expect(() =>
      parseServerConfig('trustedProxies:\n  - 10.0.0.0/8\n  - proxy.internal\n', 'server.yaml'),
    ).toThrow(/server\.yaml:3:.*trustedProxies\.1: an IP address or a network/);
  });

  it('takes the client address from the socket when served on a port', async () => {
    const handle = await sqliteBackend.open();
    const running = await startServer({
      listen: { host: '127.0.0.1', port: 0 },
      services: createServices({ contracts: contractSource([CHECKOUT]), store: handle.store }),
      authenticators: [],
      login: { config: loginConfig, clientSecret: 'tollgate-secret' },
      rateLimit: { perMinute: 3000, burst: 600, logins: 2, pendingLogins: 100 },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await fetch(`${running.url}/auth/login`, { redirect: 'manual' })).status);
      expect(statuses).toEqual([302, 302, 429]);
    } finally {
      await running.stop();
      await handle.dispose();
    }
  });
});

describe('made-up login and session cookies', () => {
  let provider: OpenIdProvider;
  let server: TestServer;
  let finds = 0;
  let deletes = 0;
  beforeAll(async () => {
    const setup = await signInThroughProvider('rateLimit:\n  authFailures: 3\n');
    provider = setup.provider;
    server = await openLoginServer(setup.config.login!, { rateLimit: setup.config.rateLimit });
    // Counts the database look-ups the cookies cost (the real store answers them).
    const sessions = (await server.services.store()).sessions;
    const find = sessions.find.bind(sessions);
    const remove = sessions.delete.bind(sessions);
    sessions.find = (...args) => {
      finds += 1;
      return find(...args);
    };
    sessions.delete = (...args) => {
      deletes += 1;
      return remove(...args);
    };
  });
  afterAll(async () => {
    await server?.dispose();
    await provider?.close();
  });

  const callback = (address: string, cookie: string | undefined) =>
    server.app.request(
      `${TOLLGATE}/auth/callback?code=x&state=y`,
      { headers: cookie === undefined ? {} : { cookie } },
      from(address),
    );

  it('at /auth/callback count as failed authentications, and past the allowance cost no look-up', async () => {
    finds = 0;
    for (let i = 0; i < 3; i++)
      expect((await callback('2001:db8:77:1::1', `tollgate_login=made-up-${i}`)).status).toBe(401);
    expect(finds).toBe(3);
    // Any address of the /64, any number of further cookies: refused before the database is asked.
    for (let i = 0; i < 20; i++) {
      const over = await callback(`2001:db8:77:1::${i + 2}`, `tollgate_login=made-up-${i + 3}`);
      expect(over.status).toBe(429);
      expect((await over.json()).error.code).toBe('RATE_LIMITED');
    }
    expect(finds).toBe(3);
    // No cookie at all is no credential: it asks the database nothing and is no failure.
    expect((await callback('198.51.100.77', undefined)).status).toBe(401);
    expect(finds).toBe(3);
    // Another client has its own allowance.
    expect((await callback('198.51.100.78', 'tollgate_login=made-up')).status).toBe(401);
    expect(finds).toBe(4);
  });

  it('at /auth/logout count as failed authentications too', async () => {
    deletes = 0;
    const logout = (cookie: string) =>
      server.app.request(
        `${TOLLGATE}/auth/logout`,
        { method: 'POST', headers: { cookie, origin: TOLLGATE } },
        from('203.0.113.88'),
      );
    for (let i = 0; i < 3; i++) expect((await logout(`tollgate_session=made-up-${i}`)).status).toBe(200);
    expect(deletes).toBe(3);
    expect((await logout('tollgate_session=made-up-9')).status).toBe(429);
    expect(deletes).toBe(3);
  });
});

describe('failed authentications', () => {
  let server: TestServer;
  let known: string;
  beforeAll(async () => {
    server = await openTestServer(sqliteBackend, {
      rateLimit: { perMinute: 3000, burst: 600, authFailures: 3 },
    });
    known = await server.token({ role: 'reader', pipelines: ['checkout'], principal: 'reader-1' });
  });
  afterAll(async () => {
    await server?.dispose();
  });

  const call = (address: string, authorization: string | undefined) =>
    server.app.request(
      '/api/v1/pipelines',
      { headers: authorization === undefined ? {} : { authorization } },
      from(address),
    );
  const guess = (n: number) => `Bearer tg_0123456789abcdef_${String(n).padStart(43, 'A')}`;

  it('are limited per client: guesses past the allowance are refused unchecked, known credentials still work', async () => {
    // A credential that worked from this client before the guessing started.
    expect((await call('2001:db8:9:9::1', `Bearer ${known}`)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await call('2001:db8:9:9::a', guess(i))).status).toBe(401);
    // A malformed Authorization header is a failed authentication too.
    expect((await call('2001:db8:9:9::b', 'Basic dXNlcjpwYXNz')).status).toBe(401);
    // The allowance is spent: another guess, from any address of the /64, is refused before it is checked.
    const over = await call('2001:db8:9:9::c', guess(3));
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = await over.json();
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(body.error.message).toContain('too many failed authentications');
    // The real caller behind the same client is not locked out by the guesser.
    expect((await call('2001:db8:9:9::1', `Bearer ${known}`)).status).toBe(200);
    // Another client has its own allowance, and a request without a credential is not a failure.
    expect((await call('198.51.100.20', guess(4))).status).toBe(401);
    expect((await call('2001:db8:9:9::d', undefined)).status).toBe(401);
  });

  it('refuses a credential the server has not seen work from a client out of failures', async () => {
    for (let i = 0; i < 3; i++) expect((await call('192.0.2.99', guess(10 + i))).status).toBe(401);
    // A genuine token first used now is not told apart from a guess: it waits with the client.
    const fresh = await server.token({ role: 'reader', pipelines: ['checkout'], principal: 'reader-2' });
    expect((await call('192.0.2.99', `Bearer ${fresh}`)).status).toBe(429);
    expect((await call('::ffff:192.0.2.99', guess(20))).status).toBe(429);
    expect((await call('192.0.2.100', `Bearer ${fresh}`)).status).toBe(200);
  });
});

describe('GET /readyz', () => {
  it('answers requests that arrive together from one check of the store', async () => {
    let checks = 0;
    let open: () => void = () => undefined;
    let gate = Promise.resolve();
    const close = () => {
      gate = new Promise<void>((resolve) => {
        open = resolve;
      });
    };
    const services = createServices({
      contracts: contractSource([CHECKOUT]),
      store: () => openPostgresStore(UNREACHABLE),
    });
    const { app } = createServerApp({
      services,
      authenticators: [],
      ready: () => {
        checks += 1;
        return gate;
      },
    });
    close();
    const together = Array.from({ length: 20 }, () => app.request('/readyz'));
    await new Promise((resolve) => setImmediate(resolve));
    open();
    const statuses = (await Promise.all(together)).map((res) => res.status);
    expect(statuses).toEqual(Array(20).fill(200));
    expect(checks).toBe(1);
    // The next one asks again: an answer is never kept past the check that made it.
    expect((await app.request('/readyz')).status).toBe(200);
    expect(checks).toBe(2);
  });
});
