import type { Command } from 'commander';
import type { verificationDocument } from '../../app/documents.js';
import { flagsOf, remoteOfCommand, withContext, write } from '../run.js';

type VerificationDocument = ReturnType<typeof verificationDocument>;

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
      const remote = await remoteOfCommand(command);
      const document: VerificationDocument = remote
        ? (
            await remote.request<VerificationDocument>(
              'POST',
              remote.artifactPath(flags.artifact, '/verifications'),
              {
                json: {
                  stage: flags.in,
                  result: flags.result,
                  // The details file is read here, with the local limits; the server keeps its text.
                  ...(flags.details === undefined
                    ? {}
                    : {
                        details: (
                          await (await import('../../app/verification.js')).readDetailsFile(flags.details)
                        ).toString('utf8'),
                      }),
                },
              },
            )
          ).document
        : await withContext(command, async (ctx) => {
            const { attestVerification } = await import('../../app/verification.js');
            const { verificationDocument } = await import('../../app/documents.js');
            const result = await attestVerification(ctx, {
              artifact: flags.artifact,
              stage: flags.in,
              result: flags.result,
              ...(flags.details === undefined ? {} : { detailsFile: flags.details }),
            });
            return verificationDocument(result, flags.result);
          });
      if (flags.json) {
        write(JSON.stringify(document, null, 2));
        return;
      }
      write(
        `recorded: verification ${flags.result} in ${flags.in} for the promotion at ledger entry #${document.promotion} (ledger entry #${document.seq})`,
      );
    });
}
