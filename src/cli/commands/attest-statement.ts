import type { Command } from 'commander';
import { flagsOf, withContext, write } from '../run.js';

/** `tollgate attest statement`: in-toto statements, DSSE envelopes and Sigstore bundles. */
export function defineAttestStatement(attest: Command): void {
  attest
    .command('statement')
    .description(
      'record in-toto statements (plain, in DSSE envelopes or in Sigstore bundles v0.1-v0.3), verified against the contract trust',
    )
    .requiredOption(
      '--artifact <digest>',
      'the registered artifact digest; every statement subject must name it',
    )
    .option('--in <stage>', 'the stage the evidence was produced in')
    .option('--suite <name>', 'suite name for test-result statements (requires.tests[].suite)')
    .option('--max-evidence-bytes <size>', 'largest file accepted: bytes, or with K/M/G (default 256M)')
    .option('--json', 'print what was recorded as JSON')
    .argument('<files...>', 'statement, envelope or bundle files, globs, or - for standard input')
    .action(async (args: string[], _options, command: Command) => {
      const flags = flagsOf<{ artifact: string; in?: string; suite?: string; maxEvidenceBytes?: string }>(
        command,
      );
      await withContext(command, async (ctx) => {
        const { attestStatements } = await import('../../app/attest-statement.js');
        const { parseSize } = await import('../../text/size.js');
        const { expandInputs } = await import('../input-files.js');
        const inputs = await expandInputs(args, process.stdin);
        const items = await attestStatements(ctx, {
          artifact: flags.artifact,
          files: inputs.files,
          ...(flags.in === undefined ? {} : { stage: flags.in }),
          ...(flags.suite === undefined ? {} : { suite: flags.suite }),
          ...(flags.maxEvidenceBytes === undefined ? {} : { maxBytes: parseSize(flags.maxEvidenceBytes) }),
        }).finally(inputs.dispose);
        if (flags.json) {
          const { statementsDocument } = await import('../../app/documents.js');
          write(JSON.stringify(statementsDocument(items), null, 2));
          return;
        }
        for (const item of items) {
          const signer = item.record.signer ? `signed by ${item.record.signer.name}` : 'unsigned';
          write(
            `recorded ${item.file}: ${item.record.data.kind} (${item.record.format}) from ${item.wrapper}, ${signer}` +
              `${item.stored ? '' : ' (already recorded)'}`,
          );
        }
      });
    });
}
