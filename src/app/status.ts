import type { Lookalike } from '../artifact/digest.js';
import { type Artifact, stageOf } from '../contract/types.js';
import { TollgateError } from '../errors.js';
import { ENTRY } from '../ledger/entry.js';
import type { ChainVerdict } from '../ledger/hash-chain.js';
import { type LedgerReader, readOnce } from '../ledger/ledger-store.js';
import { type LedgerView, type PromotionRecord, stageStatusOf } from '../ledger/ledger-view.js';
import { stageNowOf } from '../ledger/overview-index.js';
import { readArtifactHistory } from './artifact-facts.js';
import { type DigestConflict, digestConflictsOf } from './artifact-identity.js';
import type { AppRequest } from './services.js';

/** A gate overridden at a promotion: who, which gate, why. */
export interface PromotionOverride {
  gate: string;
  actor: string;
  reason: string;
}

export interface StageStatus {
  stage: string;
  purpose: string;
  /** The artifact the stage runs now: the latest promotion, or the target of a later rollback. */
  current?: {
    artifact: Artifact;
    since: string;
    seq: number;
    status: PromotionRecord['status'];
    /** A rollback made it current: the stage went back to it (`seq` and `since` are the rollback's). */
    rolledBack?: true;
    /** The contract its promotion was decided under. */
    contractDigest?: string;
    /** Its promotion was recorded at a time someone set (a demo pipeline). */
    clockSet?: true;
    /** Gates overridden at its promotion. */
    overrides?: PromotionOverride[];
    /** Other registered artifacts with the same short digest: show the full digest, and say so. */
    lookalikes?: Lookalike[];
  };
}

/** A row of `tollgate history`: a promotion, how it stands now, and what it was decided with. */
export type HistoryRow = PromotionRecord & {
  labels: Record<string, string>;
  /** Gates overridden at this promotion: who, which gate, why. */
  overrides?: PromotionOverride[];
  /** Other registered artifacts with the same short digest: show the full digest, and say so. */
  lookalikes?: Lookalike[];
};

/** The overrides recorded with promotion `seq`. */
function overridesAt(ledger: LedgerView, seq: number): PromotionOverride[] {
  return (ledger.overrides ?? [])
    .filter((o) => o.seq === seq)
    .map((o) => ({ gate: o.gate, actor: o.actor, reason: o.reason }));
}

/** One stage's row of `status`: what it runs now and how that promotion stands. */
export function stageRow(
  reader: LedgerReader,
  pipeline: string,
  stage: string,
  purpose: string,
): Promise<StageStatus> {
  // The stage's newest promotion and rollback, and the current digest's entries, each counted for
  // gaps to the head: one count over their union.
  return readOnce(reader, (store) => readStageRow(store, pipeline, stage, purpose));
}

async function readStageRow(
  store: LedgerReader,
  pipeline: string,
  stage: string,
  purpose: string,
): Promise<StageStatus> {
  const current = await stageNowOf(store, pipeline, stage);
  const row: StageStatus = { stage, purpose };
  if (current) {
    // The look-alikes after the entries, from the read their check already made when it made one.
    const {
      artifact,
      ledger,
      lookalikes: readLookalikes,
    } = await readArtifactHistory(store, pipeline, current.digest);
    const lookalikes = await readLookalikes();
    const promotion = ledger.promotions.filter((p) => p.stage === stage).at(-1);
    const overrides = promotion ? overridesAt(ledger, promotion.seq) : [];
    if (artifact)
      row.current = {
        artifact,
        since: current.since,
        seq: current.seq,
        status: stageStatusOf(ledger, stage),
        ...(current.rolledBack ? { rolledBack: true as const } : {}),
        ...(promotion?.contractDigest ? { contractDigest: promotion.contractDigest } : {}),
        ...(promotion?.clockSet ? { clockSet: true as const } : {}),
        ...(overrides.length ? { overrides } : {}),
        ...(lookalikes.length ? { lookalikes } : {}),
      };
  }
  return row;
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
  return Promise.all(
    Object.entries(ctx.contract.stages).map(([stage, definition]) =>
      stageRow(store, pipeline, stage, definition.purpose),
    ),
  );
}

/** `tollgate history STAGE`: every promotion into the stage, newest first, with its current status. */
export async function stageHistory(ctx: AppRequest, stageName: string): Promise<HistoryRow[]> {
  stageOf(ctx.contract, stageName);
  const pipeline = ctx.contract.pipeline;
  // The stage's entries are counted for gaps from its first one to the head, and each digest's
  // from its first: one count over their union.
  return readOnce(await ctx.services.store(), (store) => readStageHistory(store, pipeline, stageName));
}

async function readStageHistory(
  store: LedgerReader,
  pipeline: string,
  stageName: string,
): Promise<HistoryRow[]> {
  const promotions = await store.entriesForStage(pipeline, stageName, [ENTRY.promotion]);
  const out: HistoryRow[] = [];
  // A digest promoted several times is read once: its view and labels serve all its rows.
  const seen = new Map<
    string,
    { ledger: LedgerView; labels: Record<string, string>; lookalikes: Lookalike[] }
  >();
  for (const entry of promotions.reverse()) {
    const digest = entry.artifact!;
    let known = seen.get(digest);
    if (!known) {
      const history = await readArtifactHistory(store, pipeline, digest);
      known = {
        ledger: history.ledger,
        labels: history.artifact?.labels ?? {},
        lookalikes: await history.lookalikes(),
      };
      seen.set(digest, known);
    }
    const record = known.ledger.promotions.find((p) => p.seq === entry.seq)!;
    const overrides = overridesAt(known.ledger, entry.seq);
    out.push({
      ...record,
      labels: known.labels,
      ...(overrides.length ? { overrides } : {}),
      ...(known.lookalikes.length ? { lookalikes: known.lookalikes } : {}),
    });
  }
  return out;
}

/**
 * `tollgate ledger verify`: recomputes the chain of the contract's pipeline. An intact chain is
 * also read for digests its register entries tie to two artifacts (`digestConflicts`, a warning
 * like `timeBackwards`: an append-only ledger cannot be repaired).
 */
export async function verifyLedger(
  ctx: AppRequest,
): Promise<ChainVerdict & { pipeline: string; location: string; digestConflicts?: DigestConflict[] }> {
  const store = await ctx.services.store();
  const pipeline = ctx.contract.pipeline;
  const verdict = await store.verify(pipeline);
  const conflicts = verdict.ok
    ? digestConflictsOf(await store.unstagedEntries(pipeline, ENTRY.register))
    : [];
  return {
    ...verdict,
    ...(conflicts.length ? { digestConflicts: conflicts } : {}),
    pipeline,
    location: store.location,
  };
}

export function assertChainOk(verdict: ChainVerdict): void {
  if (!verdict.ok)
    throw new TollgateError(
      'LEDGER_CORRUPT',
      `ledger entry #${verdict.seq} does not match: ${verdict.reason}`,
    );
}
