/**
 * A contract push racing promotions: each promotion is decided under the lock of its pipeline, on
 * the contract in force at that moment, and records that contract's digest. Whichever commits
 * first, no promotion names a contract other than the one the ledger had in force just before it,
 * and a promotion the push overtook is refused (409 CONTRACT_CHANGED), never decided under the
 * contract it read before the push. Pushing an older contract back is a change like any other.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ENTRY } from '../../src/ledger/entry.js';
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
`;
const V2 = V1.replace('fast feedback', 'quick feedback');
const base = '/api/v1/pipelines/shop';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

describe.each(BACKENDS)('a contract push racing promotions ($title)', (backend) => {
  it('never lets a promotion record a contract other than the one in force when it was decided', async () => {
    server = await openTestServer(backend, { contracts: [contractOf(V1)] });
    const s = server;
    const root = await s.token({ role: 'admin', pipelines: ['shop'], principal: 'root' });
    const ci = await s.token({ role: 'ci', pipelines: ['shop'], principal: 'ci' });
    const push = (text: string) =>
      Promise.resolve(
        s.app.request(`${base}/contract`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${root}`, 'content-type': 'application/yaml' },
          body: text,
        }),
      );
    expect((await push(V1)).status).toBe(201);
    const statuses = new Set<number>();
    for (let round = 0; round < 6; round++) {
      const digests = [0, 1, 2].map((i) => fakeDigest(`race-${round}-${i}`));
      for (const digest of digests)
        expect((await s.call('POST', `${base}/artifacts`, ci, { digest })).status).toBe(201);
      const answers = await Promise.all([
        ...digests.map((artifact) => s.call('POST', `${base}/stages/dev/promotions`, ci, { artifact })),
        push(round % 2 === 0 ? V2 : V1),
      ]);
      // The push back and forth is a recorded change each time, an older contract included.
      expect(answers.at(-1)?.status).toBe(201);
      for (const answer of answers.slice(0, -1)) {
        statuses.add(answer.status);
        if (answer.status !== 201)
          expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('CONTRACT_CHANGED');
      }
    }
    expect([...statuses].every((status) => status === 201 || status === 409)).toBe(true);

    // Walk the ledger: every promotion names the contract the last contract entry before it put in force.
    const entries = await s.handle.store.entriesAfter('shop', 0, 10_000);
    let inForce: string | undefined;
    let promotions = 0;
    let changes = 0;
    for (const entry of entries) {
      if (entry.kind === ENTRY.contract) {
        inForce = (entry.payload as { digest: string }).digest;
        changes++;
      }
      if (entry.kind === ENTRY.promotion) {
        promotions++;
        expect((entry.payload as { contractDigest: string }).contractDigest, `entry #${entry.seq}`).toBe(
          inForce,
        );
      }
    }
    expect(changes).toBe(7);
    expect(promotions).toBeGreaterThan(0);
  });
});
