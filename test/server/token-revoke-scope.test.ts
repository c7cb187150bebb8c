/**
 * Revoking a token beyond the caller's grant answers exactly as revoking one that does not exist:
 * a 403 for a real id and a 404 for a made-up one would let an admin of one pipeline probe which
 * ids name another pipeline's tokens. And the revocation reads the one token it names, never the
 * whole token list. Over real HTTP (`tollgate serve` in this process), on every backend.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app/create-services.js';
import { contractSource } from '../../src/app/services.js';
import { createToken } from '../../src/app/tokens.js';
import { startServer } from '../../src/server/serve.js';
import { apiTokenAuthenticator } from '../../src/server/token-auth.js';
import { BACKENDS, type Backend } from '../support/stores.js';
import { BILLING, CHECKOUT } from './support.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `tollgate serve` over `backend` on a loopback port, and a way to make tokens on its store. */
async function serveOverHttp(backend: Backend) {
  const handle = await backend.open();
  cleanups.push(() => handle.dispose().catch(() => undefined));
  const services = createServices({ contracts: contractSource([CHECKOUT, BILLING]), store: handle.store });
  const server = await startServer({
    services,
    authenticators: [apiTokenAuthenticator(services)],
    listen: { host: '127.0.0.1', port: 0 },
    log: () => {},
    rateLimit: { perMinute: 1_000_000, burst: 100_000 },
  });
  cleanups.push(() => server.stop(0).catch(() => undefined));
  const token = async (options: {
    role: string;
    pipelines: string[];
    stages?: string[];
    principal: string;
  }) =>
    (await createToken(services, options, 'test-setup', new Date())) as {
      token: string;
      record: { id: string };
    };
  const revoke = (id: string, bearer: string) =>
    fetch(`${server.url}/api/v1/tokens/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${bearer}` },
    });
  return { handle, token, revoke };
}

/** What an answer shows a caller: its status and body, with the probed id taken out. */
async function seen(res: Response, id: string) {
  return { status: res.status, body: (await res.text()).replaceAll(id, '<id>') };
}

describe.each(BACKENDS)('revoking a token beyond the caller, over real HTTP ($title)', (backend) => {
  it('answers as for a token that does not exist, and revokes nothing', async () => {
    const s = await serveOverHttp(backend);
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
      const missing = await seen(await s.revoke(madeUp, bearer), madeUp);
      expect(missing.status, caller).toBe(404);
      expect(JSON.parse(missing.body), caller).toEqual({
        error: { code: 'NOT_FOUND', message: 'there is no token <id>' },
      });
      expect(await seen(await s.revoke(beyond, bearer), beyond), caller).toEqual(missing);
    }
    expect((await s.handle.store.tokens.list()).filter((t) => t.revokedAt !== undefined)).toEqual([]);
  });

  it('reads the one token it revokes, not the whole list, and still revokes what it made', async () => {
    const s = await serveOverHttp(backend);
    const root = (await s.token({ role: 'admin', pipelines: ['*'], principal: 'root' })).token;
    const victim = (await s.token({ role: 'reader', pipelines: ['checkout'], principal: 'reader' })).record
      .id;
    // The list is every token ever made: a revocation that reads it grows with the server's age.
    s.handle.store.tokens.list = () =>
      Promise.reject(new Error('DELETE /tokens/{id} read the whole token list'));
    const res = await s.revoke(victim, root);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ id: victim, revokedBy: 'root', revokedWith: [] });
    expect((await s.handle.store.tokens.find(victim))?.record.revokedAt).toBeDefined();
  });
});
