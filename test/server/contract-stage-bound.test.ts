/**
 * A contract governs every stage of its pipeline. A credential bound to some stages (an admin of
 * `dev` only) overrides gates, approves and manages tokens in those stages alone; were it to upload
 * a contract, it would rewrite what every other stage requires (drop prod's approvals, name itself
 * an admin) in one request. Such a credential may not change the contract: 403, nothing recorded.
 * Pushing the contract already in force changes nothing and is answered as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { contractOf } from '../support/builders.js';
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
    requires:
      approvals: { count: 2 }
`;
const WITHOUT_APPROVALS = V1.replace('    requires:\n      approvals: { count: 2 }\n', '');
const base = '/api/v1/pipelines/shop';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

const put = (s: TestServer, token: string, text: string) =>
  Promise.resolve(
    s.app.request(`${base}/contract`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' },
      body: text,
    }),
  );

describe.each(BACKENDS)('contract uploads by a stage-bound credential ($title)', (backend) => {
  it('refuses a credential bound to dev that would rewrite what prod requires, and records nothing', async () => {
    server = await openTestServer(backend, { contracts: [contractOf(V1)] });
    const s = server;
    const devAdmin = await s.token({
      role: 'admin',
      pipelines: ['shop'],
      stages: ['dev'],
      principal: 'root',
    });
    const admin = await s.token({ role: 'admin', pipelines: ['shop'], principal: 'root' });
    // Pinned first, so the upload is a change of the contract in force.
    expect((await put(s, admin, V1)).status).toBe(201);
    const head = await s.handle.store.head('shop');

    const refused = await put(s, devAdmin, WITHOUT_APPROVALS);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: 'NOT_ALLOWED',
      message:
        'this credential may act only in dev, and a contract governs every stage of shop: a change of it is recorded by a credential not bound to stages',
    });
    expect(await s.handle.store.head('shop')).toBe(head);

    // The contract already in force changes nothing: answered as before, nothing recorded.
    const same = await put(s, devAdmin, V1);
    expect(same.status).toBe(200);
    expect(await s.handle.store.head('shop')).toBe(head);
    // An admin of every stage records the change.
    expect((await put(s, admin, WITHOUT_APPROVALS)).status).toBe(201);
  });

  it('refuses a credential bound to dev replacing the contract a server started with before anything was pinned', async () => {
    server = await openTestServer(backend, { contracts: [contractOf(V1)] });
    const s = server;
    const devAdmin = await s.token({
      role: 'admin',
      pipelines: ['shop'],
      stages: ['dev'],
      principal: 'root',
    });
    const refused = await put(s, devAdmin, WITHOUT_APPROVALS);
    expect(refused.status).toBe(403);
    expect(await s.handle.store.head('shop')).toBe(0);
  });
});
