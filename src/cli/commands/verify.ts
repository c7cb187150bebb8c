import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import { flagsOf, write } from '../run.js';

interface VerifyFlags {
  key: string;
  digest: string;
  stage: string;
  pipeline?: string;
  verifier?: string;
  json?: boolean;
}

/** `tollgate verify VSA --key --digest --stage`: an admission controller's check of a Tollgate verdict. */
export function defineVerify(program: Command): void {
  program
    .command('verify')
    .description(
      'check a signed Tollgate verdict (VSA in a DSSE envelope) for a digest and stage; exit 0 admitted, 1 not',
    )
    .argument('<envelope>', 'the VSA envelope (written by `promote --vsa-out`)')
    .requiredOption('--key <file>', "the verifier's PEM public key")
    .requiredOption('--digest <digest>', 'the digest about to be admitted')
    .requiredOption('--stage <stage>', 'the stage it must have been admitted to')
    .option('--pipeline <name>', "also require the VSA's policy to be this pipeline's stage")
    .option('--verifier <id>', 'also require this verifier id')
    .option('--json', 'print the result as JSON')
    .action(async (envelope: string, _options, command: Command) => {
      const flags = flagsOf<VerifyFlags>(command);
      const { verifyVerdictFile } = await import('../../app/signing.js');
      const result = await verifyVerdictFile({
        envelopeFile: envelope,
        keyFile: flags.key,
        digest: flags.digest,
        stage: flags.stage,
        ...(flags.pipeline === undefined ? {} : { pipeline: flags.pipeline }),
        ...(flags.verifier === undefined ? {} : { verifierId: flags.verifier }),
      });
      if (flags.json) {
        write(
          JSON.stringify(
            {
              valid: result.valid,
              reason: result.reason,
              ...(result.valid ? { predicate: result.predicate } : {}),
            },
            null,
            2,
          ),
        );
      } else {
        write(`${result.valid ? 'admitted' : 'NOT admitted'}: ${result.reason}`);
      }
      process.exitCode = result.valid ? EXIT.allowed : EXIT.blocked;
    });
}
