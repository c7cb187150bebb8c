/**
 * Separation of duties over HTTP, with the requests an attacker would make: a credential bound to
 * some stages cannot produce the evidence another stage's gate asks for, one person holding
 * several tokens is one approver, a gate is overridden only by whom the contract names (and the
 * ledger names whoever the server authenticated), and a rollback is recorded as its caller's.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { contractOf } from '../support/builders.js';
import { FIXTURES, fakeDigest, junit } from '../support/cli.js';
import { BACKENDS, type Backend, sqliteBackend } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

const SHOP = contractOf(`version: 1
pipeline: shop
artifact: { type: oci }
admins: [root]
overrides:
  - { by: [root], gates: [approvals] }
stages:
  dev: { purpose: unit tests }
  staging:
    purpose: end-to-end tests
    from: dev
    requires:
      tests: [{ suite: e2e, in: staging }]
  prod:
    purpose: live
    from: staging
    requires:
      verifiedIn: [staging]
      approvals: { count: 2, notBy: [promoter] }
`);
const base = '/api/v1/pipelines/shop';
const CDEVENT = readFileSync(join(FIXTURES, 'cdevents/conformance/testsuiterun_finished.json'), 'utf8');

let server: TestServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

function upload(s: TestServer, path: string, token: string, body: string, type: string) {
  return Promise.resolve(
    s.app.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body,
    }),
  );
}

async function errorOf(answer: Response): Promise<{ code: string; message: string }> {
  return ((await answer.json()) as { error: { code: string; message: string } }).error;
}

describe('separation of duties over HTTP', () => {
  it('a credential bound to dev cannot record what a gate asks of staging: results in it, its verification, its events', async () => {
    server = await openTestServer(sqliteBackend, { contracts: [SHOP] });
    const s = server;
    const devCi = await s.token({ role: 'ci', pipelines: ['shop'], stages: ['dev'], principal: 'ci-dev' });
    const stagingCi = await s.token({
      role: 'ci',
      pipelines: ['shop'],
      stages: ['staging'],
      principal: 'ci-staging',
    });
    const D = fakeDigest('stage-bound');
    expect((await s.call('POST', `${base}/artifacts`, devCi, { digest: D })).status).toBe(201);
    expect((await s.call('POST', `${base}/stages/dev/promotions`, devCi, { artifact: D })).status).toBe(201);
    const head = await s.handle.store.head('shop');

    const attempts: Array<[string, () => Promise<Response>]> = [
      [
        'e2e results "in staging"',
        () =>
          upload(
            s,
            `${base}/artifacts/${D}/tests?suite=e2e&in=staging`,
            devCi,
            junit(['pass'], 'e2e'),
            'application/xml',
          ),
      ],
      [
        'a CDEvent whose environment is staging',
        () =>
          upload(
            s,
            `${base}/artifacts/${D}/cdevents?suite=e2e`,
            devCi,
            CDEVENT.replace('"id": "dev"', '"id": "staging"'),
            'application/json',
          ),
      ],
    ];
    for (const [what, send] of attempts) {
      const refused = await send();
      expect(refused.status, what).toBe(403);
      expect((await errorOf(refused)).message, what).toBe(
        'this credential may attest only in dev, not in staging',
      );
    }
    expect(await s.handle.store.head('shop')).toBe(head);
    expect(await s.handle.store.listEvidence('shop', D)).toEqual([]);

    // Evidence about the artifact itself, or produced in its own stage, stays its to record.
    expect(
      (
        await upload(
          s,
          `${base}/artifacts/${D}/tests?suite=unit`,
          devCi,
          junit(['pass'], 'unit'),
          'application/xml',
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await upload(
          s,
          `${base}/artifacts/${D}/tests?suite=e2e&in=staging`,
          stagingCi,
          junit(['pass'], 'e2e'),
          'application/xml',
        )
      ).status,
    ).toBe(201);
    expect(
      (await s.call('POST', `${base}/stages/staging/promotions`, stagingCi, { artifact: D })).status,
    ).toBe(201);
    // prod asks for a passing verification in staging: only a credential of staging gives it.
    const verification = { stage: 'staging', result: 'passed' };
    const forged = await s.call('POST', `${base}/artifacts/${D}/verifications`, devCi, verification);
    expect(forged.status).toBe(403);
    const check = async () =>
      (
        (await (await s.call('GET', `${base}/stages/prod/check?artifact=${D}`, devCi)).json()) as {
          gates: Array<{ gate: string; status: string }>;
        }
      ).gates.find((g) => g.gate === 'verifiedIn')?.status;
    expect(await check()).not.toBe('pass');
    expect(
      (await s.call('POST', `${base}/artifacts/${D}/verifications`, stagingCi, verification)).status,
    ).toBe(201);
    expect(await check()).toBe('pass');
  });

  it('one person holding several tokens is one approver, however the name is spelled', async () => {
    server = await openTestServer(sqliteBackend, { contracts: [SHOP] });
    const s = server;
    const root = await s.token({ role: 'admin', pipelines: ['shop'], principal: 'root' });
    const D = fakeDigest('one-person');
    expect((await s.call('POST', `${base}/artifacts`, root, { digest: D })).status).toBe(201);
    const answers = [];
    for (const name of ['Alice', 'alice', 'ＡＬＩＣＥ']) {
      const token = await s.token({ role: 'approver', pipelines: ['shop'], principal: name });
      const answer = await s.call('POST', `${base}/stages/prod/approvals`, token, {
        artifact: D,
        decision: 'approve',
      });
      answers.push([answer.status, ((await answer.json()) as { actor: string }).actor]);
    }
    expect(answers).toEqual([
      [201, 'alice'],
      [200, 'alice'],
      [200, 'alice'],
    ]);
    const approvals = await s.handle.store.entriesForStage('shop', 'prod', ['approval']);
    expect(approvals.map((e) => e.actor)).toEqual(['alice']);
    const check = (await (await s.call('GET', `${base}/stages/prod/check?artifact=${D}`, root)).json()) as {
      gates: Array<{ gate: string; summary: string }>;
    };
    expect(check.gates.find((g) => g.gate === 'approvals')?.summary).toMatch(/^1 of 2 approvals/);
  });

  it('only whom the contract names overrides a gate, and the ledger names whoever the server authenticated', async () => {
    server = await openTestServer(sqliteBackend, { contracts: [SHOP] });
    const s = server;
    const root = await s.token({ role: 'admin', pipelines: ['shop'], principal: 'root' });
    const mallory = await s.token({ role: 'admin', pipelines: ['shop'], principal: 'mallory' });
    const ci = await s.token({ role: 'ci', pipelines: ['shop'], principal: 'ci-bot' });
    const D = fakeDigest('overrides');
    // Everything prod asks for but its two approvals.
    expect((await s.call('POST', `${base}/artifacts`, ci, { digest: D })).status).toBe(201);
    const e2e = junit(['pass'], 'e2e');
    expect(
      (await upload(s, `${base}/artifacts/${D}/tests?suite=e2e&in=staging`, ci, e2e, 'application/xml'))
        .status,
    ).toBe(201);
    for (const stage of ['dev', 'staging'])
      expect((await s.call('POST', `${base}/stages/${stage}/promotions`, ci, { artifact: D })).status).toBe(
        201,
      );
    const verified = { stage: 'staging', result: 'passed' };
    expect((await s.call('POST', `${base}/artifacts/${D}/verifications`, ci, verified)).status).toBe(201);
    const prod = `${base}/stages/prod/promotions`;
    const override = { artifact: D, overrides: ['approvals'], reason: 'hotfix INC-42' };
    for (const [who, token, message] of [
      ['ci', ci, 'the role ci may not override: that needs admin'],
      [
        'mallory',
        mallory,
        'mallory may not override gate "approvals" in stage prod; the contract allows: root',
      ],
    ] as const) {
      const refused = await s.call('POST', prod, token, override);
      expect(refused.status, who).toBe(403);
      expect((await errorOf(refused)).message, who).toContain(message);
    }
    // A body cannot name the actor; an override needs its reason.
    expect((await s.call('POST', prod, mallory, { ...override, actor: 'root' })).status).toBe(400);
    expect((await s.call('POST', prod, root, { artifact: D, overrides: ['approvals'] })).status).toBe(400);
    expect(await s.handle.store.entriesForStage('shop', 'prod', ['promotion'])).toEqual([]);

    const allowed = await s.call('POST', prod, root, override);
    expect(allowed.status).toBe(201);
    const [entry] = await s.handle.store.entriesForStage('shop', 'prod', ['promotion']);
    expect(entry?.actor).toBe('root');
    expect(entry?.payload.overrides).toEqual([{ gate: 'approvals', reason: 'hotfix INC-42', actor: 'root' }]);
  });

  it('a rollback is recorded as its caller, an approver may not roll back, and no body names someone else', async () => {
    server = await openTestServer(sqliteBackend, { contracts: [SHOP] });
    const s = server;
    const ci = await s.token({ role: 'ci', pipelines: ['shop'], principal: 'ci-bot' });
    const approver = await s.token({ role: 'approver', pipelines: ['shop'], principal: 'erin' });
    for (const seed of ['good-one', 'bad-two1']) {
      const digest = fakeDigest(seed);
      expect((await s.call('POST', `${base}/artifacts`, ci, { digest })).status).toBe(201);
      expect((await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: digest })).status).toBe(
        201,
      );
    }
    expect((await s.call('POST', `${base}/stages/dev/rollbacks`, approver, { reason: 'bad' })).status).toBe(
      403,
    );
    expect(
      (await s.call('POST', `${base}/stages/dev/rollbacks`, ci, { reason: 'bad', actor: 'erin' })).status,
    ).toBe(400);
    expect((await s.call('POST', `${base}/stages/dev/rollbacks`, ci, { reason: 'INC-7' })).status).toBe(201);
    const [rollback] = await s.handle.store.entriesForStage('shop', 'dev', ['rollback']);
    expect(rollback).toMatchObject({ actor: 'ci-bot', artifact: fakeDigest('bad-two1') });
  });
});

const TEAM_V1 = `version: 1
pipeline: shop
artifact: { type: oci }
admins: [root, boss]
stages:
  dev: { purpose: unit tests }
  prod:
    purpose: live
    from: dev
    requires:
      approvals: { count: 1, from: [lead] }
`;
const YAML = { 'content-type': 'application/yaml' };
const TEAM_V2 = TEAM_V1.replace('from: [lead]', 'from: [lead, erin]');

/** A server on TEAM_V1 with API tokens for root and mallory (admins of shop) and ci-bot (ci). */
async function openTeam(backend: Backend) {
  server = await openTestServer(backend, { contracts: [contractOf(TEAM_V1)] });
  const s = server;
  const root = await s.token({ role: 'admin', pipelines: ['shop'], principal: 'root' });
  const mallory = await s.token({ role: 'admin', pipelines: ['shop'], principal: 'mallory' });
  const ci = await s.token({ role: 'ci', pipelines: ['shop'], principal: 'ci-bot' });
  return { s, root, mallory, ci };
}

/** Registers `digest` and promotes it into dev as `ci`. */
async function inDev(s: TestServer, ci: string, digest: string): Promise<void> {
  expect((await s.call('POST', `${base}/artifacts`, ci, { digest })).status).toBe(201);
  expect((await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: digest })).status).toBe(201);
}

describe.each(BACKENDS)(
  'a token made over the API in a name the contract comes to give a standing to ($title)',
  (backend) => {
    it('acts for nobody once the contract names that person; a token of their own still acts', async () => {
      const { s, root, mallory, ci } = await openTeam(backend);
      // Today nobody called erin has a standing: mallory, an admin of the pipeline, may make the token.
      const made = await s.call('POST', '/api/v1/tokens', mallory, {
        role: 'approver',
        pipelines: ['shop'],
        principal: 'erin',
      });
      expect(made.status).toBe(201);
      const forged = (await made.json()) as { token: string; createdBy: string; madeVia?: string };
      expect(forged).toMatchObject({ createdBy: 'mallory', madeVia: 'api' });
      const D = fakeDigest('made-in-her-name');
      await inDev(s, ci, D);

      // Then the admins make erin an approver of prod.
      const pushed = await s.call('PUT', `${base}/contract`, root, TEAM_V2, YAML);
      expect(pushed.status).toBe(201);
      const head = await s.handle.store.head('shop');
      const refused = await s.call('POST', `${base}/stages/prod/approvals`, forged.token, {
        artifact: D,
        decision: 'approve',
      });
      expect(refused.status).toBe(403);
      expect((await errorOf(refused)).message).toContain(
        'this API token is named erin and was made over the API by mallory, but the contract of shop now names erin',
      );
      expect(await s.handle.store.head('shop')).toEqual(head);

      // Erin's own token, made by the operator on the database, approves as erin.
      const erin = await s.token({ role: 'approver', pipelines: ['shop'], principal: 'erin' });
      const approved = await s.call('POST', `${base}/stages/prod/approvals`, erin, {
        artifact: D,
        decision: 'approve',
      });
      expect(approved.status).toBe(201);
      expect(((await approved.json()) as { actor: string }).actor).toBe('erin');
    });

    it("a contract admin's name made over the API by another admin cannot replace the contract", async () => {
      server = await openTestServer(backend, {
        contracts: [contractOf(TEAM_V1.replace('[root, boss]', '[root]'))],
      });
      const s = server;
      const root = await s.token({ role: 'admin', pipelines: ['shop'], principal: 'root' });
      const mallory = await s.token({ role: 'admin', pipelines: ['shop'], principal: 'mallory' });
      const made = await s.call('POST', '/api/v1/tokens', mallory, {
        role: 'admin',
        pipelines: ['shop'],
        principal: 'boss',
      });
      expect(made.status).toBe(201);
      const boss = ((await made.json()) as { token: string }).token;
      // The admins add boss; the token mallory made in that name would now replace the contract
      // with one that no longer names boss (so the upload itself gives it no standing).
      expect((await s.call('PUT', `${base}/contract`, root, TEAM_V1, YAML)).status).toBe(201);
      const head = await s.handle.store.head('shop');
      const takeover = await s.call(
        'PUT',
        `${base}/contract`,
        boss,
        TEAM_V1.replace('[root, boss]', '[mallory]'),
        YAML,
      );
      expect(takeover.status).toBe(403);
      expect((await errorOf(takeover)).message).toContain('made over the API by mallory');
      expect(await s.handle.store.head('shop')).toEqual(head);
    });

    it('a token made in another name passes its maker on to every token it makes, so none launders the name', async () => {
      const { s, root, mallory, ci } = await openTeam(backend);
      const make = async (token: string, body: Record<string, unknown>) =>
        s.call('POST', '/api/v1/tokens', token, { pipelines: ['shop'], ...body });
      // Nobody called erin has a standing yet: mallory makes an admin token in that name, and
      // with it, at once, an approver token "by erin herself".
      const first = await make(mallory, { role: 'admin', principal: 'erin' });
      expect(first.status).toBe(201);
      const admin = ((await first.json()) as { token: string }).token;
      const second = await make(admin, { role: 'approver', principal: 'erin' });
      expect(second.status).toBe(201);
      const child = (await second.json()) as { token: string; createdBy: string };
      expect(child.createdBy).toBe('mallory');
      const D = fakeDigest('laundered-name');
      await inDev(s, ci, D);

      // The admins make erin an approver: neither token acts for her, nor makes another that would.
      expect((await s.call('PUT', `${base}/contract`, root, TEAM_V2, YAML)).status).toBe(201);
      const head = await s.handle.store.head('shop');
      const approval = await s.call('POST', `${base}/stages/prod/approvals`, child.token, {
        artifact: D,
        decision: 'approve',
      });
      expect(approval.status).toBe(403);
      expect((await errorOf(approval)).message).toContain('made over the API by mallory');
      expect(await s.handle.store.head('shop')).toEqual(head);
      const tokens = (await s.handle.store.tokens.list()).length;
      const third = await make(admin, { role: 'approver', principal: 'erin' });
      expect(third.status).toBe(403);
      expect((await errorOf(third)).message).toContain('made over the API by mallory');
      expect((await s.handle.store.tokens.list()).length).toBe(tokens);
    });

    it('cannot replay the answer of a write that a credential of the same name made under an Idempotency-Key', async () => {
      const { s, root, mallory, ci } = await openTeam(backend);
      const made = await s.call('POST', '/api/v1/tokens', mallory, {
        role: 'approver',
        pipelines: ['shop'],
        principal: 'erin',
      });
      const forged = ((await made.json()) as { token: string }).token;
      const D = fakeDigest('replayed-in-her-name');
      await inDev(s, ci, D);
      expect((await s.call('PUT', `${base}/contract`, root, TEAM_V2, YAML)).status).toBe(201);

      const erin = await s.token({ role: 'approver', pipelines: ['shop'], principal: 'erin' });
      const body = { artifact: D, decision: 'approve' };
      const key = { 'idempotency-key': 'approve-prod-1' };
      const approved = await s.call('POST', `${base}/stages/prod/approvals`, erin, body, key);
      expect(approved.status).toBe(201);
      // Her own retry is answered as before.
      const retried = await s.call('POST', `${base}/stages/prod/approvals`, erin, body, key);
      expect(retried.status).toBe(201);
      expect(retried.headers.get('idempotent-replayed')).toBe('true');
      // The token mallory made in her name acts for nobody: the key does not make it act for her.
      const head = await s.handle.store.head('shop');
      const replayed = await s.call('POST', `${base}/stages/prod/approvals`, forged, body, key);
      expect(replayed.status).toBe(422);
      expect(replayed.headers.get('idempotent-replayed')).toBeNull();
      expect((await errorOf(replayed)).message).toContain('by another credential');
      expect(await s.handle.store.head('shop')).toEqual(head);
    });
  },
);
