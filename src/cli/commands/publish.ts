import type { Command } from 'commander';
import { flagsOf, withContext, write } from '../run.js';
import { artifactDigestOf, artifactOptions } from './artifact-option.js';

/** `tollgate publish STAGE --artifact D`: the promotion's signed VSA and evidence, next to the image. */
export function definePublish(program: Command): void {
  artifactOptions(
    program
      .command('publish')
      .description(
        "put the signed VSA of a promotion, and a signed statement of its evidence, next to the image: as OCI 1.1 referrers (or the sha256-<hex> fallback tag) and in cosign's sha256-<hex>.att layout",
      )
      .argument('<stage>', 'the stage the digest was promoted into'),
  )
    .option('--to <repo>', 'publish to REGISTRY/REPO (default: where the digest was registered from)')
    .option('--json', 'print what was published as JSON')
    .action(async (stage: string, _options, command: Command) => {
      const flags = flagsOf<{ artifact?: string; image?: string; to?: string }>(command);
      await withContext(command, async (ctx) => {
        const digest = await artifactDigestOf(ctx, flags);
        const { publishVerdict } = await import('../../app/publish.js');
        const { parseImageReference, repositoryName } = await import('../../artifact/oci-reference.js');
        const to =
          flags.to ??
          (flags.image === undefined ? undefined : repositoryName(parseImageReference(flags.image)));
        const result = await publishVerdict(ctx, { stage, digest, ...(to === undefined ? {} : { to }) });
        if (flags.json) {
          const { entry, ...rest } = result;
          write(JSON.stringify({ ...rest, ledgerEntry: entry.seq }, null, 2));
          return;
        }
        write(printPublish(result));
      });
    });
}

export function printPublish(result: {
  repository: string;
  referrers: Array<{ digest: string; predicateType: string; via: string }>;
  cosignTag: string;
}): string {
  const lines = [`published next to ${result.repository}:`];
  for (const r of result.referrers) lines.push(`  referrer ${r.digest} (${r.predicateType}, via ${r.via})`);
  lines.push(`  cosign attestations at tag ${result.cosignTag}`);
  return lines.join('\n');
}
