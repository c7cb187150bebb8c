import { type Artifact, stageOf } from '../contract/types.js';
import { TollgateError } from '../errors.js';
import { ENTRY } from '../ledger/entry.js';
import type { ChainVerdict } from '../ledger/hash-chain.js';
import type { PromotionRecord } from '../ledger/ledger-view.js';
import { readArtifactHistory } from './artifact-facts.js';
import type { AppRequest } from './services.js';

export interface StageStatus {
  stage: string;
  purpose: string;
  /** The artifact the stage runs now: the latest promotion, or the target of a later rollback. */
  current?: { artifact: Artifact; since: string; seq: number; status: PromotionRecord['status'] };
}

/**
 * `tollgate status`: each stage's current artifact, in contract order. Read and verified as any
 * read is, and kept while the database is unchanged (a server answers it to every dashboard poll):
 * it depends on nothing else than the ledger and the contract's stages (its digest is in the key).
 * The rows are shared (frozen): do not change them.
 */
export async function stageStatus(ctx: AppRequest): Promise<StageStatus[]> {
  const store = await ctx.services.store();
  const { pipeline, digest } = ctx.contract;
  return store.whileUnchanged(['status', pipeline, digest], () => readStageStatus(ctx));
}

async function readStageStatus(ctx: AppRequest): Promise<StageStatus[]> {
  const store = await ctx.services.store();
  const pipeline = ctx.contract.pipeline;
  const result: StageStatus[] = [];
  for (const [stage, definition] of Object.entries(ctx.contract.stages)) {
    const entries = await store.entriesForStage(pipeline, stage, [ENTRY.promotion, ENTRY.rollback]);
    let current: { digest: string; since: string; seq: number } | undefined;
    for (const entry of entries) {
      if (entry.kind === ENTRY.promotion && entry.artifact)
        current = { digest: entry.artifact, since: entry.at, seq: entry.seq };
      if (entry.kind === ENTRY.rollback && typeof entry.payload.target === 'string') {
        current = { digest: entry.payload.target, since: entry.at, seq: entry.seq };
      }
    }
    const row: StageStatus = { stage, purpose: definition.purpose };
    if (current) {
      const { artifact, ledger } = await readArtifactHistory(store, pipeline, current.digest);
      const promotion = ledger.promotions.filter((p) => p.stage === stage).at(-1);
      if (artifact)
        row.current = {
          artifact,
          since: current.since,
          seq: current.seq,
          status: promotion?.status ?? 'promoted',
        };
    }
    result.push(row);
  }
  return result;
}

/** `tollgate history STAGE`: every promotion into the stage, newest first, with its current status. */
export async function stageHistory(
  ctx: AppRequest,
  stageName: string,
): Promise<Array<PromotionRecord & { labels: Record<string, string> }>> {
  stageOf(ctx.contract, stageName);
  const store = await ctx.services.store();
  const pipeline = ctx.contract.pipeline;
  const promotions = await store.entriesForStage(pipeline, stageName, [ENTRY.promotion]);
  const out: Array<PromotionRecord & { labels: Record<string, string> }> = [];
  // A digest promoted several times is read once: its view and labels serve all its rows.
  const seen = new Map<string, { promotions: PromotionRecord[]; labels: Record<string, string> }>();
  for (const entry of promotions.reverse()) {
    const digest = entry.artifact!;
    let known = seen.get(digest);
    if (!known) {
      const { artifact, ledger } = await readArtifactHistory(store, pipeline, digest);
      known = { promotions: ledger.promotions, labels: artifact?.labels ?? {} };
      seen.set(digest, known);
    }
    const record = known.promotions.find((p) => p.seq === entry.seq)!;
    out.push({ ...record, labels: known.labels });
  }
  return out;
}

/** `tollgate ledger verify`: recomputes the chain of the contract's pipeline. */
export async function verifyLedger(
  ctx: AppRequest,
): Promise<ChainVerdict & { pipeline: string; location: string }> {
  const store = await ctx.services.store();
  const verdict = await store.verify(ctx.contract.pipeline);
  return { ...verdict, pipeline: ctx.contract.pipeline, location: store.location };
}

export function assertChainOk(verdict: ChainVerdict): void {
  if (!verdict.ok)
    throw new TollgateError(
      'LEDGER_CORRUPT',
      `ledger entry #${verdict.seq} does not match: ${verdict.reason}`,
    );
}
