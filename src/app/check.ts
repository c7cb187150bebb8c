import { assertDigest } from '../artifact/digest.js';
import { stageOf } from '../contract/load-contract.js';
import { type DecideOptions, decide } from '../decide.js';
import type { Decision } from '../decision.js';
import type { Facts } from '../gates/gate.js';
import type { LedgerReader } from '../ledger/ledger-store.js';
import { buildLedgerView } from '../ledger/ledger-view.js';
import type { AppContext } from './context.js';
import { FACT_PROVIDERS } from './fact-providers.js';
import { artifactNotRegistered, artifactOfEntries } from './register.js';

/** Facts from outside the database (config files, metrics): gathered once, before any lock. */
export async function gatherExternalFacts(ctx: AppContext, stageName: string, reader: LedgerReader) {
  const stage = stageOf(ctx.contract, stageName);
  const extra: Record<string, unknown> = {};
  for (const provider of FACT_PROVIDERS) {
    if (provider.applies(stage, stageName, ctx))
      extra[provider.key] = await provider.provide(ctx, stageName, reader);
  }
  return extra;
}

/**
 * Reads everything the gates look at for one digest from `reader` (the store, or a write
 * transaction). A digest the pipeline never registered is refused here, in the same read.
 */
export async function gatherFacts(
  ctx: AppContext,
  digest: string,
  reader: LedgerReader,
  extra: Record<string, unknown>,
  actor = ctx.actor,
): Promise<Facts> {
  const pipeline = ctx.contract.pipeline;
  const [evidence, entries] = await Promise.all([
    reader.listEvidence(pipeline, digest),
    reader.entriesForArtifact(pipeline, digest),
  ]);
  // From the entries just read: one read fewer per decision, and the hash-chained copy.
  const artifact = await artifactOfEntries(reader, pipeline, digest, entries);
  if (!artifact) throw artifactNotRegistered(ctx, digest);
  return { artifact, evidence, ledger: buildLedgerView(entries), actor, now: ctx.now(), extra };
}

export interface CheckOptions extends DecideOptions {
  /** Evaluate as if this actor were the promoter (`check --as`). */
  as?: string;
}

/** `tollgate check`: evaluates the stage's contract for the digest. Read-only. */
export async function checkStage(
  ctx: AppContext,
  stageName: string,
  digest: string,
  options: CheckOptions = {},
): Promise<Decision> {
  stageOf(ctx.contract, stageName);
  const checked = assertDigest(digest, '--artifact');
  const store = await ctx.store();
  const extra = await gatherExternalFacts(ctx, stageName, store);
  const facts = await gatherFacts(ctx, checked, store, extra, options.as ?? ctx.actor);
  return decide(ctx.contract, stageName, facts, options);
}
