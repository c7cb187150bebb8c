import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { flagsOf, write } from '../run.js';

/** `tollgate sign --key KEY STATEMENT`: a DSSE envelope (or Sigstore bundle) for CI. */
export function defineSign(program: Command): void {
  program
    .command('sign')
    .description(
      'sign an in-toto statement into a DSSE envelope with a PEM private key (Ed25519 or ECDSA P-256)',
    )
    .requiredOption('--key <file>', 'PEM private key (PKCS#8 or SEC1, unencrypted)')
    .option('-o, --output <file>', 'write the envelope here instead of standard output')
    .option(
      '--bundle',
      'write a Sigstore bundle v0.3 (key hint, no transparency-log entry) instead of a bare envelope',
    )
    .argument('<statement>', 'in-toto Statement v1 JSON file; signed byte for byte as given')
    .action(async (statement: string, _options, command: Command) => {
      const flags = flagsOf<{ key: string; output?: string; bundle?: boolean }>(command);
      const { signStatementFile } = await import('../../app/signing.js');
      const signed = await signStatementFile({
        statementFile: statement,
        keyFile: flags.key,
        ...(flags.bundle ? { bundle: true } : {}),
      });
      const text = `${JSON.stringify(signed, null, 2)}\n`;
      if (flags.output === undefined) write(text);
      else {
        writeFileSync(flags.output, text);
        process.stderr.write(`signed ${statement} → ${flags.output}\n`);
      }
    });
}
