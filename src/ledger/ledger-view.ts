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

/** The ledger entry kinds Tollgate writes. */
export const ENTRY = {
  register: 'register',
  attest: 'attest',
  promotion: 'promotion',
  rollback: 'rollback',
  verification: 'verification',
} as const;

/** What `buildLedgerView` needs of an entry. */
export interface ViewEntry {
  seq: number;
  kind: string;
  stage: string | null;
  artifact: string | null;
  actor: string;
  at: string;
  payload: Record<string, unknown>;
}

/**
 * Derives the view from an artifact's ledger entries, oldest first. A promotion's status comes
 * from the entries after it: a rollback naming it marks it `rolled-back`; a failed verification in
 * its stage marks it `failed`, a passing one `verified`.
 */
export function buildLedgerView(entries: readonly ViewEntry[]): LedgerView {
  const promotions: PromotionRecord[] = [];
  const bySeq = new Map<number, PromotionRecord>();
  for (const entry of entries) {
    if (entry.kind === ENTRY.promotion && entry.stage && entry.artifact) {
      const record: PromotionRecord = {
        seq: entry.seq,
        stage: entry.stage,
        artifact: entry.artifact,
        actor: entry.actor,
        at: entry.at,
        status: 'promoted',
        contractDigest: String(entry.payload.contractDigest ?? ''),
      };
      promotions.push(record);
      bySeq.set(entry.seq, record);
    } else if (entry.kind === ENTRY.rollback) {
      const target = bySeq.get(Number(entry.payload.promotion));
      if (target) {
        target.status = 'rolled-back';
        target.statusReason = `rolled back by ${entry.actor} at ${entry.at}${entry.payload.reason ? `: ${entry.payload.reason}` : ''}`;
      }
    } else if (entry.kind === ENTRY.verification && entry.stage) {
      const latest = promotions.filter((p) => p.stage === entry.stage).at(-1);
      if (latest && latest.status !== 'rolled-back') {
        if (entry.payload.result === 'failed') {
          latest.status = 'failed';
          latest.statusReason = `post-deploy verification failed (reported by ${entry.actor} at ${entry.at})`;
        } else if (latest.status === 'promoted') {
          latest.status = 'verified';
        }
      }
    }
  }
  return { promotions };
}
