/**
 * `tollgate copy` and `promote --copy-to`: the registered digest copied to another registry or
 * repository, then recorded as a ledger entry. The copy happens before the ledger is written: a
 * copy that fails records nothing, and the entry names only what is really at the destination.
 */
import { assertDigest } from '../artifact/digest.js';
import type { CopyResult } from '../artifact/oci-copy.js';
import { formatImageReference, parseImageReference, repositoryName } from '../artifact/oci-reference.js';
import { TollgateError } from '../errors.js';
import type { ChainedEntry } from '../ledger/entry.js';
import { ENTRY } from '../ledger/entry.js';
import { buildLedgerView, isTrusted, latestPromotion } from '../ledger/ledger-view.js';
import { registeredImages, registryClient } from './image.js';
import { requireArtifact } from './register.js';
import { type AppRequest, assertRecordingClock, callerMarks } from './services.js';

export interface CopyArtifactOptions {
  /** The registered digest to copy. */
  digest: string;
  /** Destination `REGISTRY/REPO[:TAG]`. */
  to: string;
  /** Source repository `REGISTRY/REPO` (default: where the digest was registered from). */
  from?: string;
  /** When given, the digest's latest promotion into this stage must still be trusted. */
  stage?: string;
}

export interface CopyArtifactResult extends CopyResult {
  from: string;
  to: string;
  entry: ChainedEntry;
}

/** Copies a registered image by digest and records the copy. */
export async function copyArtifact(
  ctx: AppRequest,
  options: CopyArtifactOptions,
): Promise<CopyArtifactResult> {
  assertRecordingClock(ctx, 'copy');
  const digest = assertDigest(options.digest, '--artifact');
  const artifact = await requireArtifact(ctx, digest);
  const store = await ctx.services.store();
  const pipeline = ctx.contract.pipeline;
  const to = parseImageReference(options.to);
  if (to.digest !== undefined && to.digest !== digest) {
    throw new TollgateError('USAGE', `--to ${options.to} names another digest than ${digest}`);
  }
  let from: { registry: string; repository: string };
  if (options.from !== undefined) {
    const named = parseImageReference(options.from);
    // Copied is always the registered digest: a --from that names another one is a mistake said
    // out loud, not a digest dropped unread (the copy would be taken for that image's).
    if (named.digest !== undefined && named.digest !== digest)
      throw new TollgateError('USAGE', `--from ${options.from} names another digest than ${digest}`);
    from = named;
  } else {
    const [image] = await registeredImages(store, pipeline, digest);
    if (!image) {
      throw new TollgateError(
        'USAGE',
        `${digest} was not registered from a registry (${artifact.source}): say where to copy it from with --from REGISTRY/REPO`,
      );
    }
    from = image;
  }
  if (options.stage !== undefined) {
    const view = buildLedgerView(await store.entriesForArtifact(pipeline, digest));
    const promotion = latestPromotion(view, options.stage);
    if (!promotion || !isTrusted(promotion)) {
      throw new TollgateError(
        'NOT_ALLOWED',
        `${digest} ${promotion ? `was promoted into ${options.stage} but is now ${promotion.status}` : `was never promoted into ${options.stage}`}: only a promoted digest is copied with --stage ${options.stage}`,
      );
    }
  }
  if (from.registry === to.registry && from.repository === to.repository && to.tag === undefined) {
    throw new TollgateError(
      'USAGE',
      `--to ${options.to} is where the image already is; name another repository or a tag`,
    );
  }
  const { copyImage } = await import('../artifact/oci-copy.js');
  const result = await copyImage(registryClient(ctx.services.env), from, digest, {
    registry: to.registry,
    repository: to.repository,
    ...(to.tag === undefined ? {} : { tag: to.tag }),
  });
  const fromName = repositoryName(from);
  const toName = formatImageReference({
    registry: to.registry,
    repository: to.repository,
    ...(to.tag === undefined ? {} : { tag: to.tag }),
  });
  const entry = await store.write(pipeline, (tx) =>
    tx.append(pipeline, {
      kind: ENTRY.copy,
      stage: null,
      artifact: digest,
      actor: ctx.caller.principal,
      at: ctx.caller.at.toISOString(),
      payload: {
        from: { registry: from.registry, repository: from.repository },
        to: {
          registry: to.registry,
          repository: to.repository,
          ...(to.tag === undefined ? {} : { tag: to.tag }),
        },
        mediaType: result.mediaType,
        manifests: result.manifests,
        blobs: result.blobs,
        bytes: result.bytes,
        ...(result.replaced === undefined ? {} : { replaced: result.replaced }),
        ...(options.stage === undefined ? {} : { promotedIn: options.stage }),
        ...callerMarks(ctx),
      },
    }),
  );
  return { ...result, from: fromName, to: toName, entry };
}

/**
 * `promote --copy-to`: the copy of a digest just promoted. The promotion stays recorded when the
 * copy fails; the error says so and how to retry.
 */
export async function copyAfterPromotion(
  ctx: AppRequest,
  stage: string,
  digest: string,
  to: string,
): Promise<CopyArtifactResult> {
  try {
    return await copyArtifact(ctx, { digest, to, stage });
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
    throw new TollgateError(
      error.code,
      `promoted into ${stage} (recorded), but the copy to ${to} failed: ${error.message}. Retry it with \`tollgate copy --artifact ${digest} --to ${to} --stage ${stage}\``,
      { cause: error },
    );
  }
}
