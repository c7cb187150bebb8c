/**
 * The rollback target computed from the ledger. Pure.
 */
import { isTrusted, type PromotionRecord, type RollbackRecord } from '../ledger/ledger-view.js';

/**
 * The last known good promotion of `stage`: the most recent promotion earlier than `current`
 * (default: the stage's latest promotion) that was neither rolled back nor failed verification,
 * and of a different digest — going "back" to the digest being rolled back would change nothing.
 * A digest whose latest promotion into the stage was rolled back or failed verification is known
 * bad there, however good an earlier promotion of it looked: it is never the target.
 * Returns undefined when there is none.
 * @example lastKnownGood(promotions, 'prod')?.artifact // 'sha256:…'
 */
export function lastKnownGood(
  promotions: readonly PromotionRecord[],
  stage: string,
  current: PromotionRecord | undefined = latestIn(promotions, stage),
): PromotionRecord | undefined {
  if (current === undefined) return undefined;
  const bad = knownBadIn(promotions, stage);
  let best: PromotionRecord | undefined;
  for (const promotion of promotions) {
    if (promotion.stage !== stage || promotion.seq >= current.seq) continue;
    if (!isTrusted(promotion) || promotion.artifact === current.artifact || bad.has(promotion.artifact))
      continue;
    if (best === undefined || promotion.seq > best.seq) best = promotion;
  }
  return best;
}

/**
 * The digests whose latest promotion into `stage` was rolled back or failed verification: known
 * bad there until a later good promotion of them. One pass, so a long history stays linear.
 */
function knownBadIn(promotions: readonly PromotionRecord[], stage: string): Set<string> {
  const latest = new Map<string, PromotionRecord>();
  for (const promotion of promotions) {
    if (promotion.stage !== stage) continue;
    const seen = latest.get(promotion.artifact);
    if (seen === undefined || promotion.seq > seen.seq) latest.set(promotion.artifact, promotion);
  }
  const bad = new Set<string>();
  for (const [digest, promotion] of latest) if (!isTrusted(promotion)) bad.add(digest);
  return bad;
}

/**
 * The target a rollback would have if `digest` were promoted into `stage` now: the latest trusted
 * promotion of another digest there. Used by `check` before the promotion exists.
 */
export function rollbackTargetIfPromoted(
  promotions: readonly PromotionRecord[],
  stage: string,
  digest: string,
): PromotionRecord | undefined {
  const bad = knownBadIn(promotions, stage);
  let best: PromotionRecord | undefined;
  for (const promotion of promotions) {
    if (promotion.stage !== stage || !isTrusted(promotion) || promotion.artifact === digest) continue;
    if (bad.has(promotion.artifact)) continue;
    if (best === undefined || promotion.seq > best.seq) best = promotion;
  }
  return best;
}

/**
 * The oldest promotion {@link rollbackTargetIfPromoted} can answer with, whatever digest is
 * checked: the best target of another digest than the best target's own (what a check of that
 * digest gets). Everything that decides either answer (their statuses, newer promotions and their
 * statuses) lies at or after it. Undefined when some digest checked would get no target (fewer than
 * two digests good in the stage): then every promotion of the stage can decide.
 * @example oldestPossibleTarget(promotions, 'prod')?.seq // count the ledger from here
 */
export function oldestPossibleTarget(
  promotions: readonly PromotionRecord[],
  stage: string,
): PromotionRecord | undefined {
  const best = rollbackTargetIfPromoted(promotions, stage, '');
  return best === undefined ? undefined : rollbackTargetIfPromoted(promotions, stage, best.artifact);
}

/** The stage's latest promotion, whatever its status. */
export function latestIn(promotions: readonly PromotionRecord[], stage: string): PromotionRecord | undefined {
  let latest: PromotionRecord | undefined;
  for (const promotion of promotions) {
    if (promotion.stage === stage && (latest === undefined || promotion.seq > latest.seq)) latest = promotion;
  }
  return latest;
}

/**
 * Why a pinned target must not be rolled back to in `stage`: its latest promotion there was itself
 * rolled back or failed post-deploy verification (going "back" to a digest known bad in the stage).
 * Returns that promotion, or undefined when the digest's last word in the stage is good or it never
 * entered the stage.
 */
export function untrustedPinnedTarget(
  promotions: readonly PromotionRecord[],
  stage: string,
  digest: string,
): PromotionRecord | undefined {
  let latest: PromotionRecord | undefined;
  for (const promotion of promotions) {
    if (promotion.stage !== stage || promotion.artifact !== digest) continue;
    if (latest === undefined || promotion.seq > latest.seq) latest = promotion;
  }
  return latest !== undefined && !isTrusted(latest) ? latest : undefined;
}

/** "was rolled back out of prod (reason)" / "failed post-deploy verification in prod (reason)". */
export function describeUntrusted(promotion: PromotionRecord, stage: string): string {
  const what =
    promotion.status === 'rolled-back'
      ? `was rolled back out of ${stage}`
      : `failed post-deploy verification in ${stage}`;
  return `${what} after its promotion at ${promotion.at} (ledger #${promotion.seq})${promotion.statusReason ? `: ${promotion.statusReason}` : ''}`;
}

/**
 * The promotion that runs in `stage` now, as far as the ledger says: its latest promotion unless
 * that was rolled back — a promotion that failed post-deploy verification still runs, and is what
 * a rollback must undo. After a rollback the stage runs that rollback's target: the promotion it
 * names (`targetPromotion`, a last known good), else the target digest's latest promotion into the
 * stage before it (a pinned target); undefined when the target was never promoted there, since no
 * promotion of the stage runs. Only for rollbacks that name no target (none are written so) is it
 * the latest trusted promotion. `rollbacks` are the stage's rollback records, any order.
 * @example currentIn(promotions, 'prod', rollbacks)?.artifact // what `rollback check prod` measures
 */
export function currentIn(
  promotions: readonly PromotionRecord[],
  stage: string,
  rollbacks: readonly Pick<RollbackRecord, 'seq' | 'stage' | 'target' | 'targetPromotion'>[],
): PromotionRecord | undefined {
  const latest = latestIn(promotions, stage);
  if (latest === undefined || latest.status !== 'rolled-back') return latest;
  // The newest rollback after the newest promotion decided what runs: nothing changed the stage
  // since (the same rule as `status`). An older promotion of the undone digest can still read as
  // trusted (b promoted twice, the second rolled back), so "the latest trusted" is not the answer.
  let last: (typeof rollbacks)[number] | undefined;
  for (const rollback of rollbacks) {
    if (
      rollback.stage === stage &&
      rollback.seq > latest.seq &&
      (last === undefined || rollback.seq > last.seq)
    )
      last = rollback;
  }
  if (last?.target !== undefined) {
    const { target, targetPromotion, seq } = last;
    let found: PromotionRecord | undefined;
    for (const promotion of promotions) {
      if (promotion.stage !== stage || promotion.artifact !== target || promotion.seq > seq) continue;
      if (
        targetPromotion !== undefined
          ? promotion.seq === targetPromotion
          : found === undefined || promotion.seq > found.seq
      )
        found = promotion;
    }
    return found;
  }
  let trusted: PromotionRecord | undefined;
  for (const promotion of promotions) {
    if (
      promotion.stage === stage &&
      isTrusted(promotion) &&
      (trusted === undefined || promotion.seq > trusted.seq)
    )
      trusted = promotion;
  }
  return trusted;
}
