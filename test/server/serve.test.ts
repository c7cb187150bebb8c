/**
 * `tollgate serve` as a user runs it: the built CLI on a real socket (loopback, a free port),
 * tokens made with `tollgate token create` on the same database, and SIGTERM while an upload is
 * still streaming in: the request finishes and is stored whole, then the process exits 0.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/ledger/sqlite-store.js';
import { FIXTURES, fakeDigest, makeWorkspace, runCli, type Served, startServe } from '../support/cli.js';

const CONTRACT = `version: 1
pipeline: checkout
artifact: { type: oci }
stages:
  dev:
    purpose: fast feedback
    requires:
      tests: [{ suite: unit }]
`;

const servers: Served[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Starts `tollgate serve` and resolves once it listens; stopped after the test. */
async function serve(cwd: string, args: string[], env: Record<string, string>): Promise<Served> {
  const server = await startServe(args, { cwd, env });
  servers.push(server);
  return server;
}

describe('tollgate serve', () => {
  it('serves over a socket and finishes an upload in flight on SIGTERM before exiting', async () => {
    const workspace = makeWorkspace(CONTRACT);
    dirs.push(workspace);
    const env = { TOLLGATE_DATA_DIR: join(workspace, 'state') };
    const made = await runCli(
      ['token', 'create', '--role', 'ci', '--pipeline', 'checkout', '--name', 'ci-bot'],
      {
        cwd: workspace,
        env,
      },
    );
    expect(made.code, made.stderr).toBe(0);
    const token = made.stdout.trim();
    const server = await serve(workspace, ['--contract', 'tollgate.yaml'], env);
    const { url } = server;
    const headers = { authorization: `Bearer ${token}` };
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/api/v1/pipelines/checkout/status`)).status).toBe(401);

    const digest = fakeDigest('serve');
    const registered = await fetch(`${url}/api/v1/pipelines/checkout/artifacts`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ digest }),
    });
    expect(registered.status).toBe(201);

    // An upload that is still arriving when SIGTERM comes.
    const report = readFileSync(
      join(FIXTURES, 'junit/tests__utils__TEST-action.surefire.report.calc.AllOkTest.xml'),
    );
    let finish!: () => void;
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(report.subarray(0, 100));
        await new Promise<void>((resolve) => {
          finish = resolve;
        });
        controller.enqueue(report.subarray(100));
        controller.close();
      },
    });
    const inFlight = fetch(`${url}/api/v1/pipelines/checkout/artifacts/${digest}/tests?suite=unit`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/xml' },
      body,
      duplex: 'half',
    } as RequestInit);
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.child.exitCode).toBeNull();
    finish();
    const answer = await inFlight;
    expect(answer.status).toBe(201);
    expect(await answer.json()).toMatchObject({ suite: 'unit', tests: 1, stored: true });
    expect(await server.exited).toBe(0);
    expect(server.stderr()).toMatch(/SIGTERM: finishing requests in flight/);

    const store = await openSqliteStore(join(workspace, 'state', 'ledger.db'));
    try {
      const entries = await store.entriesForArtifact('checkout', digest);
      expect(entries.map((e) => [e.kind, e.actor])).toEqual([
        ['register', 'ci-bot'],
        ['attest', 'ci-bot'],
      ]);
      expect((await store.verify('checkout')).ok).toBe(true);
    } finally {
      await store.close();
    }
  });

  // Over a socket, requests arriving in one turn of the server's event loop share one look at
  // whether another process committed (src/ledger/read-memo.ts): a revocation by another process
  // must still stop the very next request, and a status must still show another process's write.
  it('a token revoked by another process stops working at the next request over the socket', async () => {
    const workspace = makeWorkspace(CONTRACT.replace(/\n {4}requires:\n.*\n$/, '\n'));
    dirs.push(workspace);
    const env = { TOLLGATE_DATA_DIR: join(workspace, 'state') };
    const made = await runCli(
      ['token', 'create', '--role', 'admin', '--pipeline', 'checkout', '--name', 'ops', '--json'],
      { cwd: workspace, env },
    );
    expect(made.code, made.stderr).toBe(0);
    const { token, id } = JSON.parse(made.stdout) as { token: string; id: string };
    const server = await serve(workspace, ['--contract', 'tollgate.yaml'], env);
    const { url } = server;
    const headers = { authorization: `Bearer ${token}` };
    const status = `${url}/api/v1/pipelines/checkout/status`;
    // Many at once, so the server answers several in one turn from its kept reads.
    const before = await Promise.all(Array.from({ length: 16 }, () => fetch(status, { headers })));
    expect(before.map((r) => r.status)).toEqual(Array(16).fill(200));
    for (const r of before) expect((await r.json())[0].current).toBeUndefined();

    // Another process registers and promotes: the next status shows it.
    const digest = fakeDigest('served-status');
    const cli = { cwd: workspace, env: { ...env, TOLLGATE_ACTOR: 'ops' } };
    const registered = await runCli(['register', '--digest', digest], cli);
    expect(registered.code, registered.stderr).toBe(0);
    const promoted = await runCli(['promote', 'dev', '--artifact', digest], cli);
    expect(promoted.code, promoted.stderr).toBe(0);
    const after = await fetch(status, { headers });
    expect(
      ((await after.json()) as Array<{ current?: { artifact: { digest: string } } }>)[0]!.current?.artifact
        .digest,
    ).toBe(digest);

    const revoked = await runCli(['token', 'revoke', id], { cwd: workspace, env });
    expect(revoked.code, revoked.stderr).toBe(0);
    const refused = await fetch(status, { headers });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/revoked/);
  });

  it('refuses to start on a bad listen address or an invalid contract folder', async () => {
    const workspace = makeWorkspace('version: 1\npipeline: Bad Name\n');
    dirs.push(workspace);
    const listen = await runCli(['serve', '--listen', 'localhost:99999'], { cwd: workspace });
    expect(listen.code).toBe(3);
    expect(listen.stderr).toMatch(/--listen "localhost:99999"/);
    const contracts = await runCli(['serve', '--contracts', '.', '--listen', '127.0.0.1:0'], {
      cwd: workspace,
    });
    expect(contracts.code).toBe(3);
    expect(contracts.stderr).toMatch(/tollgate\.yaml:2/);
  });
});
