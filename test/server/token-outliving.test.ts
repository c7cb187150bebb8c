/**
 * A token made over the API never outlives the credential that made it. A CI job's ID token lives
 * an hour at most (ciIssuers[].maxTokenLifetime) so that one stolen from a job's log is worth an
 * hour; an API token lives as long as it was made to. Were either able to make a token of 366
 * days, a leak of it would be worth a year, and revoking it would leave its offspring working.
 * An expiresIn past the maker's end is refused (403, nothing made); without one, the default 90
 * days is cut to the maker's end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteBackend } from '../support/stores.js';
import { type OidcIssuer, openCiServer, startOidcIssuer, type TestServer } from './support.js';

let issuer: OidcIssuer;
let server: TestServer;

beforeAll(async () => {
  issuer = await startOidcIssuer('ES256');
  server = await openCiServer(
    sqliteBackend,
    `ciIssuers:
  - issuer: ${issuer.url}
    audience: tollgate
    rules:
      - match: { repository: shop/infra }
        principal: "ci-infra"
        role: admin
        pipelines: [checkout]
`,
  );
});
afterAll(async () => {
  await server.dispose();
  await issuer.close();
});

const idToken = (lifetimeS: number) =>
  issuer.mint(
    { repository: 'shop/infra', sub: 'repo:shop/infra:ref:refs/heads/main' },
    { exp: `${lifetimeS}s` },
  );

type Made = { token?: string; expiresAt?: string; error?: { code: string; message: string } };

describe('a token made over the API', () => {
  it('is refused an expiresIn past the end of the CI ID token that asks for it, and nothing is made', async () => {
    const before = (await server.handle.store.tokens.list()).length;
    const jwt = await idToken(600);
    const res = await server.call('POST', '/api/v1/tokens', jwt, {
      role: 'ci',
      pipelines: ['checkout'],
      expiresIn: '366d',
    });
    expect(res.status).toBe(403);
    const { error } = (await res.json()) as Made;
    expect(error?.code).toBe('NOT_ALLOWED');
    expect(error?.message).toMatch(
      /^a token made by this credential lives at most until it ends, at \S+Z: expiresIn 366d would outlive it; ask for at most \d+m$/,
    );
    expect((await server.handle.store.tokens.list()).length).toBe(before);
  });

  it('is refused an expiresIn past the end of the API token that asks for it, and is cut to it by default', async () => {
    const maker = await server.token({
      role: 'admin',
      pipelines: ['checkout'],
      principal: 'carol',
      expiresIn: '1h',
    });
    const makerEnd = Date.parse(
      (await server.handle.store.tokens.list()).find((t) => t.principal === 'carol')!.expiresAt,
    );
    const refused = await server.call('POST', '/api/v1/tokens', maker, {
      role: 'ci',
      pipelines: ['checkout'],
      expiresIn: '30d',
    });
    expect(refused.status).toBe(403);

    const within = await server.call('POST', '/api/v1/tokens', maker, {
      role: 'ci',
      pipelines: ['checkout'],
      expiresIn: '30m',
    });
    expect(within.status).toBe(201);
    const byDefault = await server.call('POST', '/api/v1/tokens', maker, {
      role: 'ci',
      pipelines: ['checkout'],
    });
    expect(byDefault.status).toBe(201);
    expect(Date.parse(((await byDefault.json()) as Made).expiresAt!)).toBe(makerEnd);
  });

  it('by a CI job, without expiresIn, ends when its ID token ends', async () => {
    const jwt = await idToken(300);
    const exp = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).exp as number;
    const res = await server.call('POST', '/api/v1/tokens', jwt, { role: 'ci', pipelines: ['checkout'] });
    expect(res.status).toBe(201);
    expect(Date.parse(((await res.json()) as Made).expiresAt!)).toBe(exp * 1000);
  });
});
