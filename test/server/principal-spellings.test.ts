/**
 * A CI job's principal comes from its ID token's claims, spelled as its issuer spells them: `Deployer`
 * today, `deployer` or full-width `ＤＥＰＬＯＹＥＲ` tomorrow. The ledger records one person for all of
 * them (src/policy/names.ts), so the per-principal rate limit and the scope of an Idempotency-Key
 * must count them as one too: otherwise each spelling gets its own budget, and a retry under
 * another spelling is written a second time instead of being answered the first answer.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseServerConfig } from '../../src/server/config.js';
import { ciTokenAuthenticator } from '../../src/server/oidc-ci.js';
import { apiTokenAuthenticator } from '../../src/server/token-auth.js';
import { fakeDigest } from '../support/cli.js';
import { BACKENDS, sqliteBackend } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

let issuerServer: Server;
let issuer: string;
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let server: TestServer | undefined;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  issuerServer = createServer((req, res) => {
    const base = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration')
      res.end(JSON.stringify({ issuer: base, jwks_uri: `${base}/jwks` }));
    else if (req.url === '/jwks') res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => issuerServer.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});
afterAll(async () => {
  await new Promise((resolve) => issuerServer.close(resolve));
});

const config = () =>
  parseServerConfig(
    `ciIssuers:
  - issuer: ${issuer}
    audience: tollgate
    rules:
      - match: { repository: shop/billing }
        principal: "{actor}"
        role: ci
        pipelines: [billing]
`,
    'server.yaml',
  );

const idToken = (actor: string) =>
  new SignJWT({ repository: 'shop/billing', actor, sub: `repo:shop/billing:actor:${actor}` })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(issuer)
    .setAudience('tollgate')
    .setIssuedAt()
    .setExpirationTime('600s')
    .sign(privateKey);

const SPELLINGS = ['Deployer', 'deployer', '\uff24\uff25\uff30\uff2c\uff2f\uff39\uff25\uff32'];

describe('two spellings of one CI principal', () => {
  it('share one rate limit', async () => {
    server = await openTestServer(sqliteBackend, {
      authenticate: (services) => [apiTokenAuthenticator(services), ciTokenAuthenticator(config().ciIssuers)],
      rateLimit: { perMinute: 1, burst: 2 },
    });
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
    server = await openTestServer(backend, {
      authenticate: (services) => [apiTokenAuthenticator(services), ciTokenAuthenticator(config().ciIssuers)],
    });
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
