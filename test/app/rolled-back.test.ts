/**
 * Rollbacks count (issue 13): a digest rolled back out of a stage stays out until a new approval,
 * recorded after the rollback, or an override naming the rollback (`rolledBack`); the decision
 * says when and why; approvals from before the rollback no longer count. On every store backend.
 */
import { describe, expect, it } from 'vitest';
import { recordApproval } from '../../src/app/approve.js';
import { checkStage } from '../../src/app/check.js';
import { promote } from '../../src/app/promote.js';
import { registerArtifact } from '../../src/app/register.js';
import { rollbackStage } from '../../src/app/rollback.js';
import { stageHistory } from '../../src/app/status.js';
import { twoStageContract } from '../support/builders.js';
import { fakeDigest } from '../support/cli.js';
import { pipelines } from '../support/pipeline.js';
import { BACKENDS } from '../support/stores.js';

// Prod is closed on 2026-11-24 from 10:00 to 11:00 (UTC): the rollback happens inside it.
const SHOP = twoStageContract(
  `      approvals: { count: 1, from: [alice, bob] }
      windows: { deny: [{ name: incident review, from: "2026-11-24T10:00:00Z", until: "2026-11-24T11:00:00Z" }] }`,
  // A demo pipeline: the test plays time forward with the request's clock.
  `demo: true
artifact: { type: oci }
overrides:
  - { by: [carol], gates: [windows, rolledBack, approvals] }`,
);

const V101 = fakeDigest('1.0.1');
const V102 = fakeDigest('1.0.2');
const T0 = new Date('2026-11-24T09:00:00Z');
const at = (minutes: number, seconds = 0) => new Date(T0.getTime() + minutes * 60_000 + seconds * 1000);

const openPipeline = pipelines();

describe.each(BACKENDS)('a digest rolled back out of a stage ($name)', (backend) => {
  async function rolledBackScenario() {
    const { as } = await openPipeline(backend, SHOP, { clock: T0 });
    for (const digest of [V101, V102]) {
      await registerArtifact(as('ci', at(0)), { digest });
      expect((await promote(as('ci', at(1)), 'staging', digest)).entry).toBeDefined();
      await recordApproval(as('alice', at(2)), 'prod', { artifact: digest, decision: 'approve' });
    }
    expect((await promote(as('ci', at(3)), 'prod', V101)).entry).toBeDefined();
    expect((await promote(as('ci', at(4)), 'prod', V102)).entry).toBeDefined();
    // 1.0.2 errors in prod: rolled back to 1.0.1 at 10:30, inside the deny window.
    const rollback = await rollbackStage(as('watch', at(90)), 'prod', {
      reason: 'tripped: error rate 0.31 > 0.02',
    });
    expect(rollback.to.digest).toBe(V101);
    return { as, rollbackSeq: rollback.entry.seq };
  }

  it('blocks the issue scenario: 39 s later, promote with an override of windows only is refused', async () => {
    const { as, rollbackSeq } = await rolledBackScenario();
    const retry = await promote(as('carol', at(90, 39)), 'prod', V102, {
      overrides: ['windows'],
      reason: 'hotfix is urgent',
    });
    expect(retry.entry).toBeUndefined();
    expect(retry.decision.verdict).toBe('blocked');
    const gate = retry.decision.gates.find((g) => g.gate === 'rolledBack');
    expect(gate?.status).toBe('fail');
    expect(gate?.summary).toBe(
      `rolled back out of prod at ${at(90).toISOString()} by watch (tripped: error rate 0.31 > 0.02)`,
    );
    expect(retry.decision.required.find((r) => r.gate === 'rolledBack')?.evidence).toEqual([
      `ledger#${rollbackSeq}`,
    ]);
    // alice's approval from before the rollback no longer counts.
    expect(retry.decision.gates.find((g) => g.gate === 'approvals')?.status).toBe('pending');
    expect(retry.decision.validated.filter((v) => v.gate === 'approvals')).toEqual([]);
    expect((await stageHistory(as('viewer', at(91)), 'prod')).map((p) => p.artifact)).toEqual([V102, V101]);
    // The digest that was never rolled back has no such gate.
    const other = await checkStage(as('viewer', at(91)), 'prod', V101);
    expect(other.gates.map((g) => g.gate)).not.toContain('rolledBack');
  });

  it('lets it in again after a new approval recorded after the rollback, and says why it was out', async () => {
    const { as, rollbackSeq } = await rolledBackScenario();
    const approval = await recordApproval(as('bob', at(95)), 'prod', { artifact: V102, decision: 'approve' });
    const again = await promote(as('ci', at(125)), 'prod', V102);
    expect(again.decision.verdict).toBe('allowed');
    expect(again.entry).toBeDefined();
    const gate = again.decision.gates.find((g) => g.gate === 'rolledBack');
    expect(gate?.status).toBe('pass');
    expect(again.decision.validated.find((v) => v.gate === 'rolledBack')).toEqual({
      gate: 'rolledBack',
      text: `approved again by bob at ${at(95).toISOString()}, after the rollback`,
      evidence: [`ledger#${approval.entry?.seq}`],
    });
    expect(again.decision.risks.find((r) => r.gate === 'rolledBack')?.evidence).toEqual([
      `ledger#${rollbackSeq}`,
    ]);
    // Once back in, the rollback is settled: later checks have no rolledBack gate.
    const later = await checkStage(as('viewer', at(130)), 'prod', V102);
    expect(later.gates.map((g) => g.gate)).not.toContain('rolledBack');
  });

  it('lets it in with an override naming the rollback, recorded as risk', async () => {
    const { as } = await rolledBackScenario();
    const overridden = await promote(as('carol', at(125)), 'prod', V102, {
      overrides: ['rolledBack', 'approvals'],
      reason: 'root cause fixed in config, see INC-42',
    });
    expect(overridden.decision.verdict).toBe('allowed');
    expect(overridden.decision.gates.find((g) => g.gate === 'rolledBack')?.status).toBe('waived');
    expect(overridden.decision.risks.map((r) => r.text).join('\n')).toContain(
      'gate rolledBack was overridden by carol ("root cause fixed in config, see INC-42"); it was: rolled back out of prod',
    );
  });

  it('keeps it out when the only word since the rollback is a rejection or the promoter’s own approval', async () => {
    const { as } = await rolledBackScenario();
    await recordApproval(as('bob', at(95)), 'prod', {
      artifact: V102,
      decision: 'reject',
      comment: 'not yet',
    });
    const rejected = await checkStage(as('alice', at(125)), 'prod', V102);
    expect(rejected.gates.find((g) => g.gate === 'rolledBack')?.summary).toContain('; rejected since by bob');
    expect(rejected.verdict).toBe('blocked');
  });
});
