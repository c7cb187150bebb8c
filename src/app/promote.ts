import { assertDigest } from '../artifact/digest.js';
import { decide } from '../decide.js';
import type { Decision } from '../decision.js';
import { field } from '../errors.js';
import type { Facts } from '../gates/gate.js';
import type { ChainedEntry } from '../ledger/entry.js';
import { ENTRY } from '../ledger/entry.js';
import type { LedgerTransaction } from '../ledger/ledger-store.js';
import { isTrusted } from '../ledger/ledger-view.js';
import type { Envelope } from '../trust/dsse.js';
import { gatherStageFacts, readFacts } from './check.js';
import { assertContractPinned, recordFirstPin } from './contract-pin.js';
import { snapshotsOf } from './fact-provider.js';
import { authoriseOverrides } from './overrides.js';
import { type AppRequest, assertRecordingClock, callerMarks } from './services.js';
import { loadVsaSigner, sealPromotion } from './vsa.js';

export interface PromoteOptions {
  /** Gates the caller asks to override for this promotion; authorised against the contract's `overrides`. */
  overrides?: readonly string[];
  /** Why the overrides are needed (required with them); recorded and shown in every later decision. */
  reason?: string;
  /**
   * Record a new promotion even when the digest is already the stage's current, healthy one
   * (`--again`). Without it such a promotion records nothing and answers with the existing entry.
   */
  again?: boolean;
}

/** The stage's current promotion when it is already this digest, healthy: a retry records nothing. */
export interface ExistingPromotion {
  seq: number;
  hash: string;
  at: string;
  actor: string;
  /** `promoted` or `verified`. */
  status: string;
}

/** The checkpoint that seals a promotion: the tree ending with it, signed, recorded in the next entry. */
export interface PromotionCheckpoint {
  /** The `checkpoint` entry that records the checkpoint and the VSA. */
  seq: number;
  hash: string;
  /** The tree size (the promotion's entry number) and its root hash (base64). */
  size: number;
  rootHash: string;
  /** The signed C2SP checkpoint; absent when the verifier key is ECDSA. */
  note?: string;
}

export interface PromoteResult {
  decision: Decision;
  /** The ledger entry, when the promotion was recorded (verdict allowed). */
  entry?: ChainedEntry;
  /**
   * The signed VSA (DSSE envelope), when allowed and a verifier key is configured; it carries the
   * promotion's entry, inclusion proof and checkpoint, and is recorded in the `checkpoint` entry.
   */
  vsa?: Envelope;
  /** The checkpoint sealing the promotion, when a verifier key is configured. */
  checkpoint?: PromotionCheckpoint;
  /**
   * Set when nothing was recorded because the digest already is the stage's current, healthy
   * promotion; `entry` is then that existing entry and `decision` the one it was recorded under
   * or, when another contract is in force now, the decision under the contract in force.
   */
  existing?: ExistingPromotion;
}

/**
 * A CI retry of a promotion that already happened: when the stage's latest promotion is this digest
 * and it is still healthy (not rolled back, no failed verification), the answer is that entry and
 * the decision it was recorded under. Recording another would restart every soak measured from it.
 */
async function currentHealthyPromotion(
  tx: LedgerTransaction,
  pipeline: string,
  stageName: string,
  facts: Facts,
): Promise<PromoteResult | undefined> {
  // The artifact's own (verified) entries say whether it was ever promoted here: a first
  // promotion, the usual case, needs no read of the stage.
  if (!facts.ledger.promotions.some((p) => p.stage === stageName && isTrusted(p))) return undefined;
  const latest = await tx.latestInStage(pipeline, stageName, ENTRY.promotion);
  if (latest?.artifact !== facts.artifact.digest) return undefined;
  const promotion = facts.ledger.promotions.find((p) => p.seq === latest.seq);
  if (promotion === undefined || !isTrusted(promotion)) return undefined;
  const recorded = latest.payload.decision as Decision | undefined;
  if (recorded === undefined || typeof recorded !== 'object' || recorded.verdict !== 'allowed')
    return undefined;
  // Its VSA and checkpoint are in the `checkpoint` entry after it (or, before checkpoints, in it).
  const latestSeal = await tx.latestInStage(pipeline, stageName, ENTRY.checkpoint);
  const seal = latestSeal?.payload.promotion === latest.seq ? latestSeal : undefined;
  const vsa = (seal ?? latest).payload.vsa as Envelope | undefined;
  return {
    decision: recorded,
    entry: latest,
    ...(vsa ? { vsa } : {}),
    ...(seal ? { checkpoint: checkpointField(seal) } : {}),
    existing: {
      seq: latest.seq,
      hash: latest.hash,
      at: latest.at,
      actor: latest.actor,
      status: promotion.status,
    },
  };
}

function checkpointField(entry: ChainedEntry): PromotionCheckpoint {
  const { size, rootHash, checkpoint } = entry.payload;
  return {
    seq: entry.seq,
    hash: entry.hash,
    size: Number(size),
    rootHash: String(rootHash),
    ...(typeof checkpoint === 'string' ? { note: checkpoint } : {}),
  };
}

/**
 * `tollgate promote`: re-checks the contract and, only if allowed, records the promotion. The
 * caller's overrides are authorised first (src/app/authorise.ts). The decision is made inside the
 * write transaction, under the pipeline's lock, on what the database holds at that moment: two
 * promotions racing into one stage are decided one after the other.
 */
export async function promote(
  ctx: AppRequest,
  stageName: string,
  digest: string,
  options: PromoteOptions = {},
): Promise<PromoteResult> {
  assertRecordingClock(ctx, 'promote');
  const overrides = authoriseOverrides(ctx, stageName, options.overrides ?? [], options.reason);
  const checked = assertDigest(digest, field('artifact'));
  const store = await ctx.services.store();
  const pipeline = ctx.contract.pipeline;
  const extra = await gatherStageFacts(ctx, stageName, store);
  // Read the verifier key before taking the lock; a broken key fails the command, not the decision.
  const vsaSigner = loadVsaSigner(ctx.contract, ctx.services.env);
  return store.write(pipeline, async (tx) => {
    const pin = await assertContractPinned(ctx, tx, `promote ${stageName}`);
    const facts = await readFacts(ctx, checked, tx, extra);
    const artifact = facts.artifact;
    const existing = options.again
      ? undefined
      : await currentHealthyPromotion(tx, pipeline, stageName, facts);
    if (existing && existing.entry?.payload.contractDigest === ctx.contract.digest) return existing;
    const decision = decide(ctx.contract, stageName, facts, { overrides });
    if (decision.verdict !== 'allowed') return { decision };
    // Recorded under another contract than the one in force: the retry is judged again, and only
    // when the contract in force allows it too does it answer with the entry in place (recording
    // nothing, so no downstream soak restarts). Before, it replayed the old contract's "allowed".
    if (existing) return { ...existing, decision };
    const snapshots = snapshotsOf(ctx.services.factProviders, extra);
    // The pipeline's first promotion pins the contract it was decided under.
    if (pin === undefined) await recordFirstPin(ctx, tx);
    const entry = await tx.append(pipeline, {
      kind: ENTRY.promotion,
      stage: stageName,
      artifact: artifact.digest,
      actor: ctx.caller.principal,
      at: decision.evaluatedAt,
      payload: {
        contractDigest: ctx.contract.digest,
        decision,
        evidence: facts.evidence.map((e) => e.id),
        ...(snapshots ? { snapshots } : {}),
        ...(overrides.length > 0 ? { overrides } : {}),
        ...callerMarks(ctx),
      },
    });
    if (!vsaSigner) return { decision, entry };
    // The VSA carries the promotion's inclusion proof and the checkpoint of the tree ending with it.
    const sealed = await sealPromotion(
      tx,
      entry,
      {
        contract: ctx.contract,
        stage: stageName,
        artifact,
        evidence: facts.evidence,
        ...(facts.extra.signers === undefined ? {} : { signers: facts.extra.signers }),
        timeVerified: ctx.caller.at,
        signer: vsaSigner,
        waived: decision.gates.filter((gate) => gate.status === 'waived').map((gate) => gate.gate),
      },
      callerMarks(ctx),
    );
    return { decision, entry, vsa: sealed.vsa, checkpoint: checkpointField(sealed.entry) };
  });
}
