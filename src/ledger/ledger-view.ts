/**
 * What the gates see of the ledger: plain values, read by the application layer before a decision.
 */

/** Where a promotion stands now. `failed` and `rolled-back` promotions are no longer trusted. */
export type PromotionStatus = 'promoted' | 'verified' | 'failed' | 'rolled-back';

export interface PromotionRecord {
  /** The ledger entry's sequence number (per pipeline). */
  seq: number;
  stage: string;
  artifact: string;
  actor: string;
  at: string;
  status: PromotionStatus;
  /** Why the status changed from `promoted`, when it did. */
  statusReason?: string;
  contractDigest: string;
}

export interface LedgerView {
  /** Promotions of the artifact being decided, in every stage, oldest first. */
  promotions: PromotionRecord[];
}

/** The latest promotion of `artifact` into `stage`, if any. */
export function latestPromotion(view: LedgerView, stage: string): PromotionRecord | undefined {
  let latest: PromotionRecord | undefined;
  for (const promotion of view.promotions) {
    if (promotion.stage === stage && (latest === undefined || promotion.seq > latest.seq)) latest = promotion;
  }
  return latest;
}

/** True when a promotion is still trusted: not failed, not rolled back. */
export function isTrusted(promotion: PromotionRecord): boolean {
  return promotion.status === 'promoted' || promotion.status === 'verified';
}
