/**
 * Images in registries as the application layer sees them: resolving `--image` to a digest at
 * registration, finding the digest a tag was registered with, and refusing a tag that has moved.
 * The registry client is built here from the context's environment (credentials files, insecure
 * registries, time budget), so nothing else reads those variables.
 */
import { RegistryClient } from '../artifact/oci-client.js';
import {
  formatImageReference,
  type ImageReference,
  parseImageReference,
  repositoryName,
} from '../artifact/oci-reference.js';
import { transportOptionsFromEnv } from '../artifact/oci-transport.js';
import { TollgateError } from '../errors.js';
import { ENTRY } from '../ledger/entry.js';
import type { LedgerReader } from '../ledger/ledger-store.js';
import type { AppRequest, Environment } from './services.js';

/** What a register entry records about an image (never credentials). */
export interface ImageRecord {
  registry: string;
  repository: string;
  tag?: string;
  /** The manifest's media type: an index (OCI or Docker list) or a single manifest. */
  mediaType: string;
}

/** The registry client for a command, from the context's environment. */
export function registryClient(env: Environment): RegistryClient {
  return new RegistryClient(transportOptionsFromEnv(env));
}

/** Parses `--image` and insists on a tag or a digest: Tollgate never guesses `latest`. */
export function parseImageOption(text: string, option = '--image'): ImageReference {
  const ref = parseImageReference(text);
  if (ref.tag === undefined && ref.digest === undefined) {
    throw new TollgateError(
      'USAGE',
      `${option} ${text}: name a tag (${text}:1.4.2) or a digest (${text}@sha256:…); Tollgate does not assume "latest"`,
    );
  }
  return ref;
}

/** The artifact `source` of an image registration: `oci:REGISTRY/REPO:TAG`, or `oci:REGISTRY/REPO@DIGEST`. */
export function imageSource(ref: ImageReference, digest: string): string {
  return ref.tag !== undefined
    ? `oci:${repositoryName(ref)}:${ref.tag}`
    : `oci:${repositoryName(ref)}@${digest}`;
}

export interface ResolvedImage {
  ref: ImageReference;
  digest: string;
  record: ImageRecord;
}

/**
 * For `REPO:TAG@DIGEST`, that the tag points at the digest on the registry now: the reference says
 * both name one image, and a tag that names another (moved, or never this image) is refused
 * (TAG_MOVED, exit 3) naming both digests, rather than the tag being dropped unread. Nothing to
 * check for a reference with only one of them.
 */
export async function assertTagNamesDigest(
  text: string,
  ref: ImageReference,
  client: RegistryClient,
): Promise<void> {
  if (ref.digest === undefined || ref.tag === undefined) return;
  const { digest: tagged } = await client.getManifest(ref, ref.tag);
  if (tagged !== ref.digest) {
    throw new TollgateError(
      'TAG_MOVED',
      `${text}: the tag ${ref.tag} points at ${tagged}, not at ${ref.digest}; name the digest alone (${repositoryName(ref)}@${ref.digest}) or the tag alone`,
    );
  }
}

/**
 * Resolves an image to the digest of what the registry holds: a tag to the digest of its manifest
 * (the index itself for a multi-platform image, never one platform's), a digest checked to exist.
 */
export async function resolveImage(
  env: Environment,
  text: string,
  client = registryClient(env),
): Promise<ResolvedImage> {
  const ref = parseImageOption(text);
  const manifest = await client.getManifest(ref, ref.digest ?? ref.tag!);
  // The registration records the tag as where the digest came from (check --image REPO:TAG reads
  // it back): a tag that names another digest is refused, not recorded as this one's source.
  await assertTagNamesDigest(text, ref, client);
  return {
    ref,
    digest: manifest.digest,
    record: {
      registry: ref.registry,
      repository: ref.repository,
      ...(ref.tag === undefined ? {} : { tag: ref.tag }),
      mediaType: manifest.mediaType,
    },
  };
}

/** The image a register entry recorded, when it recorded one. */
export function imageOfPayload(payload: Record<string, unknown>): ImageRecord | undefined {
  const image = payload.image as Partial<ImageRecord> | undefined;
  if (
    !image ||
    typeof image !== 'object' ||
    typeof image.registry !== 'string' ||
    typeof image.repository !== 'string'
  )
    return undefined;
  return {
    registry: image.registry,
    repository: image.repository,
    ...(typeof image.tag === 'string' ? { tag: image.tag } : {}),
    mediaType: typeof image.mediaType === 'string' ? image.mediaType : '',
  };
}

/** The digest most recently registered from `registry/repository:tag`, read from the hash-chained register entries. */
export async function registeredDigestOfTag(
  reader: LedgerReader,
  pipeline: string,
  ref: ImageReference,
): Promise<string | undefined> {
  let found: string | undefined;
  for (const entry of await reader.unstagedEntries(pipeline, ENTRY.register)) {
    const image = imageOfPayload(entry.payload);
    if (
      image &&
      entry.artifact &&
      image.registry === ref.registry &&
      image.repository === ref.repository &&
      image.tag === ref.tag
    ) {
      found = entry.artifact;
    }
  }
  return found;
}

/** The image recorded by the artifact's registration(s), newest first. */
export async function registeredImages(
  reader: LedgerReader,
  pipeline: string,
  digest: string,
): Promise<ImageRecord[]> {
  const entries = await reader.entriesForArtifact(pipeline, digest);
  return entries
    .filter((entry) => entry.kind === ENTRY.register)
    .map((entry) => imageOfPayload(entry.payload))
    .filter((image): image is ImageRecord => image !== undefined)
    .reverse();
}

/**
 * The digest to decide for `check|promote --image`: a digest reference is checked to exist; a tag
 * must still point at the digest registered from it. A moved tag is refused (exit 3) naming both
 * digests: it is never promoted silently.
 */
export async function digestForImage(
  ctx: AppRequest,
  text: string,
  client = registryClient(ctx.services.env),
): Promise<string> {
  const ref = parseImageOption(text);
  if (ref.digest !== undefined) {
    // Read and hashed, not asked with HEAD: a registry (or a proxy) that answers 200 to any HEAD
    // would otherwise vouch for an image it does not hold. A missing one is IMAGE_NOT_FOUND.
    await client.getManifest(ref, ref.digest);
    // `REPO:TAG@DIGEST` says the tag is that image: checked, as register checks it, not ignored.
    await assertTagNamesDigest(text, ref, client);
    return ref.digest;
  }
  const store = await ctx.services.store();
  const registered = await registeredDigestOfTag(store, ctx.contract.pipeline, ref);
  const name = formatImageReference(ref);
  if (registered === undefined) {
    throw new TollgateError(
      'ARTIFACT_NOT_FOUND',
      `no digest was registered from ${name} in pipeline ${ctx.contract.pipeline}: run \`tollgate register --image ${name}\` first`,
    );
  }
  const { digest: current } = await client.getManifest(ref, ref.tag!);
  if (current !== registered) {
    throw new TollgateError(
      'TAG_MOVED',
      `${name} now points at ${current}, not at ${registered}, the digest registered from it: a moved tag is never promoted. Register the new digest (tollgate register --image ${name}) or name the one you mean (--image ${repositoryName(ref)}@${registered})`,
    );
  }
  return current;
}
