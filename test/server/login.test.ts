/**
 * People sign in with OpenID Connect (authorization code + PKCE) against a real, certified OpenID
 * provider run locally (`oidc-provider`, with its development login and consent pages), driven the
 * way a browser would: redirects followed by hand, cookies kept per site. The session is an
 * httpOnly cookie; approvals made with it record the person the provider vouched for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/ledger/hash-chain.js';
import { createServerApp } from '../../src/server/app.js';
import { parseServerConfig } from '../../src/server/config.js';
import { type OpenIdProvider, startOpenIdProvider } from '../support/openid-provider.js';
import { openLoginServer, type TestServer } from './support.js';

const TOLLGATE = 'http://localhost:8787';
let provider: OpenIdProvider;
let issuer: string;
let server: TestServer;

const PEOPLE: Record<string, { email: string; groups: string[]; email_verified?: boolean | string }> = {
  erin: { email: 'erin@example.com', groups: ['release-managers'] },
  mallory: { email: 'mallory@example.com', groups: ['contractors'] },
  // Signed up with erin's address, which the provider never verified.
  trudy: { email: 'erin@example.com', groups: ['release-managers'], email_verified: false },
  // A provider that does not say (some leave the claim out): not vouched for either.
  uma: { email: 'uma@example.com', groups: ['release-managers'], email_verified: undefined },
  // Cognito writes the claim as a string.
  vic: { email: 'vic@example.com', groups: ['release-managers'], email_verified: 'true' },
  // An unverified address that is markup: a page that shows it must show it as text.
  xena: { email: '<img src=x onerror=alert(1)>@example.com', groups: [], email_verified: false },
  // An admin of checkout (the ops group), who may make tokens with her session.
  olga: { email: 'olga@example.com', groups: ['ops'] },
};

beforeAll(async () => {
  provider = await startOpenIdProvider(`${TOLLGATE}/auth/callback`, PEOPLE);
  issuer = provider.issuer;
  server = await openLoginServer(
    issuer,
    `${TOLLGATE}/auth/callback`,
    '    - match: { groups: ops }\n      role: admin\n      pipelines: [checkout]\n',
  );
});
afterAll(async () => {
  await server.dispose();
  await provider.close();
});

/** A browser: follows redirects by hand, keeps cookies per origin, sends Tollgate's requests to the app. */
function browser(
  always: Record<string, string> = {},
  app: { request: TestServer['app']['request'] } = server.app,
) {
  const jars = new Map<string, Map<string, string>>();
  const jarOf = (origin: string) => jars.get(origin) ?? jars.set(origin, new Map()).get(origin)!;
  async function request(url: string, init: RequestInit = {}): Promise<Response> {
    const origin = new URL(url).origin;
    const cookie = [...jarOf(origin)].map(([k, v]) => `${k}=${v}`).join('; ');
    const headers = {
      ...always,
      ...(init.headers as Record<string, string>),
      ...(cookie ? { cookie } : {}),
    };
    const res =
      origin === TOLLGATE
        ? await app.request(url, { ...init, headers })
        : await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const [name, value] = [pair!.slice(0, eq).trim(), pair!.slice(eq + 1)];
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line)) jarOf(origin).delete(name);
      else jarOf(origin).set(name, value);
    }
    return res;
  }
  /** Follows redirects from `url` until a page that is not one; returns it and where it is. */
  async function follow(url: string, init: RequestInit = {}): Promise<{ res: Response; url: string }> {
    let res = await request(url, init);
    let at = url;
    while (res.status >= 300 && res.status < 400) {
      at = new URL(res.headers.get('location')!, at).href;
      res = await request(at);
    }
    return { res, url: at };
  }
  return { request, follow, jarOf };
}

/** Signs `login` in through the provider's login and consent pages; returns the browser. */
async function signIn(login: string, back = '/dashboard', b = browser()) {
  const { res, url } = await b.follow(`${TOLLGATE}/auth/login?return=${encodeURIComponent(back)}`);
  // Signed in at the provider already (the same browser again): straight back, nothing to fill in.
  if (!/\/interaction\//.test(url)) return { b, landed: { res, url } };
  expect(await res.text()).toMatch(/name="login"/);
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  let page = await b.follow(url, {
    method: 'POST',
    headers: form,
    body: new URLSearchParams({ prompt: 'login', login, password: 'any' }).toString(),
  });
  if (/\/interaction\//.test(page.url)) {
    page = await b.follow(page.url, { method: 'POST', headers: form, body: 'prompt=consent' });
  }
  return { b, landed: page };
}

describe('people sign in with OIDC code + PKCE', () => {
  it('makes a token with a session that ends when the session does, and records it was made in a session', async () => {
    const { b } = await signIn('olga');
    const sessions = await server.handle.store.sessions.find(
      sha256(b.jarOf(TOLLGATE).get('tollgate_session')!),
      new Date(),
    );
    const end = Date.parse(sessions!.expiresAt);
    const make = (body: Record<string, unknown>) =>
      b.request(`${TOLLGATE}/api/v1/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: TOLLGATE },
        body: JSON.stringify(body),
      });
    const refused = await make({ role: 'ci', pipelines: ['checkout'], expiresIn: '366d' });
    expect(refused.status).toBe(403);
    const made = await make({ role: 'ci', pipelines: ['checkout'] });
    expect(made.status).toBe(201);
    const record = (await made.json()) as { expiresAt: string; madeWith: string; createdBy: string };
    expect(Date.parse(record.expiresAt)).toBe(end);
    expect(record.madeWith).toBe('session');
    expect(record.createdBy).toBe('olga@example.com');
  });

  it('starts a session whose principal is the email the provider vouched for', async () => {
    const { b, landed } = await signIn('erin');
    expect(landed.url).toBe(`${TOLLGATE}/dashboard`);
    const session = b.jarOf(TOLLGATE).get('tollgate_session');
    expect(session).toMatch(/^[\w-]{43}$/);
    // The cookie's value is not what the database keeps.
    expect(await server.handle.store.sessions.find(session!, new Date())).toBeUndefined();

    const me = await b.request(`${TOLLGATE}/api/v1/whoami`);
    expect(await me.json()).toEqual({
      principal: 'erin@example.com',
      role: 'approver',
      pipelines: ['checkout'],
      via: 'session',
    });

    // A write from another site's page is refused; from this server's own page it goes through.
    const digest = `sha256:${'cd'.repeat(32)}`;
    const body = JSON.stringify({ artifact: digest, decision: 'approve' });
    const json = { 'content-type': 'application/json' };
    const foreign = await b.request(`${TOLLGATE}/api/v1/pipelines/checkout/stages/prod/approvals`, {
      method: 'POST',
      headers: { ...json, origin: 'https://evil.example' },
      body,
    });
    expect(foreign.status).toBe(403);
    const own = await b.request(`${TOLLGATE}/api/v1/pipelines/checkout/stages/prod/approvals`, {
      method: 'POST',
      headers: { ...json, origin: TOLLGATE },
      body,
    });
    // Authenticated and allowed: the artifact simply is not registered.
    expect(own.status).toBe(404);

    // Another page of the same site (a sibling subdomain, which SameSite=Lax lets send the cookie)
    // or a request naming no page at all does not sign the person out.
    for (const origin of ['http://wiki.localhost:8787', undefined]) {
      const elsewhere = await b.request(`${TOLLGATE}/auth/logout`, {
        method: 'POST',
        headers: origin === undefined ? {} : { origin },
      });
      expect(elsewhere.status, origin).toBe(403);
      expect((await b.request(`${TOLLGATE}/api/v1/whoami`)).status, origin).toBe(200);
    }
    const out = await b.request(`${TOLLGATE}/auth/logout`, { method: 'POST', headers: { origin: TOLLGATE } });
    expect(out.status).toBe(200);
    expect(
      (await server.app.request('/api/v1/whoami', { headers: { cookie: `tollgate_session=${session}` } }))
        .status,
    ).toBe(401);
  });

  it('refuses a person no rule grants anything, a replayed callback and a forged session', async () => {
    // Sent to the dashboard's "not allowed" page, with no session.
    const { b: refused, landed } = await signIn('mallory');
    expect(landed.url).toBe(`${TOLLGATE}/#/not-allowed?who=mallory%40example.com`);
    expect(refused.jarOf(TOLLGATE).get('tollgate_session')).toBeUndefined();
    expect((await refused.request(`${TOLLGATE}/api/v1/whoami`)).status).toBe(401);

    const b = browser();
    const start = await b.request(`${TOLLGATE}/auth/login`);
    expect(start.status).toBe(302);
    const callback = await b.request(`${TOLLGATE}/auth/callback?code=made-up&state=made-up`);
    expect(callback.status).toBe(401);
    // The sign-in was used up by that attempt: replaying it finds nothing.
    expect((await b.request(`${TOLLGATE}/auth/callback?code=made-up&state=made-up`)).status).toBe(401);

    const forged = await server.app.request('/api/v1/whoami', {
      headers: { cookie: `tollgate_session=${'A'.repeat(43)}` },
    });
    expect(forged.status).toBe(401);
  });

  it('refuses an email the provider has not verified, so nobody signs in as its owner', async () => {
    for (const [login, said] of [
      ['trudy', 'false'],
      ['uma', 'absent'],
    ] as const) {
      const { b, landed } = await signIn(login);
      expect(landed.res.status).toBe(401);
      const body = (await landed.res.json()) as { error: { message: string } };
      expect(body.error.message).toContain(`is not verified by the provider (email_verified is ${said})`);
      expect(b.jarOf(TOLLGATE).get('tollgate_session')).toBeUndefined();
      expect((await b.request(`${TOLLGATE}/api/v1/whoami`)).status).toBe(401);
    }
    const { b } = await signIn('vic');
    expect(await (await b.request(`${TOLLGATE}/api/v1/whoami`)).json()).toMatchObject({
      principal: 'vic@example.com',
    });
  });

  it('ends the session a browser held when it signs in again, as another person or the same one', async () => {
    const { b } = await signIn('erin');
    const first = b.jarOf(TOLLGATE).get('tollgate_session')!;
    const withCookie = (session: string) =>
      server.app.request('/api/v1/whoami', { headers: { cookie: `tollgate_session=${session}` } });
    expect((await withCookie(first)).status).toBe(200);

    // The same person again: a new session, and a copy of the old cookie no longer works.
    const again = await signIn('erin', '/dashboard', b);
    expect(again.landed.url).toBe(`${TOLLGATE}/dashboard`);
    const second = b.jarOf(TOLLGATE).get('tollgate_session')!;
    expect(second).not.toBe(first);
    expect((await withCookie(first)).status).toBe(401);
    expect((await withCookie(second)).status).toBe(200);

    // Another person at the same browser (signed out at the provider): erin's session ends.
    b.jarOf(new URL(issuer).origin).clear();
    const vic = await signIn('vic', '/dashboard', b);
    expect(vic.landed.url).toBe(`${TOLLGATE}/dashboard`);
    expect((await withCookie(second)).status).toBe(401);
    expect(await (await b.request(`${TOLLGATE}/api/v1/whoami`)).json()).toMatchObject({
      principal: 'vic@example.com',
    });
    const third = b.jarOf(TOLLGATE).get('tollgate_session')!;

    // A person no rule grants anything: sent to the "not allowed" page, holding no session at all.
    b.jarOf(new URL(issuer).origin).clear();
    const mallory = await signIn('mallory', '/dashboard', b);
    expect(mallory.landed.url).toBe(`${TOLLGATE}/#/not-allowed?who=mallory%40example.com`);
    expect(b.jarOf(TOLLGATE).get('tollgate_session')).toBeUndefined();
    expect((await withCookie(third)).status).toBe(401);
  });

  it('shows a browser a page, not JSON, when the sign-in fails, and keeps JSON for API clients', async () => {
    const page = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
    // No sign-in under way (or a replayed callback): a page with the way back in.
    const b = browser();
    const none = await b.request(`${TOLLGATE}/auth/callback?code=made-up&state=made-up`, { headers: page });
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/^text\/html/);
    expect(none.headers.get('content-security-policy')).toContain("default-src 'none'");
    const text = await none.text();
    expect(text).toContain('no sign-in is under way in this browser');
    expect(text).toContain('<a href="/auth/login">Sign in again</a>');

    // A provider error or a forged state, after a real start: the same page.
    expect((await b.request(`${TOLLGATE}/auth/login`)).status).toBe(302);
    const forged = await b.request(`${TOLLGATE}/auth/callback?error=access_denied&state=made-up`, {
      headers: page,
    });
    expect(forged.status).toBe(401);
    expect(await forged.text()).toMatch(/Sign-in failed[\s\S]*the sign-in failed: /);

    // What the provider vouched for is shown as text, never as markup.
    const xena = browser(page);
    const { res, url } = await xena.follow(`${TOLLGATE}/auth/login`);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    expect(await res.text()).toMatch(/name="login"/);
    let landed = await xena.follow(url, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ prompt: 'login', login: 'xena', password: 'any' }).toString(),
    });
    if (/\/interaction\//.test(landed.url))
      landed = await xena.follow(landed.url, { method: 'POST', headers: form, body: 'prompt=consent' });
    expect(landed.res.status).toBe(401);
    const shown = await landed.res.text();
    expect(shown).toContain('&lt;img src=x onerror=alert(1)&gt;@example.com');
    expect(shown).not.toContain('<img');

    // An API client (no Accept: text/html) keeps the one error shape.
    const api = await browser().request(`${TOLLGATE}/auth/callback?code=made-up&state=made-up`, {
      headers: { accept: '*/*' },
    });
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });

  it('never redirects off the server after sign-in', async () => {
    // A browser drops tabs and newlines from a URL: "/<tab>/evil.example" is "//evil.example".
    for (const back of [
      '//evil.example/x',
      'https://evil.example/',
      '/\\evil.example',
      '/\t/evil.example/x',
      '/\n/evil.example/x',
      '/\r\n/evil.example/x',
      // Dot segments resolve to "//host" (a port fetch refuses to reach: a redirect there fails
      // the sign-in instead of landing anywhere).
      '/.//127.0.0.1:9/x',
      '/..//127.0.0.1:9/x',
      '/%2e//127.0.0.1:9/x',
      '/a/..//127.0.0.1:9/x',
    ]) {
      const { landed } = await signIn('erin', back);
      expect(landed.url, back).toBe(`${TOLLGATE}/`);
    }
  });

  it('keeps a return path of up to 2048 characters and sends a longer one to the start page', async () => {
    const fits = `/#/pipelines/${'a'.repeat(2048 - 14)}`;
    expect((await signIn('erin', fits)).landed.url).toBe(`${TOLLGATE}${fits}`);
    const { landed } = await signIn('erin', `/#/pipelines/${'a'.repeat(4000)}`);
    expect(landed.url).toBe(`${TOLLGATE}/`);
  });

  it('takes a write from its own https page behind a proxy that ends TLS, and still none from another site', async () => {
    // Deployed behind a proxy: the redirect URI (where the cookie is set, where the pages are) is
    // https, the request this process sees is http to the same host.
    const proxied = await openLoginServer(issuer, 'https://tollgate.example.com/auth/callback');
    try {
      const now = new Date();
      await proxied.handle.store.sessions.insert({
        idHash: sha256('a-session'),
        kind: 'session',
        data: {
          principal: 'erin@example.com',
          grant: { role: 'approver', pipelines: ['checkout'] },
          issuer,
          claims: {
            sub: 'erin',
            email: 'erin@example.com',
            email_verified: true,
            groups: ['release-managers'],
          },
        },
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
      });
      const approve = (origin: string) =>
        proxied.app.request('http://tollgate.example.com/api/v1/pipelines/checkout/stages/prod/approvals', {
          method: 'POST',
          // A __Host- cookie behind an https redirect URI (test/server/host-cookie.test.ts).
          headers: {
            'content-type': 'application/json',
            cookie: '__Host-tollgate_session=a-session',
            origin,
          },
          body: JSON.stringify({ artifact: `sha256:${'cd'.repeat(32)}`, decision: 'approve' }),
        });
      // Authenticated and allowed: the artifact simply is not registered.
      expect((await approve('https://tollgate.example.com')).status).toBe(404);
      for (const origin of ['https://evil.example', 'http://tollgate.example.com.evil.example', 'null'])
        expect((await approve(origin)).status, origin).toBe(403);
    } finally {
      await proxied.dispose();
    }
  });

  it('grants a session what the rules grant now, not what they granted at sign-in', async () => {
    const { b } = await signIn('erin');
    const session = b.jarOf(TOLLGATE).get('tollgate_session')!;
    // The same database, the server restarted with other rules.
    const restarted = (rules: string, issuerNow = issuer) =>
      createServerApp({
        services: server.services,
        authenticators: [],
        login: {
          config: parseServerConfig(
            `login:
  issuer: ${issuerNow}
  clientId: tollgate
  redirectUri: ${TOLLGATE}/auth/callback
  principalClaim: email
  rules:
${rules}`,
            'server.yaml',
          ).login!,
          clientSecret: 'tollgate-secret',
        },
      }).app;
    const whoami = (app: ReturnType<typeof restarted>) =>
      app.request('/api/v1/whoami', { headers: { cookie: `tollgate_session=${session}` } });

    const reader = await whoami(
      restarted(
        '    - match: { groups: release-managers }\n      role: reader\n      pipelines: [checkout]\n',
      ),
    );
    expect(await reader.json()).toMatchObject({ principal: 'erin@example.com', role: 'reader' });
    const none = await whoami(
      restarted('    - match: { groups: admins }\n      role: admin\n      pipelines: ["*"]\n'),
    );
    expect(none.status).toBe(403);
    expect(JSON.stringify(await none.json())).toContain('erin@example.com');
    const otherIssuer = await whoami(
      restarted(
        '    - match: { groups: release-managers }\n      role: approver\n      pipelines: [checkout]\n',
        'https://other-idp.example.com',
      ),
    );
    expect(otherIssuer.status).toBe(401);
    // The rules that granted it still grant it.
    expect((await whoami(server.app)).status).toBe(200);
  });

  it('never lets an unverified email match a rule, whatever claim names the person', async () => {
    // A server naming people by \`sub\` and granting by address: trudy typed erin's address when
    // signing up, and the provider never verified it.
    const bySub = createServerApp({
      services: server.services,
      authenticators: [],
      login: {
        config: parseServerConfig(
          `login:
  issuer: ${issuer}
  clientId: tollgate
  redirectUri: ${TOLLGATE}/auth/callback
  principalClaim: sub
  rules:
    - match: { email: "*@example.com" }
      role: approver
      pipelines: [checkout]
`,
          'server.yaml',
        ).login!,
        clientSecret: 'tollgate-secret',
      },
    }).app;
    for (const login of ['trudy', 'uma']) {
      const { b, landed } = await signIn(login, '/dashboard', browser({}, bySub));
      expect(landed.url, login).toBe(`${TOLLGATE}/#/not-allowed?who=${login}`);
      expect(b.jarOf(TOLLGATE).get('tollgate_session'), login).toBeUndefined();
    }
    // A verified address (true, or Cognito's "true") still matches.
    for (const login of ['erin', 'vic']) {
      const { b } = await signIn(login, '/dashboard', browser({}, bySub));
      const me = await b.request(`${TOLLGATE}/api/v1/whoami`);
      expect(await me.json(), login).toMatchObject({ principal: login, role: 'approver' });
    }
  });
});

describe('a person behind the same NAT as somebody guessing login cookies', () => {
  let guarded: TestServer;
  beforeAll(async () => {
    guarded = await openLoginServer(issuer, `${TOLLGATE}/auth/callback`, 'rateLimit:\n  authFailures: 3\n');
  });
  afterAll(async () => {
    await guarded?.dispose();
  });

  it('finishes a sign-in this server started and uses its session, while the guesses get 429', async () => {
    // One public address for the whole office: the guesser and the person share its allowance.
    const office = { incoming: { socket: { remoteAddress: '203.0.113.9' } } };
    const fromOffice = {
      request: (url: string, init?: RequestInit) => guarded.app.request(url, init, office),
    } as unknown as TestServer['app'];
    const guess = (n: number) =>
      guarded.app.request(
        `${TOLLGATE}/auth/callback?code=x&state=y`,
        { headers: { cookie: `tollgate_login=made-up-${n}` } },
        office,
      );
    for (let i = 0; i < 3; i++) expect((await guess(i)).status).toBe(401);
    expect((await guess(3)).status).toBe(429);

    // The login cookie this server handed out is no guess: the exchange is looked up and done.
    const { b, landed } = await signIn('erin', '/dashboard', browser({}, fromOffice));
    expect(landed.url).toBe(`${TOLLGATE}/dashboard`);
    expect(b.jarOf(TOLLGATE).get('tollgate_session')).toMatch(/^[\w-]{43}$/);
    // And the session it starts works at once from the same address, new as it is.
    const me = await b.request(`${TOLLGATE}/api/v1/whoami`);
    expect(me.status).toBe(200);
    expect(((await me.json()) as { principal: string }).principal).toBe('erin@example.com');

    // The guesser is still refused, a made-up session cookie too, before any look-up.
    expect((await guess(4)).status).toBe(429);
    const forged = await guarded.app.request(
      `${TOLLGATE}/api/v1/whoami`,
      { headers: { cookie: 'tollgate_session=made-up' } },
      office,
    );
    expect(forged.status).toBe(429);
  });
});
