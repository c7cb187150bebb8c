import type { Command } from 'commander';
import type { AppContext } from '../../app/context.js';
import { TollgateError } from '../../errors.js';

/** Adds `--artifact DIGEST` and `--image REF`, of which a command needs exactly one. */
export function artifactOptions(command: Command): Command {
  return command
    .option('--artifact <digest>', 'the registered artifact digest')
    .option(
      '--image <ref>',
      'the artifact as an image: REGISTRY/REPO:TAG (must still point at the digest registered from it) or REGISTRY/REPO@sha256:…',
    );
}

/** The digest the command is about: `--artifact`, or `--image` resolved against the registry. */
export async function artifactDigestOf(
  ctx: AppContext,
  flags: { artifact?: string; image?: string },
): Promise<string> {
  if ((flags.artifact === undefined) === (flags.image === undefined)) {
    throw new TollgateError('USAGE', 'give exactly one of --artifact sha256:… or --image REGISTRY/REPO:TAG');
  }
  if (flags.artifact !== undefined) return flags.artifact;
  const { digestForImage } = await import('../../app/image.js');
  return digestForImage(ctx, flags.image!);
}

/** The digest of a verb run on a server: `--artifact` only (an image is resolved where the registry is reachable). */
export function remoteDigestOf(flags: { artifact?: string; image?: string }): string {
  if (flags.image !== undefined)
    throw new TollgateError(
      'USAGE',
      '--image does not work with --server: give --artifact sha256:… (the digest `tollgate register --image` printed)',
    );
  if (flags.artifact === undefined) throw new TollgateError('USAGE', 'give --artifact sha256:…');
  return flags.artifact;
}
