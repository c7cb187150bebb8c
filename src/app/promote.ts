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
import { snapshotsOf } from './fact-provider.js';
import { authoriseOverrides } from './overrides.js';
import { type AppRequest, assertRecordingClock, callerMarks } from './services.js';
import { emitVsa, loadVsaSigner } from './vsa.js';

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

export interface PromoteResult {
  decision: Decision;
  /** The ledger entry, when the promotion was recorded (verdict allowed). */
  entry?: ChainedEntry;
  /** The signed VSA (DSSE envelope), when allowed and a verifier key is configured; stored in the entry. */
  vsa?: Envelope;
  /**
   * Set when nothing was recorded because the digest already is the stage's current, healthy
   * promotion; `entry` is then that existing entry and `decision` the one it was recorded under.
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
  const latest = await tx.latestInStage(pipeline, stageName, ENTRY.promotion);
  if (latest?.artifact !== facts.artifact.digest) return undefined;
  const promotion = facts.ledger.promotions.find((p) => p.seq === latest.seq);
  if (promotion === undefined || !isTrusted(promotion)) return undefined;
  const recorded = latest.payload.decision as Decision | undefined;
  if (recorded === undefined || typeof recorded !== 'object' || recorded.verdict !== 'allowed')
    return undefined;
  const vsa = latest.payload.vsa as Envelope | undefined;
  return {
    decision: recorded,
    entry: latest,
    ...(vsa ? { vsa } : {}),
    existing: {
      seq: latest.seq,
      hash: latest.hash,
      at: latest.at,
      actor: latest.actor,
      status: promotion.status,
    },
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
    const facts = await readFacts(ctx, checked, tx, extra);
    const artifact = facts.artifact;
    if (!options.again) {
      const existing = await currentHealthyPromotion(tx, pipeline, stageName, facts);
      if (existing) return existing;
    }
    const decision = decide(ctx.contract, stageName, facts, { overrides });
    if (decision.verdict !== 'allowed') return { decision };
    const vsa = vsaSigner
      ? emitVsa({
          contract: ctx.contract,
          stage: stageName,
          artifact,
          evidence: facts.evidence,
          timeVerified: ctx.caller.at,
          signer: vsaSigner,
        })
      : undefined;
    const snapshots = snapshotsOf(ctx.services.factProviders, extra);
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
        ...(vsa ? { vsa } : {}),
      },
    });
    return { decision, entry, ...(vsa ? { vsa } : {}) };
  });
}
