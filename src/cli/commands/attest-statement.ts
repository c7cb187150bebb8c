import type { Command } from 'commander';
import type { statementsDocument } from '../../app/documents.js';
import { assertLocalOnly, flagsOf, remoteOfCommand, withContext, write } from '../run.js';

type StatementsDocument = ReturnType<typeof statementsDocument>;

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
      const { expandInputs } = await import('../input-files.js');
      const remote = await remoteOfCommand(command);
      let items: StatementsDocument;
      if (remote) {
        assertLocalOnly(
          '--max-evidence-bytes',
          flags.maxEvidenceBytes,
          "the server's operator sets its limit",
        );
        const inputs = await expandInputs(args, process.stdin);
        try {
          const { assertReadableFile } = await import('../../app/attest.js');
          for (const file of inputs.files) await assertReadableFile(file);
          // All files in one request: verified and recorded all or nothing, as locally.
          ({ document: items } = await remote.request<StatementsDocument>(
            'POST',
            remote.artifactPath(flags.artifact, '/statements'),
            {
              query: { in: flags.in, suite: flags.suite },
              files: inputs.files,
              contentType: 'application/json',
            },
          ));
        } finally {
          inputs.dispose();
        }
      } else {
        items = await withContext(command, async (ctx) => {
          const { attestStatements } = await import('../../app/attest-statement.js');
          const { statementsDocument } = await import('../../app/documents.js');
          const { parseSize } = await import('../../text/size.js');
          const maxBytes =
            flags.maxEvidenceBytes === undefined ? undefined : parseSize(flags.maxEvidenceBytes);
          const inputs = await expandInputs(
            args,
            process.stdin,
            maxBytes === undefined ? {} : { maxStdinBytes: maxBytes },
          );
          const recorded = await attestStatements(ctx, {
            artifact: flags.artifact,
            files: inputs.files,
            ...(flags.in === undefined ? {} : { stage: flags.in }),
            ...(flags.suite === undefined ? {} : { suite: flags.suite }),
            ...(maxBytes === undefined ? {} : { maxBytes }),
          }).finally(inputs.dispose);
          return statementsDocument(recorded);
        });
      }
      if (flags.json) {
        write(JSON.stringify(items, null, 2));
        return;
      }
      for (const item of items) {
        const signer = item.signer ? `signed by ${item.signer.name}` : 'unsigned';
        write(
          `recorded ${item.file}: ${item.kind} (${item.format}) from ${item.wrapper}, ${signer}` +
            `${item.stored ? '' : ' (already recorded)'}`,
        );
        if (item.unchecked.length > 0)
          write(
            `  note: its subject also lists ${item.unchecked.join(', ')}, which Tollgate did not check: the artifact's registration recorded no ${item.unchecked.join(' or ')} digest (register --file records the sha512)`,
          );
      }
    });
}
