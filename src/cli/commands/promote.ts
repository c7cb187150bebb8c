import { type Command, Option } from 'commander';
import { flaggedDigest, shortHash } from '../../artifact/digest.js';
import type { Decision } from '../../decision.js';
import { assertLocalOnly, flagsOf, printDecision, remoteOfCommand, withContext } from '../run.js';
import { artifactDigestOf, artifactOptions, remoteDigestOf } from './artifact-option.js';

export function definePromote(program: Command): void {
  artifactOptions(
    program
      .command('promote')
      .description('re-check the contract and, only if allowed, record the promotion in the ledger')
      .argument('<stage>', 'the stage to enter'),
  )
    .option('--json', 'print the decision as one JSON document')
    // One document on standard output: JSON or Markdown, never one silently instead of the other.
    .addOption(new Option('--markdown', 'print the decision as a CI step summary').conflicts('json'))
    .option('--vsa-out <file>', 'write the signed verdict (VSA in a DSSE envelope) to this file')
    .option(
      '--override <gate>',
      'waive a gate for this promotion (repeatable; only actors under `overrides` in the contract; recorded, shown as risk)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--reason <text>', 'why the override is needed (required with --override)')
    .option(
      '--again',
      "record a new promotion even when the digest already is the stage's current, healthy one (a retry otherwise records nothing)",
    )
    .option(
      '--publish',
      'after a recorded promotion, publish the VSA and evidence next to the image (see `tollgate publish`)',
    )
    .option(
      '--copy-to <ref>',
      'after a recorded promotion, copy the digest to REGISTRY/REPO[:TAG] (see `tollgate copy`)',
    )
    .action(async (stage: string, _options, command: Command) => {
      const flags = flagsOf<{
        artifact?: string;
        image?: string;
        vsaOut?: string;
        override: string[];
        reason?: string;
        copyTo?: string;
        publish?: boolean;
        again?: boolean;
      }>(command);
      const remote = await remoteOfCommand(command);
      if (remote) {
        assertLocalOnly('--publish', flags.publish, 'run `tollgate publish` where the registry is reachable');
        assertLocalOnly('--copy-to', flags.copyTo, 'run `tollgate copy` where the registry is reachable');
        const digest = remoteDigestOf(flags);
        const answer = await remote.request('POST', remote.stagePath(stage, '/promotions'), {
          json: {
            artifact: digest,
            ...(flags.override.length > 0 ? { overrides: flags.override } : {}),
            ...(flags.reason === undefined ? {} : { reason: flags.reason }),
          },
        });
        const { status, headers } = answer;
        const document = await remote.decisionAbout<Decision & { promotion?: { message?: string } }>(
          answer.document,
          stage,
          digest,
        );
        await printDecision(command, document);
        const [seq, hash] = (headers.get('tollgate-entry') ?? '').split(' ');
        const recorded = status === 201 && seq !== undefined && hash !== undefined;
        process.stderr.write(
          recorded
            ? `promoted ${flaggedDigest(document.artifact.digest, document.artifact.lookalikes)} into ${stage}: ledger entry #${seq} ${shortHash(hash)}\n`
            : `${document.promotion?.message ?? `not promoted: the decision is ${document.verdict}`}\n`,
        );
        if (recorded) {
          const { writeVsaOut } = await import('./vsa-out.js');
          const vsa =
            headers.get('tollgate-vsa') === 'stored'
              ? (
                  await remote.request<import('../../trust/dsse.js').Envelope>(
                    'GET',
                    remote.stagePath(stage, '/vsa'),
                    { query: { artifact: document.artifact.digest } },
                  )
                ).document
              : undefined;
          writeVsaOut(vsa, flags.vsaOut);
        }
        return;
      }
      await withContext(command, async (ctx) => {
        const { promote } = await import('../../app/promote.js');
        const digest = await artifactDigestOf(ctx, flags);
        const result = await promote(ctx, stage, digest, {
          overrides: flags.override,
          ...(flags.reason === undefined ? {} : { reason: flags.reason }),
          ...(flags.again ? { again: true } : {}),
        });
        const { decision, entry, vsa, existing } = result;
        const { alreadyPromotedText, promotionExtras } = await import('../../app/documents.js');
        const already = alreadyPromotedText(result);
        // --json adds the ledger entry and its checkpoint; a retry answers with the existing entry
        // and the decision it was recorded under, and says so.
        await printDecision(command, decision, promotionExtras(result));
        const line =
          already ??
          (entry
            ? `promoted ${flaggedDigest(decision.artifact.digest, decision.artifact.lookalikes)} into ${stage}: ledger entry #${entry.seq} ${shortHash(entry.hash)}`
            : `not promoted: the decision is ${decision.verdict}`);
        process.stderr.write(`${line}\n`);
        if (entry && !existing) {
          const { writeVsaOut } = await import('./vsa-out.js');
          writeVsaOut(vsa, flags.vsaOut);
          if (flags.publish) {
            const { publishVerdict } = await import('../../app/publish.js');
            const { printPublish } = await import('./publish.js');
            const published = await publishVerdict(ctx, { stage, digest: decision.artifact.digest });
            process.stderr.write(`${printPublish(published)}\n`);
          }
          if (flags.copyTo !== undefined) {
            const { copyAfterPromotion } = await import('../../app/copy.js');
            const { printCopy } = await import('./copy.js');
            const copied = await copyAfterPromotion(ctx, stage, decision.artifact.digest, flags.copyTo);
            process.stderr.write(`${printCopy(copied)}\n`);
            if (flags.publish) {
              // The verdict travels with the copy: the production registry's admission checks find it there.
              const { publishVerdict } = await import('../../app/publish.js');
              const { printPublish } = await import('./publish.js');
              const { parseImageReference, repositoryName } = await import('../../artifact/oci-reference.js');
              const to = repositoryName(parseImageReference(flags.copyTo));
              const published = await publishVerdict(ctx, { stage, digest: decision.artifact.digest, to });
              process.stderr.write(`${printPublish(published)}\n`);
            }
          }
        }
      });
    });
}
