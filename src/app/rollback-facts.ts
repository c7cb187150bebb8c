/**
 * What the `rollback` decision section needs, gathered at the edge before a decision: the metrics
 * source (described, never its token), every promotion into the stage and, for a pinned target,
 * whether it is registered. Kept apart from the rollback use cases so `check` loads little.
 */

import type { RollbackFacts } from '../gates/extra-facts.js';
import type { ChainedEntry } from '../ledger/entry.js';
import { ENTRY } from '../ledger/entry.js';
import { type LedgerReader, readOnce } from '../ledger/ledger-store.js';
import { buildLedgerView, type PromotionRecord, type RollbackRecord } from '../ledger/ledger-view.js';
import { latestIn, oldestPossibleTarget } from '../rollback/last-known-good.js';
import { describeMetricsSource, resolveMetricsSource } from '../rollback/metrics-config.js';
import type { AppRequest, FactRequest } from './services.js';

const STAGE_KINDS = [ENTRY.promotion, ENTRY.rollback, ENTRY.verification] as const;

/**
 * Every promotion into `stage` (any digest), oldest first, with its status derived from the
 * rollback and verification entries of the same digest in that stage.
 */
export async function stagePromotions(
  reader: LedgerReader,
  pipeline: string,
  stage: string,
): Promise<PromotionRecord[]> {
  return promotionsOf(await reader.entriesForStage(pipeline, stage, STAGE_KINDS), stage);
}

/**
 * {@link stagePromotions} and the stage's rollbacks (oldest first), from one read: what the stage
 * runs now depends on both (after a rollback, its target).
 */
export async function stageRecords(
  reader: LedgerReader,
  pipeline: string,
  stage: string,
): Promise<{ promotions: PromotionRecord[]; rollbacks: RollbackRecord[] }> {
  const entries = await reader.entriesForStage(pipeline, stage, STAGE_KINDS);
  // Rollback records are read entry by entry, whatever digest each names.
  const rollbacks = buildLedgerView(entries).rollbacks ?? [];
  return {
    promotions: promotionsOf(entries, stage),
    rollbacks: rollbacks.filter((r) => r.stage === stage).sort((x, y) => x.seq - y.seq),
  };
}

/**
 * {@link stagePromotions}, counted for gaps only from the promotion `decisive` names on (see
 * `LedgerReader.entriesForStage`): for a decision that reads nothing older (every promotion when
 * it names none).
 */
async function stagePromotionsFrom(
  reader: LedgerReader,
  pipeline: string,
  stage: string,
  decisive: (promotions: PromotionRecord[]) => PromotionRecord | undefined,
): Promise<PromotionRecord[]> {
  let promotions: PromotionRecord[] | undefined;
  const entries = await reader.entriesForStage(pipeline, stage, STAGE_KINDS, {
    countFrom(entries) {
      promotions = promotionsOf(entries, stage);
      return decisive(promotions)?.seq;
    },
  });
  // A reader that counted without asking (an empty stage, or one that counts every read whole).
  return promotions ?? promotionsOf(entries, stage);
}

function promotionsOf(entries: readonly ChainedEntry[], stage: string): PromotionRecord[] {
  const byArtifact = new Map<string, ChainedEntry[]>();
  for (const entry of entries) {
    if (!entry.artifact) continue;
    const list = byArtifact.get(entry.artifact);
    if (list) list.push(entry);
    else byArtifact.set(entry.artifact, [entry]);
  }
  const promotions: PromotionRecord[] = [];
  for (const list of byArtifact.values()) {
    promotions.push(...buildLedgerView(list).promotions.filter((p) => p.stage === stage));
  }
  return promotions.sort((a, b) => a.seq - b.seq);
}

/** The metrics source configured for this contract and the process's environment, if any. */
export function metricsSourceOf(ctx: AppRequest) {
  return resolveMetricsSource(ctx.contract.metrics, ctx.services.env, ctx.contract.root);
}

/** Facts for the `rollback` decision section (src/gates/rollback-gate.ts). */
export async function rollbackFactsFor({
  request,
  stageName,
  stage,
  reader,
}: FactRequest): Promise<RollbackFacts> {
  const pipeline = request.contract.pipeline;
  const source = metricsSourceOf(request);
  const target = stage.rollback?.target;
  const pinned = target !== undefined && target !== 'last-known-good' ? target : undefined;
  // The section reads the stage's promotions only from the target on: for a pinned digest its
  // latest promotion into the stage (what says whether it is known bad there); else the oldest
  // promotion the last known good can be for any digest checked (the facts are gathered once for
  // every digest a page checks). What decides the answer (the target's status, newer promotions
  // and theirs) lies at or after it, so the stage is counted for gaps from there, not from its
  // first entry; with no such promotion, from its first entry. One scope: the pinned target's own
  // count below adds only the entries before that promotion.
  return readOnce(reader, async (scoped) => {
    const facts: RollbackFacts = {
      metricsSource: source ? describeMetricsSource(source) : null,
      stagePromotions: await stagePromotionsFrom(scoped, pipeline, stageName, (promotions) =>
        pinned === undefined
          ? oldestPossibleTarget(promotions, stageName)
          : latestOf(promotions, stageName, pinned),
      ),
    };
    if (pinned !== undefined) {
      facts.pinnedTargetRegistered = (await scoped.getArtifact(pipeline, pinned)) !== undefined;
      // Whether the target is known bad in the stage comes from the stage's entries: its rollback
      // or failed verification deleted between other artifacts' entries would pass this gate. Its
      // own entries are counted from its first to the head (exit 4).
      if (facts.pinnedTargetRegistered) await scoped.assertArtifactEntriesIntact(pipeline, pinned);
    }
    return facts;
  });
}

/** The latest promotion of `digest` into `stage`, whatever its status. */
function latestOf(promotions: readonly PromotionRecord[], stage: string, digest: string) {
  return latestIn(
    promotions.filter((p) => p.artifact === digest),
    stage,
  );
}
