/**
 * A CI job's principal comes from its ID token's claims, spelled as its issuer spells them: `Deployer`
 * today, `deployer` or full-width `ＤＥＰＬＯＹＥＲ` tomorrow. The ledger records one person for all of
 * them (src/policy/names.ts), so the per-principal rate limit and the scope of an Idempotency-Key
 * must count them as one too: otherwise each spelling gets its own budget, and a retry under
 * another spelling is written a second time instead of being answered the first answer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeDigest } from '../support/cli.js';
import { BACKENDS, sqliteBackend } from '../support/stores.js';
import { type OidcIssuer, openCiServer, startOidcIssuer, type TestServer } from './support.js';

let issuer: OidcIssuer;
let server: TestServer | undefined;

beforeAll(async () => {
  issuer = await startOidcIssuer('ES256');
});
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});
afterAll(async () => {
  await issuer.close();
});

const config = () => `ciIssuers:
  - issuer: ${issuer.url}
    audience: tollgate
    rules:
      - match: { repository: shop/billing }
        principal: "{actor}"
        role: ci
        pipelines: [billing]
`;

const idToken = (actor: string) =>
  issuer.mint(
    { repository: 'shop/billing', actor, sub: `repo:shop/billing:actor:${actor}` },
    { exp: '600s' },
  );

const SPELLINGS = ['Deployer', 'deployer', '\uff24\uff25\uff30\uff2c\uff2f\uff39\uff25\uff32'];

describe('two spellings of one CI principal', () => {
  it('share one rate limit', async () => {
    server = await openCiServer(sqliteBackend, config(), { rateLimit: { perMinute: 1, burst: 2 } });
    const [first, second, third] = await Promise.all(SPELLINGS.map(idToken));
    expect((await server.call('GET', '/api/v1/whoami', first)).status).toBe(200);
    expect((await server.call('GET', '/api/v1/whoami', second)).status).toBe(200);
    const refused = await server.call('GET', '/api/v1/whoami', third);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
  });
});

describe.each(BACKENDS)('two spellings of one CI principal ($title)', (backend) => {
  it('share the scope of an Idempotency-Key: the retry under another spelling is replayed, recorded once', async () => {
    server = await openCiServer(backend, config());
    const s = server;
    const [upper, lower] = await Promise.all(SPELLINGS.slice(0, 2).map(idToken));
    const D = fakeDigest(`spellings-${backend.name}`);
    expect((await s.call('POST', '/api/v1/pipelines/billing/artifacts', upper, { digest: D })).status).toBe(
      201,
    );
    const key = { 'idempotency-key': 'spelling-1' };
    const path = '/api/v1/pipelines/billing/stages/dev/promotions';
    const first = await s.call('POST', path, upper, { artifact: D }, key);
    expect(first.status).toBe(201);
    const retry = await s.call('POST', path, lower, { artifact: D }, key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.text()).toBe(await first.text());
    expect((await s.handle.store.entriesForStage('billing', 'dev', ['promotion'])).length).toBe(1);
  });
});
