/**
 * Revoking an API token revokes every token it made over the API, and every token those made, in
 * one statement: a stolen admin token that minted children before it was found is revoked with
 * its offspring, not alone. Each token made over the API records the credential that made it
 * (`madeWith`: `token:<id>`, `oidc:<issuer>`, `session`). The answer, and `tollgate token revoke`,
 * say which tokens went with it. Over real HTTP, a child whose reads the store keeps
 * (src/server/kept-reads.ts, src/ledger/read-memo.ts) is refused on the very next request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServices } from '../../src/app/create-services.js';
import { contractSource } from '../../src/app/services.js';
import { createToken } from '../../src/app/tokens.js';
import { type RunningServer, startServer } from '../../src/server/serve.js';
import { apiTokenAuthenticator } from '../../src/server/token-auth.js';
import { contractOf } from '../support/builders.js';
import { ROOT, runCli } from '../support/cli.js';
import { BACKENDS, execBehindTheStore, sqliteBackend } from '../support/stores.js';
import { openTestServer, type TestServer } from './support.js';

let server: TestServer | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await server?.dispose();
  server = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Made = { token: string; id: string; madeWith?: string };
type Revoked = { id: string; revokedAt?: string; revokedWith: string[] };

describe.each(BACKENDS)('revoking a token that made others ($title)', (backend) => {
  it('revokes every token it made, transitively, and says which; the rest keep working', async () => {
    server = await openTestServer(backend);
    const s = server;
    const root = await s.token({ role: 'admin', pipelines: ['*'], principal: 'root-admin' });
    const make = async (by: string, body: Record<string, unknown>) => {
      const res = await s.call('POST', '/api/v1/tokens', by, body);
      expect(res.status, await res.clone().text()).toBe(201);
      return (await res.json()) as Made;
    };
    const stolen = await make(root, { role: 'admin', pipelines: ['checkout'], principal: 'ops-bot' });
    const child = await make(stolen.token, { role: 'ci', pipelines: ['checkout'], principal: 'minted-ci' });
    const admin = await make(stolen.token, {
      role: 'admin',
      pipelines: ['checkout'],
      principal: 'minted-admin',
    });
    const grandchild = await make(admin.token, {
      role: 'approver',
      pipelines: ['checkout'],
      principal: 'minted-approver',
    });
    const sibling = await make(root, { role: 'ci', pipelines: ['checkout'], principal: 'other-ci' });
    expect(child.madeWith).toBe(`token:${stolen.id}`);
    expect(grandchild.madeWith).toBe(`token:${admin.id}`);
    expect(stolen.madeWith).toBe(
      `token:${(await s.handle.store.tokens.list()).find((t) => t.principal === 'root-admin')!.id}`,
    );

    const res = await s.call('DELETE', `/api/v1/tokens/${stolen.id}`, root);
    expect(res.status).toBe(200);
    const revoked = (await res.json()) as Revoked;
    expect(revoked.id).toBe(stolen.id);
    expect(revoked.revokedAt).toBeDefined();
    expect(revoked.revokedWith).toEqual([child.id, admin.id, grandchild.id].sort());

    for (const gone of [stolen, child, admin, grandchild]) {
      const refused = await s.call('GET', '/api/v1/whoami', gone.token);
      expect(refused.status, gone.id).toBe(401);
    }
    expect((await s.call('GET', '/api/v1/whoami', root)).status).toBe(200);
    expect((await s.call('GET', '/api/v1/whoami', sibling.token)).status).toBe(200);
    // The root token made the stolen one, but revoking a child never reaches its maker.
    const records = await s.handle.store.tokens.list();
    expect(
      records
        .filter((t) => t.revokedAt !== undefined)
        .map((t) => t.id)
        .sort(),
    ).toEqual([stolen.id, child.id, admin.id, grandchild.id].sort());

    // Revoking it again changes nothing and says nothing went with it.
    const again = (await (await s.call('DELETE', `/api/v1/tokens/${stolen.id}`, root)).json()) as Revoked;
    expect(again.revokedAt).toBe(revoked.revokedAt);
    expect(again.revokedWith).toEqual([]);
  });

  it('revokes what a token revoked before made when it is revoked again, and leaves tokens without a maker alone', async () => {
    server = await openTestServer(backend);
    const s = server;
    const root = await s.token({ role: 'admin', pipelines: ['*'], principal: 'root-admin' });
    const parentRes = await s.call('POST', '/api/v1/tokens', root, {
      role: 'admin',
      pipelines: ['checkout'],
      principal: 'ops-bot',
    });
    const parent = (await parentRes.json()) as Made;
    const child = (await (
      await s.call('POST', '/api/v1/tokens', parent.token, { role: 'ci', pipelines: ['checkout'] })
    ).json()) as Made;
    // Revoked alone, as a server before lineage was recorded did.
    await execBehindTheStore(
      backend.name,
      s.handle,
      "update api_tokens set revoked_at = '2026-12-01T00:00:00.000Z', revoked_by = 'old' where id = ?",
      [parent.id],
    );
    // A token the operator made on the database has no maker: nothing reaches it.
    const operators = await s.token({ role: 'ci', pipelines: ['checkout'], principal: 'by-hand' });
    expect((await s.call('GET', '/api/v1/whoami', child.token)).status).toBe(200);
    const again = (await (await s.call('DELETE', `/api/v1/tokens/${parent.id}`, root)).json()) as Revoked;
    expect(again.revokedAt).toBe('2026-12-01T00:00:00.000Z');
    expect(again.revokedWith).toEqual([child.id]);
    expect((await s.call('GET', '/api/v1/whoami', child.token)).status).toBe(401);
    expect((await s.call('GET', '/api/v1/whoami', operators)).status).toBe(200);
  });
});

const LIVE = contractOf(`version: 1
pipeline: checkout
artifact: { type: oci }
stages:
  dev: { purpose: fast feedback }
`);
const STATUS = '/api/v1/pipelines/checkout/status';

/** `tollgate serve` in this process over a SQLite store (the one that keeps reads). */
async function serveOverHttp() {
  const handle = await sqliteBackend.open();
  cleanups.push(() => handle.dispose().catch(() => undefined));
  const services = createServices({ contracts: contractSource([LIVE]), store: handle.store });
  const server: RunningServer = await startServer({
    services,
    authenticators: [apiTokenAuthenticator(services)],
    listen: { host: '127.0.0.1', port: 0 },
    log: () => {},
    rateLimit: { perMinute: 1_000_000, burst: 100_000 },
  });
  cleanups.push(() => server.stop(0).catch(() => undefined));
  const root = (
    await createToken(
      services,
      { role: 'admin', pipelines: ['*'], principal: 'ops-bot' },
      'test-setup',
      new Date(),
    )
  ).token;
  const call = (method: string, path: string, bearer: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const kept = async () => {
    const text = await (await call('GET', '/metrics', root)).text();
    const line = text.split('\n').find((l) => l.startsWith('tollgate_http_kept_answers_total '));
    if (line === undefined) throw new Error('no tollgate_http_kept_answers_total in /metrics');
    return Number(line.split(' ')[1]);
  };
  const make = async (by: string, body: Record<string, unknown>) => {
    const res = await call('POST', '/api/v1/tokens', by, body);
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as Made;
  };
  /**
   * Makes a parent admin, its child and grandchild, and has the store keep the offspring's status
   * reads. All carry the one name of the root token: a token made in another's name is never
   * answered from kept reads (the contract may have come to name it), so these are.
   */
  const lineage = async () => {
    const parent = await make(root, { role: 'admin', pipelines: ['checkout'], principal: 'ops-bot' });
    const child = await make(parent.token, { role: 'admin', pipelines: ['checkout'], principal: 'ops-bot' });
    const grandchild = await make(child.token, {
      role: 'reader',
      pipelines: ['checkout'],
      principal: 'ops-bot',
    });
    for (const bearer of [child.token, child.token, grandchild.token, grandchild.token])
      expect((await call('GET', STATUS, bearer)).status).toBe(200);
    const before = await kept();
    for (const bearer of [child.token, grandchild.token])
      expect((await call('GET', STATUS, bearer)).status).toBe(200);
    // Both answered from kept reads: the path a revoked token must not slip through.
    expect(await kept()).toBe(before + 2);
    return { parent, child, grandchild, kept: before + 2 };
  };
  return { handle, root, call, kept, lineage };
}

describe('a token revoked with the token that made it, over real HTTP', () => {
  it('is refused on the very next request, kept reads or not', async () => {
    const served = await serveOverHttp();
    const { parent, child, grandchild, kept } = await served.lineage();
    const revoke = await served.call('DELETE', `/api/v1/tokens/${parent.id}`, served.root);
    expect(revoke.status).toBe(200);
    expect(((await revoke.json()) as Revoked).revokedWith).toEqual([child.id, grandchild.id].sort());
    for (const bearer of [child.token, grandchild.token]) {
      const refused = await served.call('GET', STATUS, bearer);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
        /^the API token [a-z0-9]{16} was revoked at /,
      );
    }
    expect(await served.kept()).toBe(kept);
  });

  it('is refused on the very next request when the operator revokes its maker on the database, and the CLI says how many went with it', async () => {
    const served = await serveOverHttp();
    const { parent, child, grandchild, kept } = await served.lineage();
    const revoked = await runCli(['token', 'revoke', parent.id], { cwd: ROOT, env: served.handle.env });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${parent.id}  ops-bot  admin`);
    const listed = await runCli(['token', 'list'], { cwd: ROOT, env: served.handle.env });
    expect(listed.stdout).toContain(`${grandchild.id}  ops-bot  reader  pipelines checkout  revoked `);
    expect(listed.stdout).toMatch(new RegExp(`${grandchild.id} .* made by ops-bot with token:${child.id}\n`));
    expect(revoked.stdout).toContain(
      `revoked with it: 2 tokens it made, or that those made: ${[child.id, grandchild.id].sort().join(', ')}`,
    );
    for (const bearer of [child.token, grandchild.token])
      expect((await served.call('GET', STATUS, bearer)).status).toBe(401);
    expect(await served.kept()).toBe(kept);
  });
});
