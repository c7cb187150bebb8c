/**
 * The CLI's side of test/server/voided-approvals.test.ts: a failed post-deploy verification of a
 * digest in a stage voids the approvals of it for that stage given before it, the rollback's rule.
 * A rejection stands across it; the rolledBack gate reads the same words.
 */
import { describe, expect, it } from 'vitest';
import { recordApproval } from '../../src/app/approve.js';
import { checkStage } from '../../src/app/check.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { attestVerification } from '../../src/app/verification.js';
import { twoStageContract } from '../support/builders.js';
import { fakeDigest } from '../support/cli.js';
import { pipelines } from '../support/pipeline.js';
import { BACKENDS } from '../support/stores.js';

const SHOP = twoStageContract(
  '      approvals: { count: 1, from: [alice, bob] }',
  'demo: true\nartifact: { type: oci }',
);
const D = fakeDigest('voided-1.0.0');
const T0 = new Date('2026-11-24T09:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const openPipeline = pipelines();

describe.each(BACKENDS)('approvals given before a failed verification ($name)', (backend) => {
  it('void on the next promotion of the same digest into the stage; a fresh approval admits it', async () => {
    const { as } = await openPipeline(backend, SHOP, { clock: T0 });
    await registerArtifact(as('ci', at(0)), { digest: D });
    await promote(as('ci', at(1)), 'staging', D);
    const first = await recordApproval(as('alice', at(2)), 'prod', { artifact: D, decision: 'approve' });
    expect((await promote(as('ci', at(3)), 'prod', D)).decision.verdict).toBe('allowed');
    const failed = await attestVerification(as('ci', at(4)), {
      artifact: D,
      stage: 'prod',
      result: 'failed',
    });

    const again = await promote(as('ci', at(5)), 'prod', D);
    expect(again.entry).toBeUndefined();
    const gate = again.decision.gates.find((g) => g.gate === 'approvals');
    expect(gate?.status).toBe('pending');
    expect(gate?.summary).toBe(
      `0 of 1 approvals (alice's approval does not count: given before the failed post-deploy verification in prod reported by ci at ${at(4).toISOString()} (ledger#${failed.entry.seq}); approve again)`,
    );
    expect(first.entry?.seq).toBeLessThan(failed.entry.seq);
    // alice may approve again: she is still named among those who can.
    expect(again.decision.required.find((r) => r.gate === 'approvals')?.text).toContain(
      'can approve: alice, bob',
    );

    await recordApproval(as('alice', at(6)), 'prod', { artifact: D, decision: 'approve' });
    const fresh = await promote(as('ci', at(7)), 'prod', D);
    expect(fresh.decision.verdict).toBe('allowed');
    expect(fresh.entry).toBeDefined();
  });

  it('keeps a rejection given before the failure standing', async () => {
    const { as } = await openPipeline(backend, SHOP, { clock: T0 });
    await registerArtifact(as('ci', at(0)), { digest: D });
    await promote(as('ci', at(1)), 'staging', D);
    await recordApproval(as('alice', at(2)), 'prod', { artifact: D, decision: 'approve' });
    expect((await promote(as('ci', at(3)), 'prod', D)).decision.verdict).toBe('allowed');
    await recordApproval(as('bob', at(4)), 'prod', { artifact: D, decision: 'reject', comment: 'errors' });
    await attestVerification(as('ci', at(5)), { artifact: D, stage: 'prod', result: 'failed' });
    await recordApproval(as('alice', at(6)), 'prod', { artifact: D, decision: 'approve' });
    const check = await checkStage(as('viewer', at(7)), 'prod', D);
    expect(check.gates.find((g) => g.gate === 'approvals')?.summary).toMatch(/^rejected by bob/);
    expect(check.verdict).toBe('blocked');
  });
});
