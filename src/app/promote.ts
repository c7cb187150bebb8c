import { assertDigest } from '../artifact/digest.js';
import { decide } from '../decide.js';
import type { Decision } from '../decision.js';
import { field } from '../errors.js';
import type { ChainedEntry } from '../ledger/hash-chain.js';
import { ENTRY } from '../ledger/ledger-view.js';
import type { Envelope } from '../trust/dsse.js';
import { authoriseOverrides } from './authorise.js';
import { gatherStageFacts, readFacts } from './check.js';
import { snapshotsOf } from './fact-provider.js';
import { type AppRequest, assertRecordingClock, clockMark } from './services.js';
import { emitVsa, loadVsaSigner } from './vsa.js';

export interface PromoteOptions {
  /** Gates the caller asks to override for this promotion; authorised against the contract's `overrides`. */
  overrides?: readonly string[];
  /** Why the overrides are needed (required with them); recorded and shown in every later decision. */
  reason?: string;
}

export interface PromoteResult {
  decision: Decision;
  /** The ledger entry, when the promotion was recorded (verdict allowed). */
  entry?: ChainedEntry;
  /** The signed VSA (DSSE envelope), when allowed and a verifier key is configured; stored in the entry. */
  vsa?: Envelope;
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
        ...clockMark(ctx),
        ...(vsa ? { vsa } : {}),
      },
    });
    return { decision, entry, ...(vsa ? { vsa } : {}) };
  });
}
