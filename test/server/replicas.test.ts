/**
 * Three replicas of `tollgate serve` on one PostgreSQL; eight clients each promote fifty artifacts
 * into one stage at once, spreading requests over the replicas and retrying with the same
 * Idempotency-Key on another replica when an answer does not come; one replica is killed with
 * SIGKILL mid-run. Afterwards every promotion is in the ledger exactly once — none lost, none
 * twice — and the chain verifies. (Timings are the benchmark's business, not this test's.)
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/ledger/hash-chain.js';
import { openPostgresStore } from '../../src/ledger/postgres-store.js';
import { makeWorkspace, runCli, type Served, startServe } from '../support/cli.js';
import { createSchema, POSTGRES_AVAILABLE } from '../support/stores.js';

const CONTRACT = `version: 1
pipeline: checkout
artifact: { type: oci }
stages:
  dev: { purpose: fast feedback }
`;
const CLIENTS = 8;
const EACH = 50;

const servers: Served[] = [];
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function startReplica(cwd: string, env: Record<string, string>): Promise<Served> {
  const server = await startServe(['--contract', 'tollgate.yaml', '--config', 'server.yaml'], { cwd, env });
  servers.push(server);
  return server;
}

describe.skipIf(!POSTGRES_AVAILABLE)('replicas on one PostgreSQL', () => {
  it('lose and duplicate no promotion when one replica is killed mid-run and clients retry', async () => {
    const schema = await createSchema();
    cleanups.push(() => schema.drop());
    // One client makes hundreds of requests in seconds: lift the per-principal limit.
    const workspace = makeWorkspace(CONTRACT, {
      'server.yaml': 'rateLimit: { perMinute: 1000000, burst: 100000 }\n',
    });
    cleanups.push(() => rmSync(workspace, { recursive: true, force: true }));
    const env = { TOLLGATE_DATABASE_URL: schema.url };
    const made = await runCli(
      ['token', 'create', '--role', 'ci', '--pipeline', 'checkout', '--name', 'ci-bot'],
      {
        cwd: workspace,
        env,
      },
    );
    expect(made.code, made.stderr).toBe(0);
    const token = made.stdout.trim();
    const replicas = await Promise.all([0, 1, 2].map(() => startReplica(workspace, env)));
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    const digests = Array.from({ length: CLIENTS * EACH }, (_, i) => sha256(`replica-${i}`));
    for (const digest of digests) {
      const res = await fetch(`${replicas[0]!.url}/api/v1/pipelines/checkout/artifacts`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ digest }),
      });
      expect(res.status).toBe(201);
    }

    let done = 0;
    let retries = 0;
    const killed = { at: (CLIENTS * EACH) / 3, done: false };
    const answers: string[] = [];
    async function promoteOnce(client: number, n: number): Promise<void> {
      const digest = digests[client * EACH + n]!;
      const key = `client-${client}-promotion-${n}`;
      for (let attempt = 0; attempt < 30; attempt++) {
        const replica = replicas[(client + n + attempt) % replicas.length]!;
        try {
          const res = await fetch(`${replica.url}/api/v1/pipelines/checkout/stages/dev/promotions`, {
            method: 'POST',
            headers: { ...headers, 'idempotency-key': key },
            body: JSON.stringify({ artifact: digest }),
            signal: AbortSignal.timeout(20_000),
          });
          if (res.status >= 500) throw new Error(`status ${res.status}`);
          expect(res.status, await res.clone().text()).toBe(201);
          const decision = (await res.json()) as { verdict: string; artifact: { digest: string } };
          expect(decision.artifact.digest).toBe(digest);
          answers.push(res.headers.get('tollgate-entry')!);
          done += 1;
          if (done >= killed.at && !killed.done) {
            killed.done = true;
            replicas[1]!.child.kill('SIGKILL');
          }
          return;
        } catch (error) {
          if ((error as { name?: string }).name === 'AssertionError') throw error;
          retries += 1;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      throw new Error(`${key}: no replica answered`);
    }
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let n = 0; n < EACH; n++) await promoteOnce(client, n);
      }),
    );
    expect(killed.done).toBe(true);
    expect(replicas[1]!.child.signalCode).toBe('SIGKILL');
    expect(answers).toHaveLength(CLIENTS * EACH);

    const store = await openPostgresStore(schema.url);
    try {
      const promotions = await store.entriesForStage('checkout', 'dev', ['promotion']);
      const promoted = promotions.map((entry) => entry.artifact);
      // None lost, none twice.
      expect(promoted).toHaveLength(CLIENTS * EACH);
      expect(new Set(promoted).size).toBe(CLIENTS * EACH);
      expect(new Set(promoted)).toEqual(new Set(digests));
      // Every client's answer names a ledger entry that exists, each a different one.
      expect(new Set(answers).size).toBe(CLIENTS * EACH);
      const verdict = await store.verify('checkout');
      expect(verdict.ok).toBe(true);
      console.info(
        `replicas: ${CLIENTS * EACH} promotions, ${retries} retries after the kill, ledger intact`,
      );
    } finally {
      await store.close();
    }
  }, 300_000); // 3 replicas, 400 promotions and a restart: minutes on a machine shared with other jobs
});
