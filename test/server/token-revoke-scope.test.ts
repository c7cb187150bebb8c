/**
 * Revoking a token beyond the caller's grant answers exactly as revoking one that does not exist:
 * a 403 for a real id and a 404 for a made-up one would let an admin of one pipeline probe which
 * ids name another pipeline's tokens. And the revocation reads the one token it names, never the
 * whole token list. Over real HTTP (`tollgate serve` in this process), on every backend.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/stores.js';
import { type ServedOverHttp, serveOverHttp } from './support.js';

let served: ServedOverHttp | undefined;
afterEach(async () => {
  await served?.dispose();
  served = undefined;
});

const revoke = (s: ServedOverHttp, id: string, bearer: string) =>
  fetch(`${s.server.url}/api/v1/tokens/${id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${bearer}` },
  });

/** What an answer shows a caller: its status and body, with the probed id taken out. */
async function seen(res: Response, id: string) {
  return { status: res.status, body: (await res.text()).replaceAll(id, '<id>') };
}

describe.each(BACKENDS)('revoking a token beyond the caller, over real HTTP ($title)', (backend) => {
  it('answers as for a token that does not exist, and revokes nothing', async () => {
    served = await serveOverHttp(backend);
    const s = served;
    const checkoutAdmin = (await s.token({ role: 'admin', pipelines: ['checkout'], principal: 'carol' }))
      .token;
    const devAdmin = (
      await s.token({ role: 'admin', pipelines: ['checkout'], stages: ['dev'], principal: 'dev-lead' })
    ).token;
    const billingCi = (await s.token({ role: 'ci', pipelines: ['billing'], principal: 'billing-ci' })).record
      .id;
    const prodCi = (
      await s.token({ role: 'ci', pipelines: ['checkout'], stages: ['prod'], principal: 'prod-ci' })
    ).record.id;
    const madeUp = 'zzzzzzzzzzzzzzzz';

    for (const [caller, bearer, beyond] of [
      ['an admin of checkout', checkoutAdmin, billingCi],
      ['an admin of checkout in dev', devAdmin, prodCi],
    ] as const) {
      const missing = await seen(await revoke(s, madeUp, bearer), madeUp);
      expect(missing.status, caller).toBe(404);
      expect(JSON.parse(missing.body), caller).toEqual({
        error: { code: 'NOT_FOUND', message: 'there is no token <id>' },
      });
      expect(await seen(await revoke(s, beyond, bearer), beyond), caller).toEqual(missing);
    }
    expect((await s.handle.store.tokens.list()).filter((t) => t.revokedAt !== undefined)).toEqual([]);
  });

  it('reads the one token it revokes, not the whole list, and still revokes what it made', async () => {
    served = await serveOverHttp(backend);
    const s = served;
    const root = (await s.token({ role: 'admin', pipelines: ['*'], principal: 'root' })).token;
    const victim = await s.token({ role: 'admin', pipelines: ['checkout'], principal: 'ops-bot' });
    const made = await fetch(`${s.server.url}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${victim.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'reader', pipelines: ['checkout'], principal: 'ops-bot' }),
    });
    expect(made.status, await made.clone().text()).toBe(201);
    const child = ((await made.json()) as { id: string }).id;
    // The list is every token ever made: a revocation that reads it grows with the server's age.
    s.handle.store.tokens.list = () =>
      Promise.reject(new Error('DELETE /tokens/{id} read the whole token list'));
    const res = await revoke(s, victim.record.id, root);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ id: victim.record.id, revokedBy: 'root', revokedWith: [child] });
    for (const id of [victim.record.id, child])
      expect((await s.handle.store.tokens.find(id))?.record.revokedAt, id).toBeDefined();
  });
});
