import type { Command } from 'commander';
import { shortDigest } from '../../artifact/digest.js';
import { flagsOf, printDecision, withContext } from '../run.js';
import { artifactDigestOf, artifactOptions } from './artifact-option.js';

export function definePromote(program: Command): void {
  artifactOptions(
    program
      .command('promote')
      .description('re-check the contract and, only if allowed, record the promotion in the ledger')
      .argument('<stage>', 'the stage to enter'),
  )
    .option('--json', 'print the decision as one JSON document')
    .option('--markdown', 'print the decision as a CI step summary')
    .option('--vsa-out <file>', 'write the signed verdict (VSA in a DSSE envelope) to this file')
    .option(
      '--override <gate>',
      'waive a gate for this promotion (repeatable; only actors under `overrides` in the contract; recorded, shown as risk)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--reason <text>', 'why the override is needed (required with --override)')
    .action(async (stage: string, _options, command: Command) => {
      const flags = flagsOf<{
        artifact?: string;
        image?: string;
        vsaOut?: string;
        override: string[];
        reason?: string;
      }>(command);
      await withContext(command, async (ctx) => {
        const { promote } = await import('../../app/promote.js');
        const digest = await artifactDigestOf(ctx, flags);
        const { decision, entry, vsa } = await promote(ctx, stage, digest, {
          overrides: flags.override,
          ...(flags.reason === undefined ? {} : { reason: flags.reason }),
        });
        await printDecision(command, decision);
        const line = entry
          ? `promoted ${shortDigest(decision.artifact.digest)} into ${stage}: ledger entry #${entry.seq} ${shortDigest(entry.hash)}`
          : `not promoted: the decision is ${decision.verdict}`;
        process.stderr.write(`${line}\n`);
        if (entry) {
          const { writeVsaOut } = await import('./vsa-out.js');
          writeVsaOut(vsa, flags.vsaOut);
        }
      });
    });
}
