/**
 * What the `rollback` decision section needs, gathered at the edge before a decision: the metrics
 * source (described, never its token), every promotion into the stage and, for a pinned target,
 * whether it is registered. Kept apart from the rollback use cases so `check` loads little.
 */

import type { RollbackFacts } from '../gates/extra-facts.js';
import type { ChainedEntry } from '../ledger/entry.js';
import { ENTRY } from '../ledger/entry.js';
import type { LedgerReader } from '../ledger/ledger-store.js';
import { buildLedgerView, type PromotionRecord } from '../ledger/ledger-view.js';
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
  const entries = await reader.entriesForStage(pipeline, stage, STAGE_KINDS);
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
  const facts: RollbackFacts = {
    metricsSource: source ? describeMetricsSource(source) : null,
    stagePromotions: await stagePromotions(reader, pipeline, stageName),
  };
  const target = stage.rollback?.target;
  if (target && target !== 'last-known-good') {
    facts.pinnedTargetRegistered = (await reader.getArtifact(pipeline, target)) !== undefined;
    // Whether the target is known bad in the stage comes from the stage's entries, read without a
    // gap count: its rollback or failed verification deleted between other artifacts' entries
    // would pass this gate. Its own entries are counted from its first to the head (exit 4).
    if (facts.pinnedTargetRegistered) await reader.assertArtifactEntriesIntact(pipeline, target);
  }
  return facts;
}
