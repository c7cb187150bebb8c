import type { Command } from 'commander';
import type { Passport } from '../../app/explain.js';
import { flagsOf, remoteOfCommand, withContext, write } from '../run.js';

/** `tollgate explain DIGEST`: the artifact's passport. */
export function defineExplain(program: Command): void {
  program
    .command('explain')
    .description("show an artifact's passport: every piece of evidence and its standing in each stage")
    .argument('<digest>', 'the registered artifact digest')
    .option('--json', 'print as JSON')
    .action(async (digest: string, _options, command: Command) => {
      const { explainArtifact, renderPassport } = await import('../../app/explain.js');
      const { assertDigest } = await import('../../artifact/digest.js');
      // The digest is this command's argument: a malformed one is named as such, not as --artifact.
      assertDigest(digest, 'explain DIGEST');
      const remote = await remoteOfCommand(command);
      const passport: Passport = remote
        ? (await remote.request<Passport>('GET', remote.artifactPath(digest))).document
        : await withContext(command, (ctx) => explainArtifact(ctx, digest));
      write(flagsOf(command).json ? JSON.stringify(passport, null, 2) : renderPassport(passport));
    });
}
