/**
 * The API over a real store: each route answers exactly the document `tollgate VERB --json`
 * prints for the same verb (compared byte for byte with the built CLI on the same ledger), writes
 * record the principal the server authenticated at the server's clock, and bad input of every kind
 * gets the one error shape, the right status, and stores nothing.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/app/services.js';
import { validateContract } from '../../src/contract/load-contract.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import { queryValues } from '../../src/server/routes.js';
import { contractOf } from '../support/builders.js';
import { FIXTURES, fakeDigest, makeWorkspace, runCli } from '../support/cli.js';
import { BACKENDS, sqliteBackend } from '../support/stores.js';
import { BILLING, CHECKOUT, openTestServer, type TestServer } from './support.js';

const NOW = '2026-11-24T09:00:00.000Z';
const D = fakeDigest('server-api');
const CHECKOUT_YAML = `version: 1
pipeline: checkout
# A demo pipeline: the server's clock is fixed so the CLI and the API decide at one time.
demo: true
artifact: { type: oci }
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
      windows: { deny: [{ rrule: "FREQ=WEEKLY;BYDAY=FR;BYHOUR=15", duration: 65h, tz: Europe/Berlin }] }
`;
const PASSING = readFileSync(
  join(FIXTURES, 'junit/tests__utils__TEST-action.surefire.report.calc.AllOkTest.xml'),
);

let server: TestServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.dispose();
  server = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function upload(
  s: TestServer,
  path: string,
  token: string,
  body: RequestInit['body'],
  type: string,
  headers = {},
) {
  return Promise.resolve(
    s.app.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type, ...headers },
      body,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit),
  );
}

async function entries(store: LedgerStore, pipeline = 'checkout'): Promise<number> {
  return (await store.verify(pipeline)).entries;
}

describe.each(BACKENDS)('the API on $title', (backend) => {
  it('answers every read verb with the document the CLI prints, on the same ledger', async () => {
    const workspace = makeWorkspace(CHECKOUT_YAML);
    dirs.push(workspace);
    // As the CLI reads it from its working directory: `contract.file` is in the decision.
    const contract = validateContract(CHECKOUT_YAML, 'tollgate.yaml', workspace);
    server = await openTestServer(backend, { contracts: [contract], clock: fixedClock(new Date(NOW)) });
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['checkout'], principal: 'tester' });
    const approver = await s.token({ role: 'approver', pipelines: ['checkout'], principal: 'erin' });
    const base = '/api/v1/pipelines/checkout';

    const registered = await s.call('POST', `${base}/artifacts`, ci, {
      digest: D,
      labels: { version: '1.4.2' },
    });
    expect(registered.status).toBe(201);
    const tests = await upload(s, `${base}/artifacts/${D}/tests?suite=unit`, ci, PASSING, 'application/xml');
    expect(tests.status).toBe(201);
    expect(await tests.json()).toMatchObject({ suite: 'unit', tests: 1, passed: 1, failed: 0, stored: true });
    const promoted = await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: D });
    expect(promoted.status).toBe(201);
    // Entry 3 is the contract the pipeline's first promotion pins.
    expect(promoted.headers.get('tollgate-entry')).toMatch(/^4 sha256:[0-9a-f]{64}$/);
    const approved = await s.call('POST', `${base}/stages/prod/approvals`, approver, {
      artifact: D,
      decision: 'approve',
    });
    expect(approved.status).toBe(201);
    // The approval records the principal the server authenticated, whatever the body might say.
    expect(await approved.json()).toMatchObject({ recorded: true, actor: 'erin', decision: 'approve' });

    const cli = (...args: string[]) =>
      runCli([...args, '--json'], { cwd: workspace, env: { ...s.handle.env, TOLLGATE_NOW: NOW } });
    const reads: Array<[string, string[]]> = [
      [`${base}/status`, ['status']],
      [`${base}/stages/dev/promotions`, ['history', 'dev']],
      [`${base}/artifacts/${D}`, ['explain', D]],
      [`${base}/stages/prod/check?artifact=${D}`, ['check', 'prod', '--artifact', D]],
      [`${base}/stages/prod/windows?days=3`, ['windows', 'prod', '--days', '3']],
      [`${base}/ledger/verify`, ['ledger', 'verify']],
    ];
    for (const [path, args] of reads) {
      const answer = await s.call('GET', path, ci);
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      const local = await cli(...args);
      expect(local.stderr, args.join(' ')).toBe('');
      expect(await answer.text(), args.join(' ')).toBe(local.stdout);
    }
  });

  it('records what the server authenticated, at its clock; --as and --now only for demo pipelines', async () => {
    // The server's real clock: a recording act outside a demo pipeline never runs at a set one.
    server = await openTestServer(backend, { demoPipelines: ['billing'] });
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['checkout', 'billing'], principal: 'ci-bot' });
    const before = await entries(s.handle.store);
    const headers: Array<Record<string, string>> = [
      { 'tollgate-as': 'erin' },
      { 'tollgate-now': '2030-01-01T00:00:00Z' },
    ];
    for (const header of headers) {
      const refused = await s.call('POST', '/api/v1/pipelines/checkout/artifacts', ci, { digest: D }, header);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual({
        error: {
          code: 'NOT_ALLOWED',
          // It says how a pipeline gets into demo mode, not only that it is not in it.
          message: expect.stringContaining(
            'unless pipeline checkout is in demo mode (an operator starts the server with `--demo checkout`, and its contract declares `demo: true`)',
          ),
        },
      });
    }
    expect(await entries(s.handle.store)).toBe(before);

    const sent = Date.now();
    const plain = await s.call('POST', '/api/v1/pipelines/checkout/artifacts', ci, { digest: D });
    const { registeredAt } = (await plain.json()) as { registeredAt: string };
    expect(Date.parse(registeredAt)).toBeGreaterThanOrEqual(sent - 1000);
    expect(Date.parse(registeredAt)).toBeLessThanOrEqual(Date.now());
    const [entry] = await s.handle.store.entriesForArtifact('checkout', D);
    expect(entry).toMatchObject({ actor: 'ci-bot', at: registeredAt });
    expect(entry?.payload.clockSet).toBeUndefined();

    const demo = await s.call(
      'POST',
      '/api/v1/pipelines/billing/artifacts',
      ci,
      { digest: D },
      {
        'tollgate-as': 'dana',
        'tollgate-now': '2030-01-01T00:00:00Z',
      },
    );
    expect(demo.status).toBe(201);
    const [demoEntry] = await s.handle.store.entriesForArtifact('billing', D);
    expect(demoEntry).toMatchObject({ actor: 'dana', at: '2030-01-01T00:00:00.000Z' });
    expect(demoEntry?.payload.clockSet).toBe(true);
  });
});

describe('bad input gets one error shape, the right status, and stores nothing', () => {
  it('refuses missing, malformed, forged, expired and revoked credentials with 401', async () => {
    server = await openTestServer(sqliteBackend);
    const s = server;
    const good = await s.token({ role: 'admin', pipelines: ['*'] });
    const [, id] = /^tg_([a-z0-9]{16})_/.exec(good)!;
    const forged = `tg_${id}_${'A'.repeat(43)}`;
    const expired = (
      await (
        await import('../../src/app/tokens.js')
      ).createToken(
        s.services,
        { role: 'admin', pipelines: ['*'], expiresIn: '1h' },
        'test',
        new Date(Date.now() - 2 * 3_600_000),
      )
    ).token;
    const revoked = await s.token({ role: 'admin', pipelines: ['*'] });
    const revokedId = /^tg_([a-z0-9]{16})_/.exec(revoked)![1]!;
    expect((await s.call('DELETE', `/api/v1/tokens/${revokedId}`, good)).status).toBe(200);

    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['none', {}, /needs a credential/],
      ['not bearer', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, /Bearer/],
      ['malformed', { authorization: 'Bearer tg_short' }, /malformed/],
      ['forged secret', { authorization: `Bearer ${forged}` }, /not valid/],
      ['unknown id', { authorization: `Bearer tg_${'0'.repeat(16)}_${'A'.repeat(43)}` }, /not valid/],
      ['expired', { authorization: `Bearer ${expired}` }, /expired at/],
      ['revoked', { authorization: `Bearer ${revoked}` }, /revoked at/],
      ['not a token at all', { authorization: 'Bearer hello' }, /neither an API token nor an ID token/],
    ];
    for (const [what, headers, message] of cases) {
      const res = await s.app.request('/api/v1/pipelines/checkout/status', { headers });
      expect(res.status, what).toBe(401);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code, what).toBe('UNAUTHENTICATED');
      expect(body.error.message, what).toMatch(message);
      // A token is never echoed back.
      expect(body.error.message).not.toContain('A'.repeat(43));
    }
    expect((await s.call('GET', '/api/v1/pipelines/checkout/status', good)).status).toBe(200);
  });

  it('answers malformed JSON, wrong types, oversize bodies, traversal and unknown routes clearly', async () => {
    server = await openTestServer(sqliteBackend, { maxEvidenceBytes: 4096, maxJsonBytes: 2048 });
    const s = server;
    const admin = await s.token({ role: 'admin', pipelines: ['*'], principal: 'root' });
    const billingCi = await s.token({ role: 'ci', pipelines: ['billing'] });
    const base = '/api/v1/pipelines/checkout';
    expect((await s.call('POST', `${base}/artifacts`, admin, { digest: D })).status).toBe(201);
    const stored = await entries(s.handle.store);

    const big = Buffer.from(
      `<testsuite name="big" tests="200">${'<testcase name="a-rather-long-test-case-name"/>'.repeat(200)}</testsuite>`,
    );
    const chunked = () =>
      new ReadableStream({
        start(controller) {
          for (let i = 0; i < big.length; i += 1000) controller.enqueue(big.subarray(i, i + 1000));
          controller.close();
        },
      });
    const cases: Array<[string, () => Promise<Response>, number, string]> = [
      ['malformed JSON', () => s.call('POST', `${base}/artifacts`, admin, '{"digest": '), 400, 'USAGE'],
      [
        'a field of the wrong type',
        () => s.call('POST', `${base}/artifacts`, admin, { digest: 42 }),
        400,
        'USAGE',
      ],
      [
        'an unknown field',
        () => s.call('POST', `${base}/artifacts`, admin, { digest: D, as: 'erin' }),
        400,
        'USAGE',
      ],
      [
        'JSON sent as text',
        () =>
          s.call('POST', `${base}/artifacts`, admin, JSON.stringify({ digest: D }), {
            'content-type': 'text/plain',
          }),
        415,
        'MEDIA_TYPE_UNSUPPORTED',
      ],
      [
        'JUnit sent as JSON',
        () => upload(s, `${base}/artifacts/${D}/tests?suite=unit`, admin, big, 'application/json'),
        415,
        'MEDIA_TYPE_UNSUPPORTED',
      ],
      [
        'an oversize report with its length',
        () => upload(s, `${base}/artifacts/${D}/tests?suite=unit`, admin, big, 'application/xml'),
        413,
        'EVIDENCE_TOO_LARGE',
      ],
      [
        'an oversize report, chunked',
        () => upload(s, `${base}/artifacts/${D}/tests?suite=unit`, admin, chunked(), 'application/xml'),
        413,
        'EVIDENCE_TOO_LARGE',
      ],
      [
        'an oversize SBOM',
        () =>
          upload(
            s,
            `${base}/artifacts/${D}/evidence?kind=sbom`,
            admin,
            Buffer.alloc(5000, 32),
            'application/json',
          ),
        413,
        'EVIDENCE_TOO_LARGE',
      ],
      [
        'an oversize JSON body',
        () => s.call('POST', `${base}/artifacts`, admin, { digest: D, labels: { a: 'x'.repeat(3000) } }),
        413,
        'BODY_TOO_LARGE',
      ],
      [
        'a broken report',
        () =>
          upload(
            s,
            `${base}/artifacts/${D}/tests?suite=unit`,
            admin,
            '<testsuite><testcase',
            'application/xml',
          ),
        422,
        'EVIDENCE_INVALID',
      ],
      [
        'a traversing pipeline name',
        () => s.call('GET', '/api/v1/pipelines/..%2F..%2Fetc%2Fpasswd/status', admin),
        400,
        'USAGE',
      ],
      [
        'a traversing stage name',
        () => s.call('GET', `${base}/stages/..%2Fprod/check?artifact=${D}`, admin),
        400,
        'USAGE',
      ],
      [
        'a pipeline the server does not hold',
        () => s.call('GET', '/api/v1/pipelines/nope/status', admin),
        404,
        'CONTRACT_NOT_FOUND',
      ],
      [
        'a stage the contract does not have',
        () => s.call('GET', `${base}/stages/qa/check?artifact=${D}`, admin),
        404,
        'STAGE_UNKNOWN',
      ],
      [
        'an unregistered artifact',
        () => s.call('GET', `${base}/stages/dev/check?artifact=${fakeDigest('nope')}`, admin),
        404,
        'ARTIFACT_NOT_FOUND',
      ],
      [
        'a bad digest',
        () => s.call('GET', `${base}/stages/dev/check?artifact=sha256:xyz`, admin),
        400,
        'USAGE',
      ],
      ['an unknown route', () => s.call('GET', '/api/v1/nothing-here', admin), 404, 'NOT_FOUND'],
      ['an unknown route outside the API', () => s.call('GET', '/etc/passwd', undefined), 404, 'NOT_FOUND'],
      [
        "another pipeline's token",
        () => s.call('POST', `${base}/stages/dev/promotions`, billingCi, { artifact: D }),
        403,
        'NOT_ALLOWED',
      ],
    ];
    for (const [what, send, status, code] of cases) {
      const res = await send();
      expect(res.status, what).toBe(status);
      expect(res.headers.get('content-type'), what).toMatch(/^application\/json/);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(Object.keys(body), what).toEqual(['error']);
      expect(body.error.code, what).toBe(code);
      expect(body.error.message.length, what).toBeGreaterThan(10);
    }
    // Nothing was stored by any of them, and the server still serves.
    expect(await entries(s.handle.store)).toBe(stored);
    expect(await s.handle.store.listEvidence('checkout', D)).toEqual([]);
    expect((await s.call('GET', `${base}/status`, admin)).status).toBe(200);
    expect((await s.app.request('/healthz')).status).toBe(200);
  });

  it('says which part of the path or query is wrong, the query first, a repeated key refused', async () => {
    server = await openTestServer(sqliteBackend);
    const s = server;
    const admin = await s.token({ role: 'admin', pipelines: ['*'] });
    const base = '/api/v1/pipelines/checkout';
    const message = async (path: string) => {
      const res = await s.call('GET', path, admin);
      expect(res.status, path).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code, path).toBe('USAGE');
      return body.error.message;
    };
    expect(await message(`${base}/stages/dev/check?artifact=sha256:xyz`)).toBe(
      'the request is not valid: query.artifact: an artifact digest: sha256: and 64 lower-case hex digits, or sha512: and 128',
    );
    expect(await message(`${base}/stages/Dev/check?artifact=${D}`)).toBe(
      'the request is not valid: param.stage: a stage name: lower-case letters, digits, ".", "_" or "-", at most 128 characters',
    );
    expect(await message(`${base}/stages/Dev/check?artifact=nope`)).toMatch(
      /^the request is not valid: query\.artifact: /,
    );
    expect(await message(`${base}/stages/dev/check?artifact=${D}&artifact=${D}`)).toMatch(
      /^the request is not valid: query\.artifact: .*expected string, received array/i,
    );
    expect((await s.call('GET', `${base}/stages/dev/check?artifact=${D}`, admin)).status).not.toBe(400);
    // Percent-encoded as a client's URL encoder writes it: the same digest.
    const encoded = `${base}/stages/dev/check?artifact=${encodeURIComponent(D)}`;
    expect(encoded).toContain('%3A');
    expect((await s.call('GET', encoded, admin)).status).not.toBe(400);
  });

  it('reads a query as forms are decoded, every repeat kept, no key able to reach a prototype', () => {
    const q = queryValues('http://h/p?a=1&b=x+y%2Bz&a=2&flag&a=3&=empty&%C3%A9t%C3%A9=%E2%9C%93&__proto__=p');
    expect(q).toEqual({
      a: ['1', '2', '3'],
      b: 'x y+z',
      flag: '',
      '': 'empty',
      été: '✓',
      ['__proto__']: 'p',
    });
    expect(Object.hasOwn(q, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(q)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).p).toBeUndefined();
    expect(queryValues('http://h/p')).toEqual({});
    expect(queryValues('http://h/p?')).toEqual({});
    // A bad escape is kept as it was written (and then refused by the schema that reads it).
    expect(queryValues('http://h/p?artifact=%zz')).toEqual({ artifact: '%zz' });
    // As many repeats as a request line can hold, all kept in order.
    const many = Array.from({ length: 4000 }, (_, i) => `a=${i}`).join('&');
    expect(queryValues(`http://h/p?${many}`).a).toEqual(Array.from({ length: 4000 }, (_, i) => String(i)));
  });
});

describe('API tokens', () => {
  it('are made and revoked by admins of the pipelines they cover, shown once and stored hashed', async () => {
    server = await openTestServer(sqliteBackend, { contracts: [CHECKOUT, BILLING] });
    const s = server;
    const root = await s.token({ role: 'admin', pipelines: ['*'], principal: 'root' });
    const checkoutAdmin = await s.token({ role: 'admin', pipelines: ['checkout'], principal: 'carol' });

    const made = await s.call('POST', '/api/v1/tokens', checkoutAdmin, {
      role: 'ci',
      pipelines: ['checkout'],
      stages: ['dev'],
    });
    expect(made.status).toBe(201);
    const created = (await made.json()) as {
      token: string;
      id: string;
      principal: string;
      createdBy: string;
    };
    expect(created).toMatchObject({ principal: 'ci-checkout', createdBy: 'carol' });
    const found = await s.handle.store.tokens.find(created.id);
    expect(found?.secretHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(JSON.stringify(found)).not.toContain(created.token.slice(20));

    // The new token works, within its stages only.
    const whoami = await s.call('GET', '/api/v1/whoami', created.token);
    expect(await whoami.json()).toEqual({
      principal: 'ci-checkout',
      role: 'ci',
      pipelines: ['checkout'],
      stages: ['dev'],
      via: `token:${created.id}`,
    });
    const prod = await s.call('POST', '/api/v1/pipelines/checkout/stages/prod/promotions', created.token, {
      artifact: D,
    });
    expect(prod.status).toBe(403);

    // A pipeline admin cannot reach beyond its pipelines.
    for (const pipelines of [['billing'], ['*']]) {
      const beyond = await s.call('POST', '/api/v1/tokens', checkoutAdmin, { role: 'admin', pipelines });
      expect(beyond.status).toBe(403);
    }
    const listed = (await (await s.call('GET', '/api/v1/tokens', root)).json()) as Array<
      Record<string, unknown>
    >;
    expect(listed).toHaveLength(3);
    for (const row of listed) expect(Object.keys(row)).not.toContain('token');

    expect((await s.call('DELETE', `/api/v1/tokens/${created.id}`, checkoutAdmin)).status).toBe(200);
    expect((await s.call('GET', '/api/v1/whoami', created.token)).status).toBe(401);
  });

  it('never cover more than their maker: an admin of some stages makes and revokes tokens of those stages only', async () => {
    server = await openTestServer(sqliteBackend);
    const s = server;
    const devAdmin = await s.token({
      role: 'admin',
      pipelines: ['checkout'],
      stages: ['dev'],
      principal: 'dev-lead',
    });
    const prodApprover = await s.token({ role: 'approver', pipelines: ['checkout'], stages: ['prod'] });
    const before = (await s.handle.store.tokens.list()).length;
    // An admin of dev making itself an admin of every stage, or an approver of prod: refused.
    for (const [beyond, body] of [
      ['every stage', { role: 'admin', pipelines: ['checkout'] }],
      ['prod', { role: 'approver', pipelines: ['checkout'], stages: ['prod'] }],
      ['prod', { role: 'ci', pipelines: ['checkout'], stages: ['dev', 'prod'] }],
    ] as const) {
      const refused = await s.call('POST', '/api/v1/tokens', devAdmin, body);
      expect(refused.status, JSON.stringify(body)).toBe(403);
      expect(await refused.text()).toContain(`manages tokens only for stages dev, not for ${beyond}`);
    }
    expect((await s.handle.store.tokens.list()).length).toBe(before);
    const ci = await s.call('POST', '/api/v1/tokens', devAdmin, {
      role: 'ci',
      pipelines: ['checkout'],
      stages: ['dev'],
    });
    expect(ci.status).toBe(201);
    const { id } = (await ci.json()) as { id: string };
    // Nor can it take away a credential of a stage it does not cover.
    const prodId = /^tg_([a-z0-9]{16})_/.exec(prodApprover)![1]!;
    expect((await s.call('DELETE', `/api/v1/tokens/${prodId}`, devAdmin)).status).toBe(404);
    expect((await s.call('GET', '/api/v1/whoami', prodApprover)).status).toBe(200);
    expect((await s.call('DELETE', `/api/v1/tokens/${id}`, devAdmin)).status).toBe(200);
  });

  it('are never made over the API in the name of someone a contract names, unless by that person', async () => {
    const shop = contractOf(`version: 1
pipeline: shop
artifact: { type: oci }
admins: [root]
groups: { release: [rita] }
overrides:
  - { by: [root], gates: [approvals] }
stages:
  dev: { purpose: dev }
  prod:
    purpose: live
    from: dev
    requires:
      approvals: { count: 1, from: [group:release, Paul] }
`);
    server = await openTestServer(sqliteBackend, { contracts: [shop, CHECKOUT] });
    const s = server;
    const mallory = await s.token({ role: 'admin', pipelines: ['shop', 'checkout'], principal: 'mallory' });
    const root = await s.token({ role: 'admin', pipelines: ['shop'], principal: 'Root' });
    const before = (await s.handle.store.tokens.list()).length;
    // A pipeline admin the contract does not name, making itself root (who may override and change
    // the contract) or an approver (directly, through a group, by another spelling): refused.
    for (const [principal, role] of [
      ['root', 'admin'],
      ['ROOT', 'admin'],
      ['rita', 'approver'],
      ['paul', 'approver'],
      ['ｐａｕｌ', 'approver'],
    ]) {
      const refused = await s.call('POST', '/api/v1/tokens', mallory, {
        role,
        pipelines: ['shop'],
        principal,
      });
      expect(refused.status, principal).toBe(403);
      expect(await refused.text(), principal).toContain('the contract of shop names');
    }
    expect((await s.handle.store.tokens.list()).length).toBe(before);
    // The same names where no contract names them, root's own, and a name nobody holds: made.
    const made = async (token: string, body: Record<string, unknown>) =>
      (await s.call('POST', '/api/v1/tokens', token, body)).status;
    expect(await made(mallory, { role: 'approver', pipelines: ['checkout'], principal: 'paul' })).toBe(201);
    expect(
      await made(root, { role: 'admin', pipelines: ['shop'], stages: ['prod'], principal: 'root' }),
    ).toBe(201);
    expect(await made(mallory, { role: 'ci', pipelines: ['shop'], principal: 'shop-ci' })).toBe(201);
    // A name no request could be made with is refused when made, not at every request after.
    const hidden = await s.call('POST', '/api/v1/tokens', mallory, {
      role: 'ci',
      pipelines: ['shop'],
      principal: 'p\u0430ul',
    });
    expect(hidden.status).toBe(400);
    expect(((await hidden.json()) as { error: { code: string } }).error.code).toBe('NAME_INVALID');
    // Its secret is shown once and never kept, so an Idempotency-Key (a promise to replay) is refused.
    const keyed = await s.call(
      'POST',
      '/api/v1/tokens',
      mallory,
      { role: 'ci', pipelines: ['shop'], principal: 'shop-ci-2' },
      { 'idempotency-key': 'token-1' },
    );
    expect(keyed.status).toBe(400);
    expect(await keyed.text()).toContain('takes no Idempotency-Key');
  });

  it('are made by the operator on the database with `tollgate token create`', async () => {
    const workspace = makeWorkspace(CHECKOUT_YAML);
    dirs.push(workspace);
    const env = { TOLLGATE_DATA_DIR: join(workspace, 'state') };
    const made = await runCli(
      [
        'token',
        'create',
        '--role',
        'approver',
        '--pipeline',
        'checkout',
        '--stage',
        'prod',
        '--name',
        'erin',
        '--expires',
        '7d',
        '--json',
      ],
      { cwd: workspace, env },
    );
    expect(made.code, made.stderr).toBe(0);
    const document = JSON.parse(made.stdout) as {
      token: string;
      id: string;
      createdBy: string;
      expiresAt: string;
    };
    expect(document.token).toMatch(/^tg_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
    expect(document.createdBy).toBe('tester');
    const plain = await runCli(['token', 'create', '--role', 'ci', '--pipeline', 'checkout'], {
      cwd: workspace,
      env,
    });
    expect(plain.stdout.trim()).toMatch(/^tg_/);
    expect(plain.stderr).toMatch(/shown only now/);
    const bad = await runCli(['token', 'create', '--role', 'owner', '--pipeline', 'checkout'], {
      cwd: workspace,
      env,
    });
    expect(bad.code).toBe(3);
    // The CLI names its flags; the server says the same in domain words (role, pipeline, token lifetime).
    expect(bad.stderr).toMatch(/--role "owner": expected one of reader, ci, approver, admin/);
    const noPipeline = await runCli(['token', 'create', '--role', 'ci'], { cwd: workspace, env });
    expect(noPipeline.code).toBe(3);
    expect(noPipeline.stderr).toContain(
      'a token needs at least one --pipeline NAME (or * for every pipeline)',
    );
    const tooLong = await runCli(
      ['token', 'create', '--role', 'ci', '--pipeline', 'checkout', '--expires', '400d'],
      {
        cwd: workspace,
        env,
      },
    );
    expect(tooLong.code).toBe(3);
    expect(tooLong.stderr).toMatch(/--expires "400d": expected a duration of at most 366d/);

    const listed = await runCli(['token', 'list', '--json'], { cwd: workspace, env });
    expect((JSON.parse(listed.stdout) as unknown[]).length).toBe(2);
    expect(listed.stdout).not.toContain(document.token);
    const revoked = await runCli(['token', 'revoke', document.id], { cwd: workspace, env });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(/^revoked .* erin {2}approver/);
    writeFileSync(join(workspace, 'unused'), '');
  });
});
