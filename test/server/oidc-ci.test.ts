/**
 * CI identity from OIDC ID tokens, against a real local issuer: a discovery document and a JWKS
 * served on loopback, tokens signed with its key by `jose`. Every forgery a hurried or hostile
 * caller could try is refused with 401: expired, another audience, another issuer, an unknown key
 * id, `alg: none`, and HS256 "signed" with the issuer's public key.
 */
import { constants, createHmac, sign as cryptoSign, KeyObject } from 'node:crypto';
import { exportSPKI, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServerConfig } from '../../src/server/config.js';
import { sqliteBackend } from '../support/stores.js';
import {
  type MintOptions,
  type OidcIssuer,
  openCiServer,
  type SigningKey,
  startOidcIssuer,
  type TestServer,
} from './support.js';

let issuer: OidcIssuer;
let publicPem: string;
let otherKey: SigningKey;
let server: TestServer;
const ciYaml = () => `ciIssuers:
  - issuer: ${issuer.url}
    audience: tollgate
    rules:
      - match: { repository: shop/checkout, ref: refs/heads/main }
        principal: "github:{repository}"
        role: ci
        pipelines: [checkout]
        stages: [dev]
      - match: { repository: shop/checkout, environment: [prod, production] }
        principal: "github:{repository}@{environment}"
        role: ci
        pipelines: [checkout]
`;

beforeAll(async () => {
  issuer = await startOidcIssuer('RS256');
  publicPem = await exportSPKI(issuer.publicKey);
  otherKey = (await generateKeyPair('RS256')).privateKey;
  server = await openCiServer(sqliteBackend, ciYaml());
});
afterAll(async () => {
  await server.dispose();
  await issuer.close();
});

const CLAIMS = {
  repository: 'shop/checkout',
  ref: 'refs/heads/main',
  sub: 'repo:shop/checkout:ref:refs/heads/main',
};

const sign = (claims: Record<string, unknown> = CLAIMS, options: MintOptions = {}) =>
  issuer.mint(claims, options);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT signed by the issuer's key with whatever header, as jose will not sign (PS256 on an RS256 key, unknown crit). */
function signRaw(header: Record<string, unknown>, claims: Record<string, unknown> = payload()): string {
  const input = `${b64({ typ: 'JWT', ...header })}.${b64(claims)}`;
  const key = KeyObject.from(issuer.privateKey);
  const signature =
    header.alg === 'PS256'
      ? cryptoSign('sha256', Buffer.from(input), {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: 32,
        })
      : cryptoSign('sha256', Buffer.from(input), key);
  return `${input}.${signature.toString('base64url')}`;
}
const payload = () => ({
  ...CLAIMS,
  iss: issuer.url,
  aud: 'tollgate',
  iat: Math.floor(Date.now() / 1000),
  exp: Math.floor(Date.now() / 1000) + 600,
});

async function whoami(token: string) {
  const res = await server.call('GET', '/api/v1/whoami', token);
  return {
    status: res.status,
    body: (await res.json()) as { error: { code: string; message: string } } & Record<string, unknown>,
  };
}

describe('OIDC ID tokens from CI', () => {
  it('maps a genuine token to the principal and grant of the first matching rule', async () => {
    const answer = await whoami(await sign());
    expect(answer).toEqual({
      status: 200,
      body: {
        principal: 'github:shop/checkout',
        role: 'ci',
        pipelines: ['checkout'],
        stages: ['dev'],
        via: `oidc:${issuer.url}`,
      },
    });
    const prod = await whoami(await sign({ ...CLAIMS, ref: 'refs/tags/v1', environment: 'production' }));
    expect(prod.body.principal).toBe('github:shop/checkout@production');
    expect(prod.body.stages).toBeUndefined();
  });

  it('refuses every forgery with 401', async () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload())}.`;
    const hsHeader = b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' });
    const hsBody = b64(payload());
    const hs = `${hsHeader}.${hsBody}.${createHmac('sha256', publicPem).update(`${hsHeader}.${hsBody}`).digest('base64url')}`;
    const cases: Array<[string, string | Promise<string>, RegExp]> = [
      ['expired', sign(CLAIMS, { exp: Math.floor(Date.now() / 1000) - 3600 }), /expired/],
      // Minted for later (or by an issuer whose clock runs ahead): not a token of now.
      [
        'issued an hour from now',
        sign(CLAIMS, {
          iat: Math.floor(Date.now() / 1000) + 3600,
          exp: Math.floor(Date.now() / 1000) + 4200,
        }),
        /issued in the future/,
      ],
      ['another audience', sign(CLAIMS, { aud: 'someone-else' }), /another audience/],
      [
        'an issuer not configured',
        sign(CLAIMS, { iss: 'https://token.actions.githubusercontent.com' }),
        /not accepted/,
      ],
      ['an unknown key id', sign(CLAIMS, { kid: 'k2', key: otherKey }), /key id/],
      ['the right kid, another key', sign(CLAIMS, { key: otherKey }), /signature does not verify/],
      ['alg none', unsigned, /algorithm is not accepted|cannot be verified/],
      ['HS256 with the public key', hs, /algorithm is not accepted/],
      ['garbage', 'a.b.c', /not a readable JWT/],
      // Valid from an hour on: not a token of now, whatever its iat says.
      [
        'not valid before an hour from now',
        signRaw({ alg: 'RS256', kid: 'k1' }, { ...payload(), nbf: Math.floor(Date.now() / 1000) + 3600 }),
        /not valid yet/,
      ],
      // A critical header extension this server does not understand: the token means more than it can check.
      [
        'a critical extension header',
        signRaw({
          alg: 'RS256',
          kid: 'k1',
          crit: ['https://example.com/bound'],
          'https://example.com/bound': 'x',
        }),
        /cannot be verified \(Extension Header Parameter "https:\/\/example.com\/bound" is not recognized\)/,
      ],
      // The issuer's key k1 says RS256: the same RSA key under PS256 is not the key it published.
      [
        'the right kid under another algorithm than its key names',
        signRaw({ alg: 'PS256', kid: 'k1' }),
        /no key of the issuer's JWKS matches/,
      ],
      // Signed by the issuer for this audience, but not ID tokens: they say nobody signed in.
      [
        'an OAuth access token',
        signRaw({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' }),
        /typed "at\+jwt".*access token/,
      ],
      [
        'an OAuth access token, media type spelt out',
        signRaw({ alg: 'RS256', kid: 'k1', typ: 'application/at+JWT' }),
        /access token/,
      ],
      ['a logout token', signRaw({ alg: 'RS256', kid: 'k1', typ: 'logout+jwt' }), /not an ID token/],
    ];
    for (const [what, token, message] of cases) {
      const answer = await whoami(await token);
      expect(answer.status, what).toBe(401);
      expect(answer.body.error.code, what).toBe('UNAUTHENTICATED');
      expect(answer.body.error.message, what).toMatch(message);
    }
  });

  it('takes an ID token typed JWT in any case, or untyped, as jose signs it', async () => {
    for (const typ of ['JWT', 'jwt', 'application/jwt']) {
      const answer = await whoami(signRaw({ alg: 'RS256', kid: 'k1', typ }));
      expect(answer.status, typ).toBe(200);
      expect(answer.body.principal, typ).toBe('github:shop/checkout');
    }
  });

  it('refuses a token that lives longer than the issuer may mint, and one shared by several audiences but not issued to this server', async () => {
    const now = Math.floor(Date.now() / 1000);
    // A token minted to live a day is worth a day to whoever lifts it from a job log.
    const day = await whoami(await sign(CLAIMS, { iat: now, exp: now + 86_400 }));
    expect(day.status).toBe(401);
    expect(day.body.error.message).toMatch(/lives 1d \(exp - iat\), over the 1h this server accepts/);
    const hourAndMinute = await whoami(await sign(CLAIMS, { iat: now - 60, exp: now + 3_600 }));
    expect(hourAndMinute.status).toBe(401);
    expect(hourAndMinute.body.error.message).toMatch(/lives 1h1m/);
    expect((await whoami(await sign(CLAIMS, { iat: now, exp: now + 3_600 }))).status).toBe(200);

    // OpenID Connect Core 3.1.3.7: several audiences need an azp, and it must name this server.
    const shared = await whoami(await sign(CLAIMS, { aud: ['tollgate', 'other-service'] }));
    expect(shared.status).toBe(401);
    expect(shared.body.error.message).toMatch(/several audiences \(tollgate, other-service\) and has no azp/);
    const theirs = await whoami(
      await sign({ ...CLAIMS, azp: 'other-service' }, { aud: ['tollgate', 'other-service'] }),
    );
    expect(theirs.status).toBe(401);
    expect(theirs.body.error.message).toMatch(/issued to "other-service" \(azp\), not to this server/);
    const ours = await whoami(
      await sign({ ...CLAIMS, azp: 'tollgate' }, { aud: ['tollgate', 'other-service'] }),
    );
    expect(ours.status).toBe(200);
    // One audience: jose checks it; an azp beside it (a Google service account) is not ours to judge.
    expect((await whoami(await sign({ ...CLAIMS, azp: '1234567890' }))).status).toBe(200);
  });

  it('takes the longest token lifetime from the configuration, and says where one is not a duration', () => {
    const issuerYaml = (extra: string) =>
      `ciIssuers:\n  - issuer: https://gitlab.example.com\n    audience: tollgate\n${extra}    rules: [{ match: {}, principal: p, role: ci, pipelines: [a] }]\n`;
    expect(parseServerConfig(issuerYaml(''), 's.yaml').ciIssuers[0]!.maxTokenLifetime).toBe('1h');
    expect(
      parseServerConfig(issuerYaml('    maxTokenLifetime: 3h\n'), 's.yaml').ciIssuers[0]!.maxTokenLifetime,
    ).toBe('3h');
    expect(() => parseServerConfig(issuerYaml('    maxTokenLifetime: forever\n'), 's.yaml')).toThrow(
      /s\.yaml:4:\d+: ciIssuers\.0\.maxTokenLifetime: a duration such as 8h or 30m/,
    );
  });

  it('refuses a genuine token that no rule grants anything with 403, and keeps a rule to its stages', async () => {
    const other = await whoami(await sign({ ...CLAIMS, repository: 'shop/billing' }));
    expect(other.status).toBe(403);
    expect(other.body.error.message).toMatch(/no rule/);
    const token = await sign();
    const prod = await server.call('POST', '/api/v1/pipelines/checkout/stages/prod/promotions', token, {
      artifact: `sha256:${'ab'.repeat(32)}`,
    });
    expect(prod.status).toBe(403);
  });

  it('says where a server configuration is wrong', () => {
    expect(() =>
      parseServerConfig('ciIssuers:\n  - issuer: not a url\n    audience: x\n    rules: []\n', 's.yaml'),
    ).toThrow(/s\.yaml:2:\d+: ciIssuers\.0\.issuer/);
    expect(() =>
      parseServerConfig(
        `ciIssuers:\n  - issuer: ${'https://x.example'}\n    audience: x\n    algorithms: [HS256]\n    rules: [{ match: {}, principal: p, role: ci, pipelines: [a] }]\n`,
        's.yaml',
      ),
    ).toThrow(/algorithms\.0/);
  });

  it('refuses a rule on github.com or gitlab.com that does not fix the owner, since anybody there mints tokens for any audience', () => {
    const GITHUB = 'https://token.actions.githubusercontent.com';
    // The first rule fixes the owner on either issuer; the second is the one under test.
    const configWith = (issuerUrl: string, match: string) =>
      `ciIssuers:\n  - issuer: ${issuerUrl}\n    audience: tollgate\n    rules:\n      - match: { repository: shop/checkout, project_path: shop/checkout }\n        principal: ok\n        role: ci\n        pipelines: [checkout]\n      - match: ${match}\n        principal: p\n        role: ci\n        pipelines: [checkout]\n`;
    const refused: Array<[string, string]> = [
      [GITHUB, '{ ref: refs/heads/main }'],
      [GITHUB, '{}'],
      // A prefix: shop-evil/x and shopify/y too.
      [GITHUB, '{ repository: "shop*" }'],
      [GITHUB, '{ repository: "*/checkout" }'],
      [GITHUB, '{ repository_owner: "shop*" }'],
      [GITHUB, '{ repository: [shop/checkout, "*"] }'],
      [GITHUB, '{ sub: "repo:shop*" }'],
      // A custom subject made of what any repository can choose.
      [GITHUB, '{ sub: "environment:prod" }'],
      [GITHUB, '{ job_workflow_ref: "shop/workflows/.github/workflows/deploy.yml@refs/heads/main" }'],
      [`${GITHUB}/acme`, '{ environment: prod }'],
      ['https://gitlab.com', '{ project_path: "shop*", ref_protected: "true" }'],
      ['https://gitlab.com', '{ sub: "project_path:*" }'],
    ];
    for (const [issuerUrl, match] of refused) {
      expect(() => parseServerConfig(configWith(issuerUrl, match), 'server.yaml'), match).toThrow(
        /server\.yaml:9:\d+: ciIssuers\.0\.rules\.1\.match: .*mints tokens for anybody/,
      );
    }
    const accepted: Array<[string, string]> = [
      [GITHUB, '{ repository: shop/checkout, ref: refs/heads/main }'],
      [GITHUB, '{ repository: "shop/*", environment: prod }'],
      [GITHUB, '{ repository_owner: shop, ref: refs/heads/main }'],
      [GITHUB, '{ repository_owner_id: "1234" }'],
      [GITHUB, '{ sub: "repo:shop/checkout:*" }'],
      [GITHUB, '{ sub: "repository_owner_id:1234:*" }'],
      ['https://gitlab.com', '{ project_path: "shop/*", ref_protected: "true" }'],
      ['https://gitlab.com', '{ namespace_path: shop }'],
      // One organisation's own instance: whom it mints for is that organisation's business.
      ['https://gitlab.example.com', '{ project_path: "*" }'],
    ];
    for (const [issuerUrl, match] of accepted) {
      expect(
        parseServerConfig(configWith(issuerUrl, match), 'server.yaml').ciIssuers[0]!.rules,
        match,
      ).toHaveLength(2);
    }
  });

  it('refuses a sign-in rule on Google that does not fix the domain, since anybody with a Google account can sign in', () => {
    const loginWith = (issuerUrl: string, match: string) =>
      `login:\n  issuer: ${issuerUrl}\n  clientId: tollgate\n  redirectUri: https://tollgate.example.com/auth/callback\n  principalClaim: sub\n  rules:\n    - match: ${match}\n      role: approver\n      pipelines: [checkout]\n`;
    for (const match of [
      '{}',
      '{ email_verified: "true" }',
      '{ email: "*" }',
      '{ email: "*@*.example.com" }',
      '{ hd: "*" }',
    ])
      expect(
        () => parseServerConfig(loginWith('https://accounts.google.com', match), 'server.yaml'),
        match,
      ).toThrow(/server\.yaml:7:\d+: login\.rules\.0\.match: Google \(any Google account\) signs in anybody/);
    for (const match of ['{ hd: example.com }', '{ email: "*@example.com" }', '{ email: erin@example.com }'])
      expect(
        parseServerConfig(loginWith('https://accounts.google.com', match), 'server.yaml').login!.rules,
        match,
      ).toHaveLength(1);
    // A company's own provider: everyone who can sign in there is the company's business.
    expect(
      parseServerConfig(loginWith('https://sso.example.com', '{}'), 'server.yaml').login!.rules,
    ).toHaveLength(1);
  });

  it('checks a fresh ID token from a client out of failed authentications, since a job gets a new one each run', async () => {
    const limited = await openCiServer(sqliteBackend, ciYaml(), {
      rateLimit: { perMinute: 3000, burst: 600, authFailures: 2 },
    });
    try {
      const from = { incoming: { socket: { remoteAddress: '203.0.113.61' } } };
      const call = async (token: string) =>
        (await limited.app.request('/api/v1/whoami', { headers: { authorization: `Bearer ${token}` } }, from))
          .status;
      const guess = (n: number) => `tg_0123456789abcdef_${String(n).padStart(43, 'A')}`;
      expect(await call(guess(1))).toBe(401);
      expect(await call(guess(2))).toBe(401);
      expect(await call(guess(3))).toBe(429);
      // A CI job behind the same egress address presents a token minted for this run: no stored
      // secret is looked up for it, it cannot be guessed, and it is checked as always.
      expect(await call(await sign())).toBe(200);
      // A forged one is still refused, and counts.
      expect(await call(await sign(CLAIMS, { key: otherKey }))).toBe(401);
      expect(await call(guess(4))).toBe(429);
    } finally {
      await limited.dispose();
    }
  });
});
