/**
 * The newest entry of a kind in a stage (`latestInStage`) is read by `status` (what a stage runs
 * now, also the target a rollback names) and by a retried promotion. Those rows must be verified
 * like every other read: an entry edited behind Tollgate's back, in the real SQLite file or
 * PostgreSQL schema, stops the command with exit 4.
 */
import { describe, expect, it } from 'vitest';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { rollbackStage } from '../../src/app/rollback.js';
import { stageStatus } from '../../src/app/status.js';
import { contractOf, tollgateRejectionOf } from '../support/builders.js';
import { fakeDigest } from '../support/cli.js';
import { pipelines } from '../support/pipeline.js';
import { BACKENDS, execBehindTheStore } from '../support/stores.js';

const SHOP = contractOf(`version: 1
pipeline: shop
demo: true
artifact: { type: oci }
stages:
  prod: { purpose: live }
`);

const V1 = fakeDigest('latest-1');
const V2 = fakeDigest('latest-2');
const NEVER = fakeDigest('latest-never-in-prod');
const T0 = new Date('2026-11-24T09:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const openPipeline = pipelines();

describe.each(BACKENDS)('the newest entry of a stage, edited ($title)', (backend) => {
  it('a rollback whose target was edited in its body stops status instead of naming that digest', async () => {
    const { as, handle } = await openPipeline(backend, SHOP, { clock: T0 });
    for (const digest of [V1, V2, NEVER]) await registerArtifact(as('ci', at(0)), { digest });
    await promote(as('ci', at(1)), 'prod', V1);
    await promote(as('ci', at(2)), 'prod', V2);
    const rollback = await rollbackStage(as('watch', at(3)), 'prod', { reason: 'error rate' });
    expect(rollback.to.digest).toBe(V1);
    const now = await stageStatus(as('viewer', at(4)));
    expect(now[0]?.current?.artifact.digest).toBe(V1);
    await execBehindTheStore(
      backend.name,
      handle,
      'update ledger_entries set body = replace(body, ?, ?) where seq = ?',
      [V1, NEVER, rollback.entry.seq],
    );
    const refused = await tollgateRejectionOf(stageStatus(as('viewer', at(5))));
    expect(refused.code).toBe('LEDGER_CORRUPT');
    expect(refused.message).toContain(
      `ledger entry #${rollback.entry.seq} of pipeline shop fails verification`,
    );
  });
});
