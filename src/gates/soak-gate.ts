/**
 * Gate `soak`: the digest has spent long enough in the upstream stage since it last entered it,
 * with no failed post-deploy verification and no rollback there since. Counted per digest, from
 * the digest's own promotion: a newer build entering the stage does not restart an older one's
 * soak, so frequent builds never starve a release. While time is all that is missing, the gate
 * is `pending` with the exact end.
 */

import type { SoakPolicy } from '../contract/requires/soak.js';
import { upstreamOf } from '../contract/types.js';
import { CLOCK_TOLERANCE_MS } from '../ledger/entry.js';
import { isTrusted, latestPromotion, ledgerRef, type PromotionRecord } from '../ledger/ledger-view.js';
import { formatDuration } from '../policy/duration.js';
import {
  type DecisionItem,
  type GateContext,
  type GateDefinition,
  type GateResult,
  gateResult,
} from './gate.js';

const KEY = 'soak';

export function evaluateSoak(config: SoakPolicy, context: GateContext): GateResult {
  const duration = config.duration;
  const inStages = config.in ?? upstreamOf(context.stage);
  if (inStages.length === 0) {
    return gateResult(KEY, 'fail', `stage ${context.stageName} has no upstream stage to soak in`, {
      required: [{ gate: KEY, text: 'name the stage to soak in: soak: { duration, in: STAGE }' }],
    });
  }
  const needMs = duration.ms;
  const nowMs = context.facts.now.getTime();
  const digest = context.facts.artifact.digest;
  const ledger = context.facts.ledger;
  const validated: DecisionItem[] = [];
  const required: DecisionItem[] = [];
  const summaries: string[] = [];
  let failed = false;
  let until: number | undefined;

  for (const stage of inStages) {
    // The view holds this digest's promotions only.
    const promotion = latestPromotion(ledger, stage);
    if (!promotion) {
      failed = true;
      summaries.push(`not in ${stage}`);
      required.push({
        gate: KEY,
        text: `${duration.text} soak in ${stage}: the digest has not entered ${stage}`,
      });
      continue;
    }
    const ref = [ledgerRef(promotion.seq)];
    // Time is counted only from a real clock: an entry made at a set time (`--now`) could start a
    // soak in the past. Only a demo pipeline lets a set clock count.
    if (promotion.clockSet && context.contract.demo !== true) {
      failed = true;
      summaries.push(`entry into ${stage} at a set clock`);
      required.push({
        gate: KEY,
        text: `${duration.text} soak in ${stage}: the digest's promotion into ${stage} (${ledgerRef(promotion.seq)}) was recorded at a time someone set (${promotion.at}), which counts for no soak outside a demo pipeline; promote it into ${stage} again on the real clock`,
        evidence: ref,
      });
      continue;
    }
    const broken =
      (!isTrusted(promotion) && (promotion.statusReason ?? promotion.status)) ||
      brokenBy(context, stage, promotion.seq, digest);
    if (broken) {
      failed = true;
      summaries.push(`soak in ${stage} broken`);
      required.push({
        gate: KEY,
        text: `${duration.text} soak in ${stage} since ${promotion.at} was broken: ${broken}`,
        evidence: ref,
      });
      continue;
    }
    const enteredMs = Date.parse(promotion.at);
    // A promotion dated before an earlier promotion of the digest (by more than clock skew) was
    // written by a clock set back: an append is refused that (CLOCK_BACKWARDS), so the ledger is
    // from before the check or was edited and chained again. Its time cannot start a soak.
    const earlier =
      context.contract.demo === true ? undefined : laterEarlierPromotion(ledger.promotions, promotion);
    if (earlier !== undefined) {
      failed = true;
      summaries.push(`entry into ${stage} dated backwards`);
      required.push({
        gate: KEY,
        text: `${duration.text} soak in ${stage}: the digest's promotion into ${stage} (${ledgerRef(promotion.seq)}) is dated ${promotion.at}, before its earlier promotion into ${earlier.stage} (${ledgerRef(earlier.seq)}, ${earlier.at}): time runs backwards in the ledger (see \`tollgate ledger verify\`), so no soak is counted from it. Promote it into ${stage} again`,
        evidence: [...ref, ledgerRef(earlier.seq)],
      });
      continue;
    }
    // An entry dated after the decision was written by a clock running ahead (or this one runs
    // behind): no soak can be measured from it. Within the tolerance it is clock skew between
    // machines, and the soak simply has not started.
    if (enteredMs > nowMs + CLOCK_TOLERANCE_MS) {
      failed = true;
      summaries.push(`entry into ${stage} dated after the decision`);
      required.push({
        gate: KEY,
        text: `${duration.text} soak in ${stage}: the digest's promotion into ${stage} (${ledgerRef(promotion.seq)}) is dated ${promotion.at}, after this decision's time ${new Date(nowMs).toISOString()}; one of the two clocks is wrong, so no soak is counted. Fix the clock, then promote it into ${stage} again`,
        evidence: ref,
      });
      continue;
    }
    const soakedMs = Math.max(0, nowMs - enteredMs);
    const endMs = enteredMs + needMs;
    if (nowMs >= endMs) {
      summaries.push(`${formatDuration(nowMs - enteredMs)} in ${stage}`);
      validated.push({
        gate: KEY,
        text: `soaked ${formatDuration(nowMs - enteredMs)} in ${stage} since ${promotion.at} (${duration.text} required), no failed verification or rollback`,
        evidence: ref,
      });
    } else {
      const end = new Date(endMs).toISOString();
      summaries.push(`${formatDuration(soakedMs)} of ${duration.text} in ${stage}`);
      required.push({
        gate: KEY,
        text: `soak in ${stage} ends ${end} (${formatDuration(endMs - nowMs)} from now; entered ${promotion.at})`,
        evidence: ref,
      });
      until = until === undefined ? endMs : Math.max(until, endMs);
    }
  }
  const summary = summaries.join('; ');
  if (failed) return gateResult(KEY, 'fail', summary, { validated, required });
  if (until !== undefined)
    return gateResult(KEY, 'pending', summary, { validated, required, until: new Date(until).toISOString() });
  return gateResult(KEY, 'pass', summary, { validated });
}

/** A failed verification or a rollback of the digest in `stage` after the promotion `sinceSeq`. */
function brokenBy(context: GateContext, stage: string, sinceSeq: number, digest: string): string | undefined {
  const ledger = context.facts.ledger;
  const failedVerification = (ledger.verifications ?? []).find(
    (v) => v.artifact === digest && v.stage === stage && v.seq > sinceSeq && v.result === 'failed',
  );
  if (failedVerification)
    return `post-deploy verification failed at ${failedVerification.at} (reported by ${failedVerification.actor})`;
  const rollback = (ledger.rollbacks ?? []).find(
    (r) => r.artifact === digest && r.stage === stage && r.seq > sinceSeq,
  );
  if (rollback)
    return `rolled back at ${rollback.at} by ${rollback.actor}${rollback.reason ? `: ${rollback.reason}` : ''}`;
  return undefined;
}

export const soakGate: GateDefinition<SoakPolicy> = {
  key: KEY,
  select: (stage) => stage.requires.soak,
  evaluate: evaluateSoak,
};

/**
 * An earlier promotion of the digest (lower sequence number, real clock) dated more than the clock
 * tolerance after `promotion`, or undefined: the ledger's order says it came first.
 */
function laterEarlierPromotion(
  promotions: readonly PromotionRecord[],
  promotion: PromotionRecord,
): PromotionRecord | undefined {
  const enteredMs = Date.parse(promotion.at);
  return promotions.find(
    (p) => p.seq < promotion.seq && !p.clockSet && Date.parse(p.at) > enteredMs + CLOCK_TOLERANCE_MS,
  );
}
