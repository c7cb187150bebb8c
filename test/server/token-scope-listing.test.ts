/**
 * An admin bound to some stages of its pipelines manages tokens for those stages only: it lists
 * only tokens whose grant lies within its own (pipelines and stages), and revoking one beyond it
 * is answered as for a token that does not exist. It must not learn the names, roles and expiries of the prod tokens of a pipeline it
 * may only touch in dev.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

type Listed = Array<{ id: string; principal: string }>;

describe.each(BACKENDS)('a stage-bound admin and the tokens of other stages ($title)', (backend) => {
  it('lists only tokens within its own grant and may not revoke one beyond it, nor learn it exists', async () => {
    server = await openTestServer(backend);
    const s = server;
    const devAdmin = await s.token({
      role: 'admin',
      pipelines: ['checkout'],
      stages: ['dev'],
      principal: 'dev-admin',
    });
    await s.token({ role: 'ci', pipelines: ['checkout'], stages: ['dev'], principal: 'dev-ci' });
    await s.token({ role: 'ci', pipelines: ['checkout'], stages: ['prod'], principal: 'prod-ci' });
    await s.token({ role: 'approver', pipelines: ['checkout'], principal: 'every-stage' });
    await s.token({ role: 'ci', pipelines: ['checkout', 'billing'], stages: ['dev'], principal: 'two' });
    await s.token({ role: 'admin', pipelines: ['*'], principal: 'root-admin' });

    const res = await s.call('GET', '/api/v1/tokens', devAdmin);
    expect(res.status).toBe(200);
    const names = ((await res.json()) as Listed).map((t) => t.principal).sort();
    expect(names).toEqual(['dev-admin', 'dev-ci']);

    const all = await s.handle.store.tokens.list();
    for (const name of ['prod-ci', 'every-stage', 'two', 'root-admin']) {
      const id = all.find((t) => t.principal === name)!.id;
      const refused = await s.call('DELETE', `/api/v1/tokens/${id}`, devAdmin);
      // Answered as a token that does not exist: a 403 would tell it the id is a token's.
      expect(refused.status, name).toBe(404);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
    expect((await s.handle.store.tokens.list()).filter((t) => t.revokedAt !== undefined)).toEqual([]);
    const devCi = all.find((t) => t.principal === 'dev-ci')!.id;
    expect((await s.call('DELETE', `/api/v1/tokens/${devCi}`, devAdmin)).status).toBe(200);
  });
});
