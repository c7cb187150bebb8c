/**
 * The `rollback` section in every decision: which conditions will watch the promotion, for how
 * long, against which metrics, and where a rollback would go. It answers "what rollback conditions
 * exist" before the promotion. It never blocks on metrics (they describe the future), only on a
 * pinned target that is not a registered artifact, since that rollback could not happen, or one
 * whose latest promotion into the stage was rolled back or failed verification (known bad there).
 */
import type { ContractStage } from '../contract/types.js';
import { ledgerRef, type PromotionRecord } from '../ledger/ledger-view.js';
import { formatDuration } from '../policy/duration.js';
import {
  describeUntrusted,
  rollbackTargetIfPromoted,
  untrustedPinnedTarget,
} from '../rollback/last-known-good.js';
import { type ConditionPolicy, describeThreshold, type RollbackPolicy } from '../rollback/policy.js';
import { fallsBackToConstant, selectsByDigest } from '../rollback/substitute.js';
import {
  type DecisionItem,
  type GateContext,
  type GateDefinition,
  type GateResult,
  gateResult,
} from './gate.js';

const GATE = 'rollback';

export const rollbackGate: GateDefinition<RollbackPolicy> = {
  key: GATE,
  select: (stage: ContractStage) => stage.rollback,
  evaluate: evaluateRollbackSection,
};

/** Pure: lists the conditions and the target of a stage's `rollback` section. */
export function evaluateRollbackSection(config: RollbackPolicy, context: GateContext): GateResult {
  const facts = context.facts.extra.rollback;
  const stage = context.stageName;
  const within = formatDuration(config.withinMs);
  const validated: DecisionItem[] = [];
  const risks: DecisionItem[] = [];
  const required: DecisionItem[] = [];
  const conditions = config.conditions.map(describeCondition);
  const source = facts?.metricsSource ?? null;

  if (source !== null) {
    for (const text of conditions) {
      validated.push({
        gate: GATE,
        text: `rollback condition ${text}; watched ${within} after promotion via ${source}`,
      });
    }
  } else {
    risks.push({
      gate: GATE,
      text:
        `${config.conditions.length} rollback condition(s) cannot be evaluated: no metrics source is configured ` +
        `(set metrics.prometheus.url in the contract or TOLLGATE_PROMETHEUS_URL): ${config.conditions.map((c) => `"${c.name}"`).join(', ')}`,
    });
  }

  for (const condition of config.conditions) {
    if (!fallsBackToConstant(condition.prometheus)) continue;
    risks.push({
      gate: GATE,
      text: `rollback condition "${condition.name}" falls back to a constant (… or vector(…)) when its query finds nothing, so it never has no data and noData never applies: a wrong label or a digest not reported yet reads as that constant, healthy; put the fallback only in a numerator ((errors or vector(0)) / requests)`,
    });
  }

  for (const condition of config.conditions) {
    if (selectsByDigest(condition.prometheus)) continue;
    // Without $digest the query measures the stage, whatever runs there: the samples right after
    // a promotion (and any [range] in the query) still describe the previous digest.
    risks.push({
      gate: GATE,
      text: `rollback condition "${condition.name}" does not select by $digest: right after a promotion it still measures the previous digest (its last samples and any [range] in the query), so an early healthy check speaks for the old build; add {…="$digest"} to the query`,
    });
  }

  let targetText: string;
  let status: GateResult['status'] = 'pass';
  // A pinned target whose latest promotion into the stage was rolled back or failed verification.
  let bad: PromotionRecord | undefined;
  if (config.target === 'last-known-good') {
    const target = rollbackTargetIfPromoted(
      facts?.stagePromotions ?? [],
      stage,
      context.facts.artifact.digest,
    );
    if (target) {
      targetText = `last known good ${target.artifact}`;
      validated.push({
        gate: GATE,
        text: `rollback target: last known good ${target.artifact} (promoted into ${stage} ${target.at} by ${target.actor})`,
        evidence: [ledgerRef(target.seq)],
      });
    } else {
      targetText = 'last known good (none yet)';
      risks.push({
        gate: GATE,
        text: `no earlier good promotion in ${stage}: if a rollback condition trips, there is no last known good digest to return to`,
      });
    }
  } else {
    targetText = `pinned ${config.target}`;
    bad = untrustedPinnedTarget(facts?.stagePromotions ?? [], stage, config.target);
    if (facts?.pinnedTargetRegistered === false) {
      status = 'fail';
      required.push({
        gate: GATE,
        text: `register the pinned rollback target ${config.target} (tollgate register), or change stages.${stage}.rollback.target`,
      });
    } else if (bad) {
      status = 'fail';
      required.push({
        gate: GATE,
        text: `the pinned rollback target ${config.target} ${describeUntrusted(bad, stage)}: a rollback would return to a digest known bad there; change stages.${stage}.rollback.target`,
        evidence: [ledgerRef(bad.seq)],
      });
    } else {
      validated.push({ gate: GATE, text: `rollback target: pinned digest ${config.target}` });
      const promotions = facts?.stagePromotions ?? [];
      if (!promotions.some((p) => p.stage === stage && p.artifact === config.target)) {
        risks.push({
          gate: GATE,
          text: `the pinned rollback target ${config.target} was never promoted into ${stage}: a rollback would deploy a digest never validated there`,
        });
      }
    }
  }

  const summary =
    status === 'fail'
      ? `pinned rollback target ${config.target} ${bad === undefined ? 'is not a registered artifact' : `is not good in ${stage} (${bad.status})`}`
      : `${config.conditions.length} rollback condition(s) watched for ${within}; target ${targetText}` +
        (source === null ? '; no metrics source configured' : '');
  return gateResult(GATE, status, summary, { validated, risks, required });
}

function describeCondition(condition: ConditionPolicy): string {
  const { forMs, intervalMs, count, failureLimit } = condition;
  const held =
    forMs === 0
      ? 'on one measurement'
      : failureLimit === count - 1
        ? `for ${formatDuration(forMs)}`
        : `in more than ${failureLimit} of ${count} measurements over ${formatDuration(forMs)}`;
  return (
    `"${condition.name}": ${describeThreshold(condition)} ${held} (every ${formatDuration(intervalMs)}, ` +
    `no data counts as ${condition.noData === 'fail' ? 'failed' : condition.noData === 'pass' ? 'passed' : 'inconclusive'})`
  );
}
