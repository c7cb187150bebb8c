/**
 * Overrides as remaining risk. An override waives a gate for one promotion (src/decide.ts turns the
 * gate into `waived`); afterwards it stays on the record, and every later decision about the same
 * digest lists it under remaining risk, whatever stage that decision is for.
 */
import type { DecisionItem } from '../gates/gate.js';
import type { LedgerView } from '../ledger/ledger-view.js';
import { ledgerRef } from '../ledger/ledger-view.js';

/**
 * One risk line per recorded override of `digest`.
 * @example recordedOverrideRisks(view, digest)[0]?.text // 'soak was overridden by alice when promoting into staging at …: "hotfix"'
 */
export function recordedOverrideRisks(view: LedgerView, digest: string): DecisionItem[] {
  return (view.overrides ?? [])
    .filter((o) => o.artifact === digest)
    .map((o) => ({
      gate: o.gate,
      text: `${o.gate} was overridden by ${o.actor} when promoting into ${o.stage} at ${o.at}: "${o.reason}"`,
      evidence: [ledgerRef(o.seq)],
    }));
}
