import { assertDigest } from '../artifact/digest.js';
import type { DecideOptions } from '../decide.js';
import { decide } from '../decide.js';
import type { Decision } from '../decision.js';
import type { ChainedEntry } from '../ledger/hash-chain.js';
import { ENTRY } from '../ledger/ledger-view.js';
import type { Envelope } from '../trust/dsse.js';
import { gatherExternalFacts, gatherFacts } from './check.js';
import type { AppContext } from './context.js';
import { FACT_PROVIDERS } from './fact-providers.js';
import { emitVsa, loadVsaSigner } from './vsa.js';

export interface PromoteResult {
  decision: Decision;
  /** The ledger entry, when the promotion was recorded (verdict allowed). */
  entry?: ChainedEntry;
  /** The signed VSA (DSSE envelope), when allowed and a verifier key is configured; stored in the entry. */
  vsa?: Envelope;
}

/**
 * `tollgate promote`: re-checks the contract and, only if allowed, records the promotion. The
 * decision is made inside the write transaction, under the pipeline's lock, on what the database
 * holds at that moment: two promotions racing into one stage are decided one after the other.
 */
export async function promote(
  ctx: AppContext,
  stageName: string,
  digest: string,
  options: DecideOptions = {},
): Promise<PromoteResult> {
  const checked = assertDigest(digest, '--artifact');
  const store = await ctx.store();
  const pipeline = ctx.contract.pipeline;
  const extra = await gatherExternalFacts(ctx, stageName, store);
  // Read the verifier key before taking the lock; a broken key fails the command, not the decision.
  const vsaSigner = loadVsaSigner(ctx.contract, ctx.env);
  return store.write(pipeline, async (tx) => {
    const facts = await gatherFacts(ctx, checked, tx, extra);
    const artifact = facts.artifact;
    const decision = decide(ctx.contract, stageName, facts, options);
    if (decision.verdict !== 'allowed') return { decision };
    const vsa = vsaSigner
      ? emitVsa({
          contract: ctx.contract,
          stage: stageName,
          artifact,
          evidence: facts.evidence,
          timeVerified: ctx.now(),
          signer: vsaSigner,
        })
      : undefined;
    const snapshots: Record<string, unknown> = {};
    for (const provider of FACT_PROVIDERS) {
      if (provider.snapshot && provider.key in extra)
        snapshots[provider.key] = provider.snapshot(extra[provider.key]);
    }
    const entry = await tx.append(pipeline, {
      kind: ENTRY.promotion,
      stage: stageName,
      artifact: artifact.digest,
      actor: ctx.actor,
      at: decision.evaluatedAt,
      payload: {
        contractDigest: ctx.contract.digest,
        decision,
        evidence: facts.evidence.map((e) => e.id),
        ...(Object.keys(snapshots).length > 0 ? { snapshots } : {}),
        ...(options.overrides && options.overrides.length > 0 ? { overrides: options.overrides } : {}),
        ...(ctx.clockSet ? { clockSet: true } : {}),
        ...(vsa ? { vsa } : {}),
      },
    });
    return { decision, entry, ...(vsa ? { vsa } : {}) };
  });
}
