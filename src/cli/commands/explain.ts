import type { Command } from 'commander';
import { flagsOf, withContext, write } from '../run.js';

/** `tollgate explain DIGEST`: the artifact's passport. */
export function defineExplain(program: Command): void {
  program
    .command('explain')
    .description("show an artifact's passport: every piece of evidence and its standing in each stage")
    .argument('<digest>', 'the registered artifact digest')
    .option('--json', 'print as JSON')
    .action(async (digest: string, _options, command: Command) => {
      await withContext(command, async (ctx) => {
        const { explainArtifact, renderPassport } = await import('../../app/explain.js');
        const passport = await explainArtifact(ctx, digest);
        write(flagsOf(command).json ? JSON.stringify(passport, null, 2) : renderPassport(passport));
      });
    });
}
