/**
 * `tollgate check`: one pass, downhill. Read the stage from the contract, gather the facts from
 * outside the ledger (only those the stage's gates need), read the ledger's view of the artifact
 * once, and decide.
 */

import { assertDigest } from '../artifact/digest.js';
import { stageOf } from '../contract/types.js';
import { decide } from '../decide.js';
import type { Decision } from '../decision.js';
import { field } from '../errors.js';
import type { ExtraFacts } from '../gates/extra-facts.js';
import type { DecisionItem, Facts } from '../gates/gate.js';
import { type LedgerReader, readOnce } from '../ledger/ledger-store.js';
import { type ArtifactFacts, artifactNotRegistered, readSharedReports } from './artifact-facts.js';
import { readArtifactFactsByAnyDigest } from './artifact-identity.js';
import { notInForceRequirement, pinnedContract } from './contract-pin.js';
import { gatherExtraFacts } from './fact-provider.js';
import type { AppRequest } from './services.js';

/** Facts from outside the ledger (config files, metrics) the stage's gates need: gathered before any lock. */
export function gatherStageFacts(
  ctx: AppRequest,
  stageName: string,
  reader: LedgerReader,
): Promise<ExtraFacts> {
  const stage = stageOf(ctx.contract, stageName);
  return gatherExtraFacts(ctx.services.factProviders, { request: ctx, stageName, stage, reader });
}

/**
 * Everything the gates look at for one digest, read from `reader` (the store, or a write
 * transaction) in one read. The sha512 of a registered artifact is that artifact: its history,
 * never a fresh one (src/app/artifact-identity.ts). A digest the pipeline never registered is
 * refused here.
 */
export async function readFacts(
  ctx: AppRequest,
  digest: string,
  reader: LedgerReader,
  extra: ExtraFacts,
): Promise<Facts & ArtifactFacts> {
  // One scope: the shared reports' artifacts are counted for gaps only where the artifact's own
  // read did not count already (one count per decision, not one per shared report).
  const { read, sharedReports } = await readOnce(reader, async (scoped) => {
    const read = await readArtifactFactsByAnyDigest(scoped, ctx.contract.pipeline, digest);
    if (!read) throw artifactNotRegistered(ctx.contract.pipeline, digest);
    const key = read.artifact.digest;
    return {
      read,
      sharedReports: await readSharedReports(scoped, ctx.contract.pipeline, key, read.evidence),
    };
  });
  const { actingFor } = ctx.caller;
  return {
    ...read,
    actor: ctx.caller.principal,
    ...(actingFor === undefined ? {} : { actingFor }),
    now: ctx.caller.at,
    extra,
    sharedReports,
  };
}

/** `tollgate check`: evaluates the stage's contract for the digest, as the caller. Read-only. */
export async function checkStage(ctx: AppRequest, stageName: string, digest: string): Promise<Decision> {
  const checked = assertDigest(digest, field('artifact'));
  const store = await ctx.services.store();
  const extra = await gatherStageFacts(ctx, stageName, store);
  const decided = decide(ctx.contract, stageName, await readFacts(ctx, checked, store, extra));
  // A set clock answers "what if" (soak and windows read it): the answer says so where it is read.
  const decision: Decision = ctx.caller.timeSet && !decided.demo ? { ...decided, clockSet: true } : decided;
  // `check` runs under any contract (a proposal's "what if"): every gate says what that contract
  // would decide. When it is not the contract in force the answer is still no, since recording
  // commands would refuse it: a CI gate that reads the exit code of `check -c loose.yaml` (or of a
  // branch's edited tollgate.yaml) must not read a proposal as the pipeline's answer.
  const pipeline = ctx.contract.pipeline;
  // The same memo as the server's contract in force: the dashboard checks many doors per page.
  const pin = await store.whileUnchanged(['contract in force', pipeline], () =>
    pinnedContract(store, pipeline),
  );
  const whatIf = await notInForceRequirement(ctx.contract, pin, ctx.services.trustFiles);
  return whatIf === undefined ? decision : notInForce(decision, whatIf);
}

/** The decision under a contract not in force: blocked by a failed `contract` gate, first. */
function notInForce(decision: Decision, item: DecisionItem): Decision {
  const { until: _, ...rest } = decision;
  return {
    ...rest,
    verdict: 'blocked',
    gates: [
      {
        gate: 'contract',
        status: 'fail',
        summary: 'not the contract in force',
        validated: [],
        risks: [],
        required: [item],
      },
      ...decision.gates,
    ],
    required: [item, ...decision.required],
  };
}
