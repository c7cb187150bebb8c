/**
 * Gate `verifiedIn`: a passing post-deploy verification of the digest in the named stage(s),
 * recorded after the digest's latest promotion into that stage. The latest verification decides:
 * a failure after a pass fails the gate. A digest that is in the stage and simply not verified yet
 * is `pending` (verification is on its way); one that never entered the stage fails.
 */
import type { VerifiedInRequirement } from '../contract/requires/verified-in.js';
import type { VerificationRecord } from '../ledger/ledger-view.js';
import { latestPromotion, ledgerRef } from '../ledger/ledger-view.js';
import { ownValue } from '../records.js';
import { byCodeUnits } from '../text/order.js';
import {
  type DecisionItem,
  type GateContext,
  type GateDefinition,
  type GateResult,
  gateResult,
} from './gate.js';

const KEY = 'verifiedIn';

interface Verification {
  at: string;
  /** Ordering key: the ledger seq that recorded it; evidence the ledger does not place sorts last. */
  order: number;
  result: 'passed' | 'failed';
  actor: string;
  ref: string;
  details?: string;
}

/** Verifications of the digest in `stage`, from ledger entries and from `verification` evidence. */
function verificationsIn(context: GateContext, stage: string): Verification[] {
  const digest = context.facts.artifact.digest;
  const fromLedger = (context.facts.ledger.verifications ?? [])
    .filter((v: VerificationRecord) => v.artifact === digest && v.stage === stage)
    .map((v) => ({
      at: v.at,
      order: v.seq,
      result: v.result,
      actor: v.actor,
      ref: ledgerRef(v.seq),
      ...(v.details ? { details: v.details } : {}),
    }));
  const fromEvidence = context.facts.evidence
    .filter((e) => e.stage === stage && e.data.kind === 'verification')
    .map((e) => {
      const data = e.data as { result: 'passed' | 'failed'; details?: string };
      return {
        at: e.recordedAt,
        // Where the ledger recorded it, when known: ledger order, which no clock can move.
        order: ownValue(context.facts.ledger.evidenceSeq ?? {}, e.id) ?? Number.MAX_SAFE_INTEGER,
        result: data.result,
        actor: e.actor,
        ref: e.id,
        ...(data.details ? { details: data.details } : {}),
      };
    });
  // Ledger order first: recorders' clocks can disagree (two runners, one slow), and a failure
  // entered after a pass must stay the latest word even when its time reads earlier. Only a
  // record the ledger does not place (order unknown) falls back to its time, after the rest.
  return [...fromLedger, ...fromEvidence].sort((a, b) => a.order - b.order || byCodeUnits(a.at, b.at));
}

export function evaluateVerifiedIn(config: VerifiedInRequirement, context: GateContext): GateResult {
  const stages = [config].flat();
  const validated: DecisionItem[] = [];
  const required: DecisionItem[] = [];
  const summaries: string[] = [];
  let failed = false;
  let pending = false;
  for (const stage of stages) {
    // The view holds this digest's promotions only.
    const promotion = latestPromotion(context.facts.ledger, stage);
    if (!promotion) {
      failed = true;
      summaries.push(`not in ${stage}`);
      required.push({
        gate: KEY,
        text: `a passing verification in ${stage}: the digest has not entered ${stage}`,
      });
      continue;
    }
    if (promotion.status === 'rolled-back') {
      failed = true;
      summaries.push(`rolled back in ${stage}`);
      required.push({
        gate: KEY,
        text: `a passing verification in ${stage}: ${promotion.statusReason ?? 'the promotion was rolled back'}`,
      });
      continue;
    }
    const since = verificationsIn(context, stage).filter((v) =>
      v.order !== Number.MAX_SAFE_INTEGER ? v.order > promotion.seq : v.at >= promotion.at,
    );
    const latest = since.at(-1);
    if (!latest) {
      pending = true;
      summaries.push(`not yet verified in ${stage}`);
      required.push({
        gate: KEY,
        text: `a passing post-deploy verification in ${stage} after ${promotion.at} (\`tollgate attest verification --artifact DIGEST --in ${stage} --result passed\`)`,
        evidence: [ledgerRef(promotion.seq)],
      });
    } else if (latest.result === 'failed') {
      failed = true;
      summaries.push(`verification failed in ${stage}`);
      required.push({
        gate: KEY,
        text: `post-deploy verification in ${stage} failed at ${latest.at} (reported by ${latest.actor})${latest.details ? `: ${latest.details}` : ''}`,
        evidence: [latest.ref],
      });
    } else {
      summaries.push(`verified in ${stage}`);
      validated.push({
        gate: KEY,
        text: `post-deploy verification passed in ${stage} at ${latest.at} (reported by ${latest.actor})`,
        evidence: [latest.ref],
      });
    }
  }
  const status = failed ? 'fail' : pending ? 'pending' : 'pass';
  return gateResult(KEY, status, summaries.join('; '), { validated, required });
}

export const verifiedInGate: GateDefinition<VerifiedInRequirement> = {
  key: KEY,
  select: (stage) => stage.requires.verifiedIn,
  evaluate: evaluateVerifiedIn,
};
