/**
 * What the `rollback` decision section needs, gathered at the edge before a decision: the metrics
 * source (described, never its token), every promotion into the stage and, for a pinned target,
 * whether it is registered. Kept apart from the rollback use cases so `check` loads little.
 */

import { stageOf } from '../contract/load-contract.js';
import type { ContractStage } from '../contract/types.js';
import type { RollbackFacts } from '../gates/rollback-gate.js';
import type { ChainedEntry } from '../ledger/hash-chain.js';
import type { LedgerReader } from '../ledger/ledger-store.js';
import { buildLedgerView, ENTRY, type PromotionRecord } from '../ledger/ledger-view.js';
import { describeMetricsSource, resolveMetricsSource } from '../rollback/metrics-config.js';
import type { AppContext } from './context.js';
import type { FactProvider } from './fact-providers.js';

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

export function env(ctx: AppContext): NodeJS.ProcessEnv {
  return ctx.env ?? process.env;
}

/** The metrics source configured for this contract and environment, if any. */
export function metricsSourceOf(ctx: AppContext) {
  return resolveMetricsSource(ctx.contract.metrics, env(ctx), ctx.contract.root);
}

/** Facts for the `rollback` decision section (src/gates/rollback-gate.ts). */
export const rollbackFactProvider: FactProvider = {
  key: 'rollback',
  applies: (stage: ContractStage) => stage.rollback !== undefined,
  async provide(ctx, stageName, reader): Promise<RollbackFacts> {
    const stage = stageOf(ctx.contract, stageName);
    const source = metricsSourceOf(ctx);
    const facts: RollbackFacts = {
      metricsSource: source ? describeMetricsSource(source) : null,
      stagePromotions: await stagePromotions(reader, ctx.contract.pipeline, stageName),
    };
    const target = stage.rollback?.target;
    if (target && target !== 'last-known-good') {
      facts.pinnedTargetRegistered = (await reader.getArtifact(ctx.contract.pipeline, target)) !== undefined;
    }
    return facts;
  },
  snapshot: (value) => ({ metricsSource: (value as RollbackFacts).metricsSource }),
};
