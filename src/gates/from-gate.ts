import { type ContractStage, upstreamOf } from '../contract/types.js';
import { isTrusted, latestPromotion, ledgerRef } from '../ledger/ledger-view.js';
import { ownValue } from '../records.js';
import type { UpstreamRulesFact } from './extra-facts.js';
import { type DecisionItem, type GateDefinition, gateResult } from './gate.js';

/**
 * The contract under which a promotion recorded at `seq` into `upstream` was decided, when the
 * contract in force has changed that stage's rules since (the `upstreamRules` fact).
 */
function changedSince(fact: UpstreamRulesFact | undefined, upstream: string, seq: number) {
  return ownValue(fact ?? {}, upstream)?.find((period) => period.from < seq && seq < period.until);
}

/**
 * `from`: the same digest entered every upstream stage, and that promotion was not failed or
 * rolled back, nor decided under rules for the stage that the contract in force has changed since
 * (a test or an approval added there is not skipped by what entered before). A rebuilt artifact
 * has another digest, so it has entered nothing.
 */
export const fromGate: GateDefinition<string[]> = {
  key: 'from',
  select: (stage: ContractStage) => {
    const upstream = upstreamOf(stage);
    return upstream.length > 0 ? upstream : undefined;
  },
  evaluate(upstreams, { facts }) {
    const validated: DecisionItem[] = [];
    const required: DecisionItem[] = [];
    const missing: string[] = [];
    for (const upstream of upstreams) {
      const promotion = latestPromotion(facts.ledger, upstream);
      const stale = promotion && changedSince(facts.extra.upstreamRules, upstream, promotion.seq);
      if (!promotion || !isTrusted(promotion) || stale) missing.push(upstream);
      if (!promotion) {
        required.push({
          gate: 'from',
          text: `this digest has not entered ${upstream}: promote it to ${upstream} first`,
        });
      } else if (!isTrusted(promotion)) {
        required.push({
          gate: 'from',
          text: `its promotion into ${upstream} (ledger #${promotion.seq}) is ${promotion.status}${promotion.statusReason ? ` — ${promotion.statusReason}` : ''}: promote it to ${upstream} again once fixed`,
          evidence: [ledgerRef(promotion.seq)],
        });
      } else if (stale) {
        required.push({
          gate: 'from',
          text: `its promotion into ${upstream} (ledger #${promotion.seq}) was decided under contract ${stale.contract} (ledger entry #${stale.from}), and ${stale.changed}: promote it to ${upstream} again under the contract in force`,
          evidence: [ledgerRef(promotion.seq)],
        });
      } else {
        validated.push({
          gate: 'from',
          text: `same digest entered ${upstream} at ${promotion.at} (by ${promotion.actor}, ${promotion.status})`,
          evidence: [ledgerRef(promotion.seq)],
        });
      }
    }
    return required.length === 0
      ? gateResult('from', 'pass', `entered ${upstreams.join(', ')}`, { validated })
      : gateResult('from', 'fail', `not trusted in ${missing.join(', ')}`, {
          validated,
          required,
        });
  },
};
