import type { Command } from 'commander';
import { flagsOf, withContext, write } from '../run.js';
import { artifactDigestOf, artifactOptions } from './artifact-option.js';

interface CopyFlags {
  artifact?: string;
  image?: string;
  to: string;
  from?: string;
  stage?: string;
  json?: boolean;
}

/** `tollgate copy --artifact D --to REGISTRY/REPO[:TAG]`: copy by digest, recorded in the ledger. */
export function defineCopy(program: Command): void {
  artifactOptions(
    program
      .command('copy')
      .description(
        'copy a registered image by digest (every platform, every blob; blobs mounted when the registry allows) to another registry or repository, check the digest there, and record the copy',
      ),
  )
    .requiredOption('--to <ref>', 'destination REGISTRY/REPO or REGISTRY/REPO:TAG')
    .option('--from <repo>', 'source REGISTRY/REPO (default: where the digest was registered from)')
    .option('--stage <stage>', 'copy only if the digest is promoted into this stage and still trusted there')
    .option('--json', 'print the copy as JSON')
    .action(async (_options, command: Command) => {
      const flags = flagsOf<CopyFlags>(command);
      await withContext(command, async (ctx) => {
        const digest = await artifactDigestOf(ctx, flags);
        const { copyArtifact } = await import('../../app/copy.js');
        const fromImage =
          flags.image === undefined ? undefined : flags.image.split('@')[0]!.replace(/:[\w][\w.-]*$/, '');
        const from = flags.from ?? fromImage;
        const result = await copyArtifact(ctx, {
          digest,
          to: flags.to,
          ...(from === undefined ? {} : { from }),
          ...(flags.stage === undefined ? {} : { stage: flags.stage }),
        });
        if (flags.json) {
          const { entry, ...rest } = result;
          write(JSON.stringify({ ...rest, ledgerEntry: entry.seq }, null, 2));
          return;
        }
        write(printCopy(result));
      });
    });
}

/** One line about a finished copy. */
export function printCopy(result: {
  digest: string;
  from: string;
  to: string;
  manifests: number;
  blobs: { total: number; skipped: number; mounted: number; uploaded: number };
  bytes: number;
  replaced?: string;
  entry: { seq: number };
}): string {
  const { blobs } = result;
  const replaced =
    result.replaced === undefined ? '' : `; replaced ${result.replaced}, which ${result.to} named before`;
  return `copied ${result.digest} from ${result.from} to ${result.to}: ${result.manifests} manifest(s), ${blobs.total} blob(s) (${blobs.uploaded} uploaded, ${(result.bytes / 1048576).toFixed(1)} MiB; ${blobs.mounted} mounted; ${blobs.skipped} already there); digest checked at the destination${replaced}; ledger entry #${result.entry.seq}`;
}
