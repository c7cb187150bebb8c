/**
 * Issue 15, contracts on the server: an upload (`PUT …/contract`) is the recorded contract change,
 * made by the authenticated principal and allowed only to an admin of the contract in force; each
 * version is kept by digest; a replica started with the old file serves the contract in force.
 * Bad input is refused with nothing stored. On every store backend.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app/create-services.js';
import { contractSource } from '../../src/app/services.js';
import { createServerApp } from '../../src/server/app.js';
import { apiTokenAuthenticator } from '../../src/server/token-auth.js';
import { contractOf } from '../support/builders.js';
import { fakeDigest } from '../support/cli.js';
import { BACKENDS } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

const V1 = `version: 1
pipeline: shop
artifact: { type: oci }
admins: [root]
stages:
  dev: { purpose: fast feedback }
  prod:
    purpose: live
    from: dev
`;
const V2 = `${V1}    requires:
      approvals: { count: 1 }
admins: [root, mallory]
`.replace('admins: [root]\n', '');
const D = fakeDigest('contract-routes');
const base = '/api/v1/pipelines/shop';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

function put(
  s: TestServer,
  path: string,
  token: string,
  text: string,
  type = 'application/yaml',
  headers: Record<string, string> = {},
) {
  return Promise.resolve(
    s.app.request(path, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': type, ...headers },
      body: text,
    }),
  );
}

describe.each(BACKENDS)('contracts on the server ($title)', (backend) => {
  it('refuses an upload nested 10,000 deep with the line and the limit, not a stack overflow', async () => {
    server = await openTestServer(backend, { contracts: [contractOf(V1)] });
    const s = server;
    const root = await s.token({ role: 'admin', pipelines: ['*'], principal: 'root' });
    const head = await s.handle.store.head('shop');
    const deep = V1.replace('{ type: oci }', `${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    const response = await put(s, `${base}/contract`, root, deep);
    expect(response.status).toBe(422);
    const { error } = (await response.json()) as { error: { code: string; message: string; line?: number } };
    expect(error.code).toBe('CONTRACT_INVALID');
    expect(error.line).toBe(3);
    expect(error.message).toContain('lists and maps nested more than 64 levels deep');
    expect(await s.handle.store.head('shop')).toEqual(head);
  });

  it('refuses an upload of a thousand windows that never occur at the first the load budget cannot judge', async () => {
    server = await openTestServer(backend, { contracts: [contractOf(V1)] });
    const s = server;
    const root = await s.token({ role: 'admin', pipelines: ['*'], principal: 'root' });
    const head = await s.handle.store.head('shop');
    // Windows from line 13; each is proven never to occur in 4,801 months, and the budget of one
    // load (30,000 periods) judges six: the seventh, line 19, is refused as too costly to check.
    const window = '          - { rrule: "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6", duration: 1d }\n';
    const hostile = `${V1}    requires:\n      windows:\n        deny:\n${window.repeat(1000)}`;
    const response = await put(s, `${base}/contract`, root, hostile);
    expect(response.status).toBe(422);
    const { error } = (await response.json()) as { error: { code: string; message: string; line?: number } };
    expect(error.code).toBe('CONTRACT_INVALID');
    expect(error.line).toBe(13);
    expect(error.message.split('\n')).toHaveLength(7);
    expect(error.message).toContain(
      'shop.yaml (upload):19:22: stages.prod.requires.windows.deny.6.rrule: invalid RRULE "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6": the windows of this contract are too costly to check',
    );
    expect(await s.handle.store.head('shop')).toEqual(head);
  });

  it('an upload is the recorded change, by an admin of the contract in force; versions are kept by digest', async () => {
    const v1 = contractOf(V1);
    const v2 = contractOf(V2);
    server = await openTestServer(backend, { contracts: [v1] });
    const s = server;
    const root = await s.token({ role: 'admin', pipelines: ['*'], principal: 'root' });
    const mallory = await s.token({ role: 'admin', pipelines: ['shop'], principal: 'mallory' });
    const ci = await s.token({ role: 'ci', pipelines: ['shop'], principal: 'ci' });
    expect((await s.call('POST', `${base}/artifacts`, ci, { digest: D })).status).toBe(201);
    expect((await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: D })).status).toBe(201);
    const head = await s.handle.store.head('shop');

    // Bad input: each a clear error, nothing stored.
    const broken = await put(
      s,
      `${base}/contract`,
      root,
      'version: 1\npipeline: shop\nstages: {}\nartifact: { type: oci }\n',
    );
    expect(broken.status).toBe(422);
    const error = ((await broken.json()) as { error: { code: string; message: string; line?: number } })
      .error;
    expect(error.code).toBe('CONTRACT_INVALID');
    expect(error.line).toBe(3);
    expect((await put(s, `${base}/contract`, root, V1.replace('shop', 'other'))).status).toBe(422);
    expect((await put(s, `${base}/contract`, root, V2, 'application/json')).status).toBe(415);
    const outside = V2.replace(
      'dev: { purpose: fast feedback }',
      "dev: { purpose: fast feedback, config: ['../../etc/passwd'] }",
    );
    const escaped = await put(s, `${base}/contract`, root, outside);
    expect(escaped.status).toBe(422);
    expect(await escaped.text()).toContain('may only name files inside');
    // The pinned verifier public key is a file reference too: its digest is recorded with the pin.
    const pinnedOutside = await put(
      s,
      `${base}/contract`,
      root,
      V2.replace(
        'artifact: { type: oci }',
        'artifact: { type: oci }\ntrust: { verifier: { publicKey: /etc/passwd } }',
      ),
    );
    expect(pinnedOutside.status).toBe(422);
    expect(await pinnedOutside.text()).toContain(
      'trust.verifier.publicKey is \\"/etc/passwd\\": an uploaded contract may only name files inside',
    );
    expect((await put(s, `${base}/contract`, ci, V2)).status).toBe(403);
    // mallory is an admin only in the new contract: the one in force decides.
    const attacker = await put(s, `${base}/contract`, mallory, V2);
    expect(attacker.status).toBe(403);
    expect(await attacker.text()).toContain('mallory may not change the contract of shop');
    expect(await s.handle.store.head('shop')).toBe(head);

    const pushed = await put(s, `${base}/contract`, root, V2);
    expect(pushed.status).toBe(201);
    expect(await pushed.json()).toMatchObject({
      recorded: true,
      digest: v2.digest,
      previous: v1.digest,
      entry: { actor: 'root' },
      changes: {
        stages: [{ stage: 'prod', change: 'changed', added: ['approvals'], removed: [], changed: [] }],
        sections: ['admins'],
      },
    });
    // The same text again records nothing.
    expect((await put(s, `${base}/contract`, root, V2)).status).toBe(200);

    // Decisions are now made under the new contract: prod needs an approval.
    const check = await s.call('GET', `${base}/stages/prod/check?artifact=${D}`, ci);
    expect(await check.json()).toMatchObject({ verdict: 'pending', contract: { digest: v2.digest } });

    const versions = (await (await s.call('GET', `${base}/contract/versions`, ci)).json()) as {
      inForce: string;
      versions: Array<{ digest: string; via: string; inForce: boolean; actor: string }>;
    };
    expect(versions.inForce).toBe(v2.digest);
    expect(versions.versions.map((v) => [v.digest, v.via, v.inForce, v.actor])).toEqual([
      [v2.digest, 'upload', true, 'root'],
      [v1.digest, 'first promotion', false, 'ci'],
    ]);
    const first = await s.call('GET', `${base}/contract/versions/${v1.digest}`, ci);
    expect(await first.json()).toMatchObject({ digest: v1.digest, text: V1, inForce: false });
    expect((await s.call('GET', `${base}/contract/versions/${fakeDigest('never')}`, ci)).status).toBe(404);
    expect((await s.call('GET', `${base}/contract/versions/latest`, ci)).status).toBe(400);

    // A replica started with the old file serves the contract in force, not the file.
    const replica = createServerApp({
      services: createServices({ contracts: contractSource([v1]), store: s.handle.store }),
      authenticators: [apiTokenAuthenticator(s.services)],
    });
    const there = await replica.app.request(`${base}/stages/prod/check?artifact=${D}`, {
      headers: { authorization: `Bearer ${ci}` },
    });
    expect(await there.json()).toMatchObject({ contract: { digest: v2.digest } });
  });

  it('before the first promotion, the contract a server started with is replaced only by its admins', async () => {
    const v1 = contractOf(V1);
    const BARE = V1.replace('pipeline: shop', 'pipeline: bare').replace('admins: [root]\n', '');
    server = await openTestServer(backend, { contracts: [v1, contractOf(BARE)] });
    const s = server;
    const root = await s.token({ role: 'admin', pipelines: ['*'], principal: 'root' });
    const mallory = await s.token({ role: 'admin', pipelines: ['shop', 'bare'], principal: 'mallory' });
    // Nothing is pinned yet: a pipeline admin the start-up contract does not name rewrites it.
    const loose = V1.replace('admins: [root]', 'admins: [mallory]');
    const attacker = await put(s, `${base}/contract`, mallory, loose);
    expect(attacker.status).toBe(403);
    expect(await attacker.text()).toContain('mallory may not change the contract of shop');
    const noAdmins = await put(s, '/api/v1/pipelines/bare/contract', mallory, `${BARE}# changed\n`);
    expect(noAdmins.status).toBe(403);
    expect(await noAdmins.text()).toContain('declares no `admins`, so nobody may change it');
    expect((await s.handle.store.verify('shop')).entries).toBe(0);
    expect((await s.handle.store.verify('bare')).entries).toBe(0);
    // Pinning a start-up contract as it is needs nobody's leave (a first promotion would do it).
    const pinned = await put(s, '/api/v1/pipelines/bare/contract', mallory, BARE);
    expect(pinned.status).toBe(201);
    // Its admins replace it before any promotion.
    const pushed = await put(s, `${base}/contract`, root, V2);
    expect(pushed.status).toBe(201);
    expect(await pushed.json()).toMatchObject({
      recorded: true,
      digest: contractOf(V2).digest,
      entry: { actor: 'root' },
    });
  });

  it('a retried upload with its Idempotency-Key records one change and gets the first answer back', async () => {
    server = await openTestServer(backend, { contracts: [contractOf(V1)] });
    const s = server;
    const root = await s.token({ role: 'admin', pipelines: ['*'], principal: 'root' });
    const ci = await s.token({ role: 'ci', pipelines: ['shop'], principal: 'ci' });
    expect((await s.call('POST', `${base}/artifacts`, ci, { digest: D })).status).toBe(201);
    expect((await s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact: D })).status).toBe(201);
    const key = { 'idempotency-key': 'push-v2-1' };
    const first = await put(s, `${base}/contract`, root, V2, 'application/yaml', key);
    expect(first.status).toBe(201);
    const head = await s.handle.store.head('shop');
    const retry = await put(s, `${base}/contract`, root, V2, 'application/yaml', key);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.text()).toBe(await first.text());
    expect(await s.handle.store.head('shop')).toBe(head);
    // The same key with another contract is a caller's mistake, refused.
    expect((await put(s, `${base}/contract`, root, V1, 'application/yaml', key)).status).toBe(422);
  });

  it('a pipeline can start from an upload, and is then listed', async () => {
    server = await openTestServer(backend, { contracts: [] });
    const s = server;
    const root = await s.token({ role: 'admin', pipelines: ['*'], principal: 'root' });
    expect((await s.call('GET', `${base}/status`, root)).status).toBe(404);
    expect((await put(s, `${base}/contract`, root, V1)).status).toBe(201);
    const listed = (await (await s.call('GET', '/api/v1/pipelines', root)).json()) as Array<{
      pipeline: string;
    }>;
    expect(listed.map((p) => p.pipeline)).toEqual(['shop']);
    expect((await s.call('GET', `${base}/status`, root)).status).toBe(200);
  });

  it('refuses an upload that is not UTF-8 instead of recording a digest of replaced bytes', async () => {
    server = await openTestServer(backend, { contracts: [] });
    const s = server;
    const root = await s.token({ role: 'admin', pipelines: ['*'], principal: 'root' });
    const latin1 = Buffer.from(`${V1}# caf\u00e9\n`, 'latin1');
    const response = await s.app.request(`${base}/contract`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${root}`, 'content-type': 'application/yaml' },
      body: latin1,
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      'shop.yaml (upload):10:6: the file is not UTF-8 text; expected a contract saved as UTF-8 (convert it, e.g. with `iconv -t UTF-8`)',
    );
    expect((await s.call('GET', `${base}/status`, root)).status).toBe(404);
  });
});
