/**
 * Separation of duties across a CI job and the person who triggered it, over the server's routes
 * with real ID tokens: a JWKS served on loopback and tokens signed by `jose`, under GitHub Actions'
 * issuer (whose tokens name the person in `actor`) and a GitLab-like one (`user_login`). The false
 * yes: alice approves, pushes, and her job promotes prod, so one person both approved and promoted
 * under `notBy: [promoter]`; or she approves twice through two jobs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Contract } from '../../src/contract/types.js';
import { parseServerConfig, type ServerConfig } from '../../src/server/config.js';
import { personClaimsOf } from '../../src/server/oidc-ci.js';
import { contractOf } from '../support/builders.js';
import { fakeDigest, junit } from '../support/cli.js';
import { sqliteBackend } from '../support/stores.js';
import { type OidcIssuer, openCiServer, startOidcIssuer, type TestServer } from './support.js';

const GITHUB = 'https://token.actions.githubusercontent.com';
/** The shop pipeline with prod under `requires` (YAML lines at prod's indent), `head` before stages. */
function shopWith(requires: string, head = ''): Contract {
  return contractOf(`version: 1
pipeline: shop
artifact: { type: oci }
${head}stages:
  dev: { purpose: unit tests }
  prod:
    purpose: live
    from: dev
    requires:
${requires}`);
}
const SHOP = shopWith('      approvals: { count: 1, notBy: [promoter] }\n');
const TWO = shopWith('      approvals: { count: 2 }\n');
const AUTHOR = shopWith('      approvals: { count: 1, notBy: [author] }\n');
const WAIVED = shopWith(
  '      approvals: { count: 1, notBy: [author] }\n',
  'overrides:\n  - { by: [hotfix-bot], gates: [approvals] }\n',
);
const ATTESTED = shopWith(
  '      tests: [{ suite: unit }]\n      approvals: { count: 1, notBy: ["attester:unit"] }\n',
);
const base = '/api/v1/pipelines/shop';

/** Serves the JWKS for GitHub's issuer (jwksUri) and is itself the GitLab-like issuer. */
let gitlabIssuer: OidcIssuer;
let gitlab: string;
let server: TestServer | undefined;

beforeAll(async () => {
  gitlabIssuer = await startOidcIssuer('RS256');
  gitlab = gitlabIssuer.url;
});
afterAll(() => gitlabIssuer.close());
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

function configOf(extra = ''): ServerConfig {
  return parseServerConfig(
    `ciIssuers:
  - issuer: ${GITHUB}
    jwksUri: ${gitlabIssuer.jwksUri}
    audience: tollgate
${extra}    rules:
      - match: { repository: "shop/*", job_workflow_ref: "*approve*" }
        principal: "github:{repository}:approve"
        role: approver
        pipelines: [shop]
      - match: { repository: shop/checkout, environment: hotfix }
        principal: hotfix-bot
        role: admin
        pipelines: [shop]
      - match: { repository: shop/checkout, environment: prod }
        principal: "github:{repository}@{environment}"
        role: ci
        pipelines: [shop]
      - match: { repository: shop/checkout }
        principal: "github:{repository}"
        role: ci
        pipelines: [shop]
        stages: [dev]
  - issuer: ${gitlab}
    audience: tollgate
    rules:
      - match: { project_path: shop/checkout }
        principal: "gitlab:{project_path}"
        role: ci
        pipelines: [shop]
`,
    'server.yaml',
  );
}

const sign = (claims: Record<string, unknown>, iss = GITHUB) =>
  gitlabIssuer.mint({ sub: 'repo:shop/checkout', ...claims }, { iss });

async function open(contract = SHOP, config = configOf()): Promise<TestServer> {
  server = await openCiServer(sqliteBackend, config, { contracts: [contract] });
  return server;
}

/** Registers a digest and promotes it to dev with a job alice did not trigger. */
async function inDev(s: TestServer, name: string): Promise<string> {
  const D = fakeDigest(name);
  const job = await sign({ repository: 'shop/checkout', actor: 'ci-bot' });
  expect((await s.call('POST', `${base}/artifacts`, job, { digest: D })).status).toBe(201);
  expect((await s.call('POST', `${base}/stages/dev/promotions`, job, { artifact: D })).status).toBe(201);
  return D;
}

async function approve(s: TestServer, token: string, artifact: string): Promise<number> {
  return (await s.call('POST', `${base}/stages/prod/approvals`, token, { artifact, decision: 'approve' }))
    .status;
}

type Decision = { verdict: string; gates: Array<{ gate: string; status: string; summary: string }> };
const approvalsOf = (decision: Decision) => decision.gates.find((g) => g.gate === 'approvals');

describe('a CI job acts for the person who triggered it', () => {
  it('takes the person from actor on GitHub and user_login on GitLab, and says so', async () => {
    const s = await open();
    const github = await s.call(
      'GET',
      '/api/v1/whoami',
      await sign({ repository: 'shop/checkout', environment: 'prod', actor: 'Alice' }),
    );
    expect(await github.json()).toMatchObject({
      principal: 'github:shop/checkout@prod',
      actingFor: ['alice'],
    });
    const lab = await s.call(
      'GET',
      '/api/v1/whoami',
      await sign({ project_path: 'shop/checkout', user_login: 'bob' }, gitlab),
    );
    expect(await lab.json()).toMatchObject({ principal: 'gitlab:shop/checkout', actingFor: ['bob'] });
  });

  it('does not count the approval of alice@example.com when the job alice triggered promotes prod', async () => {
    const s = await open();
    const D = await inDev(s, 'alice-approves-first');
    const alice = await s.token({ role: 'approver', pipelines: ['shop'], principal: 'alice@example.com' });
    expect(await approve(s, alice, D)).toBe(201);
    const job = await sign({ repository: 'shop/checkout', environment: 'prod', actor: 'alice' });
    const answer = await s.call('POST', `${base}/stages/prod/promotions`, job, { artifact: D });
    expect(answer.status).toBe(200);
    const decision = (await answer.json()) as Decision;
    expect(decision.verdict).not.toBe('allowed');
    expect(approvalsOf(decision)?.summary).toContain(
      'alice@example.com may be alice, who triggered the promoting job github:shop/checkout@prod',
    );
    expect(await s.handle.store.entriesForStage('shop', 'prod', ['promotion'])).toEqual([]);
    // Bob triggering the same job is another person: alice's approval counts, and the entry
    // records whom the job acted for.
    const bobs = await sign({ repository: 'shop/checkout', environment: 'prod', actor: 'bob' });
    expect((await s.call('POST', `${base}/stages/prod/promotions`, bobs, { artifact: D })).status).toBe(201);
    const [promotion] = await s.handle.store.entriesForStage('shop', 'prod', ['promotion']);
    expect(promotion?.actor).toBe('github:shop/checkout@prod');
    expect(promotion?.payload.actingFor).toEqual(['bob']);
  });

  it('does not count the approval of alice when she re-ran the workflow bob started that promotes prod', async () => {
    const s = await open();
    const D = await inDev(s, 'alice-reruns');
    const alice = await s.token({ role: 'approver', pipelines: ['shop'], principal: 'alice' });
    expect(await approve(s, alice, D)).toBe(201);
    const rerun = await sign({
      repository: 'shop/checkout',
      environment: 'prod',
      actor: 'bob',
      triggering_actor: 'alice',
    });
    expect(await (await s.call('GET', '/api/v1/whoami', rerun)).json()).toMatchObject({
      actingFor: ['bob', 'alice'],
    });
    const answer = await s.call('POST', `${base}/stages/prod/promotions`, rerun, { artifact: D });
    expect(answer.status).toBe(200);
    expect(approvalsOf((await answer.json()) as Decision)?.summary).toContain(
      'alice triggered the promoting job github:shop/checkout@prod',
    );
  });

  it('does not count an approval given through a job alice triggered when her job promotes, on GitLab too', async () => {
    const s = await open();
    const D = await inDev(s, 'alice-approves-by-job');
    const approving = await sign({
      repository: 'shop/checkout',
      job_workflow_ref: 'shop/checkout/.github/workflows/approve.yml@refs/heads/main',
      actor: 'alice',
    });
    expect(await approve(s, approving, D)).toBe(201);
    const [approval] = await s.handle.store.entriesForStage('shop', 'prod', ['approval']);
    expect(approval?.payload.actingFor).toEqual(['alice']);
    const job = await sign({ project_path: 'shop/checkout', user_login: 'alice' }, gitlab);
    const check = (await (
      await s.call('GET', `${base}/stages/prod/check?artifact=${D}`, job)
    ).json()) as Decision;
    expect(approvalsOf(check)?.status).not.toBe('pass');
    expect(approvalsOf(check)?.summary).toContain(
      'github:shop/checkout:approve acted for alice, who triggered the promoting job gitlab:shop/checkout',
    );
    // Checked for someone else, the same approval counts.
    const root = await s.token({ role: 'admin', pipelines: ['shop'], principal: 'root' });
    const asCarol = (await (
      await s.call('GET', `${base}/stages/prod/check?artifact=${D}&promoter=carol`, root)
    ).json()) as Decision;
    expect(approvalsOf(asCarol)?.status).toBe('pass');
  });

  it('counts one person approving through two jobs, or by hand and through a job, once', async () => {
    const s = await open(TWO);
    const D = await inDev(s, 'alice-twice');
    const viaJob = (repository: string) =>
      sign({
        repository,
        job_workflow_ref: `${repository}/.github/workflows/approve.yml@main`,
        actor: 'alice',
      });
    expect(await approve(s, await viaJob('shop/checkout'), D)).toBe(201);
    expect(await approve(s, await viaJob('shop/billing'), D)).toBe(201);
    const root = await s.token({ role: 'admin', pipelines: ['shop'], principal: 'root' });
    const summary = async () =>
      approvalsOf(
        (await (await s.call('GET', `${base}/stages/prod/check?artifact=${D}`, root)).json()) as Decision,
      )?.summary;
    expect(await summary()).toMatch(/^1 of 2 approvals/);
    expect(await summary()).toContain(
      'github:shop/billing:approve acted for alice, who already approved through github:shop/checkout:approve',
    );
    const alice = await s.token({ role: 'approver', pipelines: ['shop'], principal: 'alice@example.com' });
    expect(await approve(s, alice, D)).toBe(201);
    expect(await summary()).toMatch(/^1 of 2 approvals/);
    expect(await summary()).toContain(
      'github:shop/checkout:approve acted for alice, who may be alice@example.com, whose approval already counts',
    );
  });

  it('does not count the approval of the person whose push made the job register the artifact under notBy author', async () => {
    const s = await open(AUTHOR);
    const D = fakeDigest('alice-pushed');
    const job = await sign({ repository: 'shop/checkout', actor: 'alice' });
    expect((await s.call('POST', `${base}/artifacts`, job, { digest: D })).status).toBe(201);
    expect((await s.call('POST', `${base}/stages/dev/promotions`, job, { artifact: D })).status).toBe(201);
    const alice = await s.token({ role: 'approver', pipelines: ['shop'], principal: 'alice@example.com' });
    expect(await approve(s, alice, D)).toBe(201);
    const root = await s.token({ role: 'admin', pipelines: ['shop'], principal: 'root' });
    const check = (await (
      await s.call('GET', `${base}/stages/prod/check?artifact=${D}`, root)
    ).json()) as Decision;
    expect(approvalsOf(check)?.status).not.toBe('pass');
    expect(approvalsOf(check)?.summary).toContain(
      'alice@example.com may be alice, who triggered the job that registered the artifact (github:shop/checkout)',
    );
  });

  it('does not let the job of the artifact author waive approvals under notBy author', async () => {
    const s = await open(WAIVED);
    const D = fakeDigest('alice-waives');
    const alice = await s.token({ role: 'ci', pipelines: ['shop'], principal: 'alice' });
    expect((await s.call('POST', `${base}/artifacts`, alice, { digest: D })).status).toBe(201);
    expect((await s.call('POST', `${base}/stages/dev/promotions`, alice, { artifact: D })).status).toBe(201);
    const job = await sign({ repository: 'shop/checkout', environment: 'hotfix', actor: 'alice' });
    const answer = await s.call('POST', `${base}/stages/prod/promotions`, job, {
      artifact: D,
      overrides: ['approvals'],
      reason: 'hotfix',
    });
    expect(answer.status).toBe(200);
    expect(JSON.stringify(await answer.json())).toContain(
      "the override of approvals by hotfix-bot does not apply: hotfix-bot acted for alice, and alice is the artifact's author",
    );
  });

  it('takes the person from the configured claim, and refuses a token whose person is no name', async () => {
    const s = await open(SHOP, configOf('    personClaim: triggering_actor\n'));
    const job = await sign({
      repository: 'shop/checkout',
      environment: 'prod',
      actor: 'bob',
      triggering_actor: 'alice',
    });
    expect(await (await s.call('GET', '/api/v1/whoami', job)).json()).toMatchObject({ actingFor: ['alice'] });
    const hidden = await sign({ repository: 'shop/checkout', triggering_actor: 'ali\u200bce' });
    const refused = await s.call('GET', '/api/v1/whoami', hidden);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
      'triggering_actor claim "ali\u200bce", which names a person who triggered the job (ciIssuers[].personClaim), contains an invisible character',
    );
    // GitHub's enterprise issuers sit under its address and name the person in actor as well.
    const enterprise = parseServerConfig(
      `ciIssuers:\n  - issuer: ${GITHUB}/acme\n    audience: tollgate\n    rules:\n      - { match: { repository_owner: acme }, principal: x, role: ci, pipelines: [shop] }\n`,
      'server.yaml',
    );
    expect(personClaimsOf(enterprise.ciIssuers[0]!)).toEqual(['actor', 'triggering_actor']);
    expect(() => configOf('    personClaim: "no such"\n')).toThrow(
      /server\.yaml:\d+:\d+.*ciIssuers\.0\.personClaim: a claim name such as actor or user_login/,
    );
  });
  it('does not count the approval of the person whose job attested the tests under notBy attester', async () => {
    const s = await open(ATTESTED);
    const D = await inDev(s, 'alice-attests');
    const job = await sign({ repository: 'shop/checkout', actor: 'alice' });
    const upload = await s.app.request(`${base}/artifacts/${D}/tests?suite=unit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${job}`, 'content-type': 'application/xml' },
      body: junit(['pass', 'pass'], 'unit'),
    });
    expect(upload.status).toBe(201);
    const alice = await s.token({ role: 'approver', pipelines: ['shop'], principal: 'alice@example.com' });
    expect(await approve(s, alice, D)).toBe(201);
    const admin = await s.token({ role: 'admin', pipelines: ['shop'], principal: 'carol' });
    const check = await s.call('GET', `${base}/stages/prod/check?artifact=${D}`, admin);
    const decision = (await check.json()) as Decision;
    expect(decision.verdict).not.toBe('allowed');
    expect(approvalsOf(decision)?.summary).toContain(
      'alice@example.com may be alice, who triggered the job github:shop/checkout that attested unit',
    );
    // Someone else's approval counts: the exclusion is about alice, not about the job.
    const bob = await s.token({ role: 'approver', pipelines: ['shop'], principal: 'bob' });
    expect(await approve(s, bob, D)).toBe(201);
    const again = (await (
      await s.call('GET', `${base}/stages/prod/check?artifact=${D}`, admin)
    ).json()) as Decision;
    expect(approvalsOf(again)?.status).toBe('pass');
  });
});
