/**
 * Behind an https public URL (the redirect URI), the sign-in and session cookies are `__Host-`
 * cookies: Secure, Path=/, no Domain, so a sibling subdomain cannot plant or overwrite a session
 * (session fixation); a plain `tollgate_session` is not read then. Over plain http they keep their
 * plain names (test/server/login.test.ts). Signed in through a real local OpenID provider; the
 * app is called as a function, as a browser behind a TLS-ending proxy would reach it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenIdProvider, startOpenIdProvider } from '../support/openid-provider.js';
import { openLoginServer, type TestServer } from './support.js';

const TOLLGATE = 'https://tollgate.localhost';
let provider: OpenIdProvider;
let server: TestServer;

beforeAll(async () => {
  provider = await startOpenIdProvider(`${TOLLGATE}/auth/callback`, {
    erin: { email: 'erin@example.com', groups: ['release-managers'] },
  });
  server = await openLoginServer(provider.issuer, `${TOLLGATE}/auth/callback`);
});
afterAll(async () => {
  await server?.dispose();
  await provider?.close();
});

/** Follows a sign-in by hand, keeping cookies per origin and every Set-Cookie line Tollgate sent. */
async function signIn(login: string) {
  const jars = new Map<string, Map<string, string>>();
  const setCookies: string[] = [];
  const jarOf = (origin: string) => jars.get(origin) ?? jars.set(origin, new Map()).get(origin)!;
  const request = async (url: string, init: RequestInit = {}) => {
    const origin = new URL(url).origin;
    const cookie = [...jarOf(origin)].map(([k, v]) => `${k}=${v}`).join('; ');
    const headers = { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) };
    const res =
      origin === TOLLGATE
        ? await server.app.request(url, { ...init, headers })
        : await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      if (origin === TOLLGATE) setCookies.push(line);
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      if (/max-age=0/i.test(line)) jarOf(origin).delete(pair!.slice(0, eq));
      else jarOf(origin).set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return res;
  };
  const follow = async (url: string, init: RequestInit = {}) => {
    let res = await request(url, init);
    let at = url;
    while (res.status >= 300 && res.status < 400) {
      at = new URL(res.headers.get('location')!, at).href;
      res = await request(at);
    }
    return { res, url: at };
  };
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  let page = await follow(`${TOLLGATE}/auth/login?return=/dashboard`);
  page = await follow(page.url, {
    method: 'POST',
    headers: form,
    body: new URLSearchParams({ prompt: 'login', login, password: 'any' }).toString(),
  });
  if (/\/interaction\//.test(page.url))
    page = await follow(page.url, { method: 'POST', headers: form, body: 'prompt=consent' });
  return { landed: page.url, jar: jarOf(TOLLGATE), setCookies };
}

describe('the session cookie behind an https public URL', () => {
  it('is a __Host- cookie: Secure, Path=/, no Domain, and only that name is read', async () => {
    const { landed, jar, setCookies } = await signIn('erin');
    expect(landed).toBe(`${TOLLGATE}/dashboard`);
    expect(jar.has('tollgate_session')).toBe(false);
    const session = jar.get('__Host-tollgate_session');
    expect(session).toMatch(/^[\w-]{43}$/);
    const ours = setCookies.filter((line) => /^(__Host-)?tollgate_/.test(line));
    // The sign-in cookie, its removal, and the session.
    expect(ours.length).toBeGreaterThanOrEqual(3);
    for (const line of ours) {
      expect(line).toMatch(/^__Host-tollgate_(login|session)=/);
      const attributes = line.split(';').map((a) => a.trim().toLowerCase());
      expect(attributes, line).toContain('secure');
      expect(attributes, line).toContain('path=/');
      expect(attributes, line).toContain('httponly');
      expect(
        attributes.some((a) => a.startsWith('domain=')),
        line,
      ).toBe(false);
    }
    const whoami = (cookie: string) =>
      server.app.request(`${TOLLGATE}/api/v1/whoami`, { headers: { cookie } });
    expect((await whoami(`__Host-tollgate_session=${session}`)).status).toBe(200);
    // The same value under the plain name, as a sibling subdomain could set it, is no session.
    expect((await whoami(`tollgate_session=${session}`)).status).toBe(401);
    // The OpenAPI document names the cookie the server reads.
    const doc = (await (await server.app.request(`${TOLLGATE}/openapi.json`)).json()) as {
      components: { securitySchemes: { session: { name: string } } };
    };
    expect(doc.components.securitySchemes.session.name).toBe('__Host-tollgate_session');
  });
});
