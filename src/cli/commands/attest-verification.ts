import type { Command } from 'commander';
import { flagsOf, withContext, write } from '../run.js';

/** `tollgate attest verification`: post-deploy verification of a digest in a stage. */
export function defineAttestVerification(attest: Command): void {
  attest
    .command('verification')
    .description('record a post-deploy verification of an artifact in a stage (for verifiedIn and soak)')
    .requiredOption('--artifact <digest>', 'the registered artifact digest')
    .requiredOption('--in <stage>', 'the stage the artifact was verified in')
    .requiredOption('--result <result>', 'passed or failed')
    .option('--details <file>', 'a file with details (report, log excerpt; at most 64 KiB)')
    .option('--json', 'print the result as one JSON object')
    .action(async (_options, command: Command) => {
      const flags = flagsOf<{ artifact: string; in: string; result: string; details?: string }>(command);
      await withContext(command, async (ctx) => {
        const { attestVerification } = await import('../../app/verification.js');
        const result = await attestVerification(ctx, {
          artifact: flags.artifact,
          stage: flags.in,
          result: flags.result,
          ...(flags.details === undefined ? {} : { detailsFile: flags.details }),
        });
        if (flags.json) {
          const { verificationDocument } = await import('../../app/documents.js');
          write(JSON.stringify(verificationDocument(result, flags.result), null, 2));
          return;
        }
        write(
          `recorded: verification ${flags.result} in ${flags.in} for the promotion at ledger entry #${result.promotion} (ledger entry #${result.entry.seq})`,
        );
      });
    });
}
