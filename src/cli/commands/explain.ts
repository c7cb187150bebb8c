import type { Command } from 'commander';
import type { Passport } from '../../app/explain.js';
import { TollgateError } from '../../errors.js';
import { flagsOf, remoteOfCommand, withContext, write } from '../run.js';

/**
 * `tollgate explain DIGEST`: the artifact's passport. `--artifact DIGEST` is taken too, as every other
 * command that names an artifact takes it, so a user who types it that way is not refused.
 */
export function defineExplain(program: Command): void {
  program
    .command('explain')
    .description("show an artifact's passport: every piece of evidence and its standing in each stage")
    .argument('[digest]', 'the registered artifact digest')
    .option('--artifact <digest>', 'the same digest, given as a flag like the other commands take it')
    .option('--json', 'print as JSON')
    .action(async (argument: string | undefined, options: { artifact?: string }, command: Command) => {
      const { explainArtifact, renderPassport } = await import('../../app/explain.js');
      const { assertDigest } = await import('../../artifact/digest.js');
      if (argument !== undefined && options.artifact !== undefined)
        throw new TollgateError(
          'USAGE',
          'explain takes the digest once: as DIGEST or as --artifact, not both',
        );
      const digest = argument ?? options.artifact;
      if (digest === undefined)
        throw new TollgateError(
          'USAGE',
          'explain needs the artifact: tollgate explain sha256:… (or --artifact sha256:…)',
        );
      // A malformed digest is named the way it was given.
      assertDigest(digest, argument === undefined ? '--artifact' : 'explain DIGEST');
      const remote = await remoteOfCommand(command);
      const passport: Passport = remote
        ? (await remote.request<Passport>('GET', remote.artifactPath(digest))).document
        : await withContext(command, (ctx) => explainArtifact(ctx, digest));
      write(flagsOf(command).json ? JSON.stringify(passport, null, 2) : renderPassport(passport));
    });
}
