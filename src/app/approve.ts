/**
 * `tollgate approve|reject STAGE --artifact D [--comment …] [--withdraw]`: one person's word about
 * one digest for one stage, appended to the ledger with the actor. The latest word of each person
 * counts; saying the same thing twice records nothing new. The answer says at once when the
 * approval will not count (not among `from`, the author, an attester) so nobody waits for it.
 */
import { describeLookalikes, type Lookalike } from '../artifact/digest.js';
import { stageOf } from '../contract/types.js';
import { field, msg, TollgateError } from '../errors.js';
import { approvalWouldNotCount, latestWords } from '../gates/approvals-gate.js';
import type { GateContext } from '../gates/gate.js';
import type { ChainedEntry } from '../ledger/entry.js';
import { ENTRY } from '../ledger/entry.js';
import { artifactNotRegistered, readArtifactFacts } from './artifact-facts.js';
import { assertContractPinned } from './contract-pin.js';
import { requireArtifact } from './register.js';
import { type AppRequest, assertRecordingClock, callerMarks } from './services.js';

export type ApprovalDecision = 'approve' | 'reject';

export interface ApprovalOptions {
  artifact: string;
  decision: ApprovalDecision;
  comment?: string;
  /** Take back this person's standing approval or rejection instead. */
  withdraw?: boolean;
  /**
   * The full digests of the artifact's look-alikes that the approver was shown and told apart from
   * it. When given (the server always gives it), approving a digest that has look-alikes is refused
   * with LOOKALIKE_UNCONFIRMED unless every look-alike registered now is listed.
   */
  lookalikesSeen?: readonly string[];
}

export interface ApprovalResult {
  /** The full digest the word is about: a person compares this, never a short form. */
  artifact: string;
  /** Other registered artifacts with the same short digest (a warning sign), when there are any. */
  lookalikes?: Lookalike[];
  /** The ledger entry, when something new was recorded. */
  entry?: ChainedEntry;
  /** What happened, for people. */
  message: string;
  /** Why the approval will not count, when it will not. */
  notCounted?: string;
}

const MAX_COMMENT = 2000;

/**
 * Refuses an approval of a digest with look-alikes unless the approver confirmed each one by its full
 * digest: a hurried click or a script that only knows the short form must not approve the impostor.
 */
export function assertLookalikesSeen(
  digest: string,
  lookalikes: readonly Lookalike[],
  seen: readonly string[],
): void {
  const unseen = lookalikes.filter((l) => !seen.includes(l.digest));
  if (unseen.length === 0) return;
  throw new TollgateError(
    'LOOKALIKE_UNCONFIRMED',
    msg`${digest} has ${unseen.length === 1 ? 'a look-alike' : `${unseen.length} look-alikes`} you have not confirmed (${describeLookalikes(unseen)}): compare the full digests, then approve again naming each look-alike in ${field('lookalikesSeen')}; nothing was recorded`,
  );
}

export async function recordApproval(
  ctx: AppRequest,
  stageName: string,
  options: ApprovalOptions,
): Promise<ApprovalResult> {
  assertRecordingClock(ctx, options.decision);
  const stage = stageOf(ctx.contract, stageName);
  const comment = options.comment?.trim();
  if (comment !== undefined && comment.length > MAX_COMMENT) {
    throw new TollgateError(
      'USAGE',
      msg`${field('comment')} is ${comment.length} characters; at most ${MAX_COMMENT} are kept`,
    );
  }
  if (options.withdraw && comment)
    throw new TollgateError('USAGE', msg`${field('withdraw')} takes no ${field('comment')}`);
  const artifact = await requireArtifact(ctx, options.artifact);
  const store = await ctx.services.store();
  const pipeline = ctx.contract.pipeline;
  const actor = ctx.caller.principal;
  let lookalikes: Lookalike[] = [];
  const result = await store.write(pipeline, async (tx): Promise<Omit<ApprovalResult, 'artifact'>> => {
    await assertContractPinned(ctx, tx, `${options.decision} ${stageName}`);
    const read = await readArtifactFacts(tx, pipeline, artifact.digest);
    if (!read) throw artifactNotRegistered(pipeline, artifact.digest);
    // The promoter is not known yet: nobody is treated as promoter when judging eligibility here.
    const context: GateContext = {
      contract: ctx.contract,
      stageName,
      stage,
      facts: { ...read, actor: '', now: ctx.caller.at, extra: {} },
    };
    lookalikes = read.lookalikes;
    // Read inside the write, so a look-alike registered after the approver's page was drawn is one
    // they have not seen: the approval waits for a confirmation that names it too.
    if (options.decision === 'approve' && !options.withdraw && options.lookalikesSeen !== undefined)
      assertLookalikesSeen(artifact.digest, lookalikes, options.lookalikesSeen);
    const standing = latestWords(context).find((word) => word.actor === actor);
    const verb = options.decision === 'approve' ? 'approved' : 'rejected';
    const what = `${artifact.digest} for ${stageName}`;
    if (options.withdraw) {
      if (!standing)
        return { message: `${actor} has no approval or rejection of ${what} to withdraw; nothing recorded` };
      if (standing.decision !== options.decision) {
        throw new TollgateError(
          'USAGE',
          `${actor}'s standing word on ${what} is "${standing.decision}", not "${options.decision}": use \`tollgate ${standing.decision} ${stageName} --artifact ${artifact.digest} --withdraw\``,
        );
      }
    } else if (standing?.decision === options.decision && (standing.comment ?? '') === (comment ?? '')) {
      return { message: `${actor} already ${verb} ${what} at ${standing.at}; nothing new recorded` };
    }
    const at = ctx.caller.at.toISOString();
    const decision = options.withdraw ? 'withdraw' : options.decision;
    const entry = await tx.append(pipeline, {
      kind: ENTRY.approval,
      stage: stageName,
      artifact: artifact.digest,
      actor,
      at,
      payload: {
        decision,
        ...(options.withdraw ? { withdraws: standing?.seq } : {}),
        ...(comment ? { comment } : {}),
        ...callerMarks(ctx),
      },
    });
    if (options.withdraw)
      return { entry, message: `${actor} withdrew their ${standing?.decision} of ${what}` };
    const result: Omit<ApprovalResult, 'artifact'> = { entry, message: `${actor} ${verb} ${what}` };
    const config = stage.requires.approvals;
    if (options.decision === 'approve' && config) {
      // Judged as the gate will judge it, beside the standing words: the same person's approval
      // under the other form of their name (`alice` beside `alice@example.com`) adds nobody.
      const why = approvalWouldNotCount(config, actor, context, ctx.caller.actingFor);
      const promoterNote =
        config.notBy.includes('promoter') && why === undefined
          ? ` (it will not count if ${actor} also promotes: notBy promoter)`
          : '';
      if (why !== undefined) {
        result.notCounted = why;
        result.message += `; recorded, but it does not count: ${why}`;
      } else {
        result.message += promoterNote;
      }
    } else if (!config) {
      result.message += `; note: stage ${stageName} requires no approvals (rules may still read them)`;
    }
    return result;
  });
  // Said first and loudly: the approver may have matched the short digest of another artifact.
  if (lookalikes.length === 0) return { artifact: artifact.digest, ...result };
  return {
    ...result,
    artifact: artifact.digest,
    lookalikes,
    message: `WARNING: ${artifact.digest} has a look-alike (${describeLookalikes(lookalikes)}); check that the full digest is the one you mean to ${options.decision}.\n${result.message}`,
  };
}
