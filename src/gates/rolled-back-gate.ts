/**
 * Gate `rolledBack`, which every stage has: a digest rolled back out of a stage (by `rollback` or
 * `watch --rollback`) stays out until someone looks again. It is blocked until a new approval,
 * recorded after the rollback, or an override of this gate (`--override rolledBack`, which names the
 * rollback: overriding `windows` or any other gate does not). The decision says when, by whom and
 * why the digest was rolled back. Approvals given before the rollback no longer count (for this
 * gate and for `approvals`). Once the digest has entered the stage again, the rollback is settled.
 *
 * A digest never rolled back out of the stage has nothing here, and the gate is left out.
 */
import type { ContractStage } from '../contract/types.js';
import { ledgerRef, type RollbackRecord, standingRollback } from '../ledger/ledger-view.js';
import { approvalStandings, latestWords } from './approvals-gate.js';
import { type GateContext, type GateDefinition, gateResult } from './gate.js';

const GATE = 'rolledBack';

/** Every stage has the gate; it applies only to a digest with a standing rollback. */
const ALWAYS = Object.freeze({});

function rollbackOf(context: GateContext): RollbackRecord | undefined {
  return standingRollback(context.facts.ledger, context.facts.artifact.digest, context.stageName);
}

function describe(rollback: RollbackRecord, stage: string): string {
  return `rolled back out of ${stage} at ${rollback.at} by ${rollback.actor}${rollback.reason ? ` (${rollback.reason})` : ''}`;
}

export const rolledBackGate: GateDefinition<object> = {
  key: GATE,
  select: (_stage: ContractStage) => ALWAYS,
  appliesTo: (context) => rollbackOf(context) !== undefined,
  evaluate(_config, context) {
    const rollback = rollbackOf(context);
    const stage = context.stageName;
    if (rollback === undefined) return gateResult(GATE, 'pass', `never rolled back out of ${stage}`);
    const what = describe(rollback, stage);
    const ref = [ledgerRef(rollback.seq)];
    // latestWords counts only words given after the rollback. With an approvals section its
    // eligibility rules apply; without one, anyone but the promoter may re-approve.
    const approvalsConfig = context.stage.requires.approvals;
    const words = latestWords(context);
    const rejected = words.filter((word) => word.decision === 'reject');
    const approvals = approvalStandings(approvalsConfig, words, context)
      .filter((standing) => standing.why === undefined)
      .map((standing) => standing.record);
    if (rejected.length === 0 && approvals.length > 0) {
      return gateResult(GATE, 'pass', `${what}; approved again since`, {
        validated: approvals.map((word) => ({
          gate: GATE,
          text: `approved again by ${word.actor} at ${word.at}, after the rollback`,
          evidence: [ledgerRef(word.seq)],
        })),
        risks: [{ gate: GATE, text: `this digest was ${what}`, evidence: ref }],
      });
    }
    const rejection =
      rejected.length > 0 ? `; rejected since by ${rejected.map((w) => w.actor).join(', ')}` : '';
    return gateResult(GATE, 'fail', `${what}${rejection}`, {
      required: [
        {
          gate: GATE,
          text:
            `this digest was ${what}${rejection}; it may enter ${stage} again only with a new approval recorded after the rollback ` +
            `(\`tollgate approve ${stage} --artifact ${context.facts.artifact.digest}\`; approvals from before it no longer count) ` +
            `or an override naming the rollback (\`--override rolledBack --reason …\`)`,
          evidence: ref,
        },
      ],
    });
  },
};
