import { type ContractStage, upstreamOf } from '../contract/types.js';
import { isTrusted, latestPromotion, ledgerRef } from '../ledger/ledger-view.js';
import { type DecisionItem, type GateDefinition, gateResult } from './gate.js';

/**
 * `from`: the same digest entered every upstream stage, and that promotion was not failed or
 * rolled back. A rebuilt artifact has another digest, so it has entered nothing.
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
      if (!promotion || !isTrusted(promotion)) missing.push(upstream);
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
