/**
 * Attestations next to an image, where the tools that admit images look for them:
 * - OCI 1.1 referrers: an artifact manifest whose `subject` is the image. A registry with the
 *   referrers API indexes it itself (and says so with an `OCI-Subject` header on the push); for one
 *   without, the client maintains the fallback tag `sha256-<hex>`, an index of the referrers.
 * - cosign's layout: the tag `sha256-<hex>.att`, one image manifest whose layers are DSSE
 *   envelopes annotated with their predicate type (what `cosign verify-attestation`, Kyverno and
 *   Sigstore policy-controller read).
 * Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers
 */
import { TollgateError } from '../errors.js';
import {
  type Descriptor,
  MAX_REFERRERS,
  type ManifestJson,
  MEDIA_TYPE,
  type RegistryClient,
  type Repository,
  sha256Digest,
} from './oci-client.js';

/** The empty JSON config of an artifact manifest (`{}`), as the image spec defines it. */
const EMPTY_CONFIG = Buffer.from('{}');

/** The annotation naming an attestation's predicate type (Docker's and BuildKit's key). */
export const PREDICATE_ANNOTATION = 'in-toto.io/predicate-type';
/** cosign's annotation for the same. */
export const COSIGN_PREDICATE_ANNOTATION = 'predicateType';

/** The fallback tag of the referrers tag schema, and cosign's tags, for a digest: `sha256-<hex>`. */
export function digestTag(digest: string, suffix = ''): string {
  return `${digest.replace(':', '-')}${suffix}`;
}

export interface ReferrerLayer {
  bytes: Buffer;
  mediaType: string;
  annotations?: Record<string, string>;
}

export interface PushedReferrer {
  digest: string;
  /** `referrers-api` when the registry indexed it; `fallback-tag` when the tag index was updated. */
  via: 'referrers-api' | 'fallback-tag';
}

function withSubject(manifest: Buffer): Descriptor {
  const json = JSON.parse(manifest.toString('utf8')) as ManifestJson;
  return {
    mediaType: json.mediaType ?? MEDIA_TYPE.ociManifest,
    digest: sha256Digest(manifest),
    size: manifest.length,
  };
}

/** Reads an index stored under a tag, or an empty one when the tag does not exist. */
async function readTagIndex(client: RegistryClient, repo: Repository, tag: string): Promise<ManifestJson> {
  try {
    const found = await client.getManifest(repo, tag);
    if (found.mediaType !== MEDIA_TYPE.ociIndex) {
      throw new TollgateError(
        'REGISTRY_INVALID',
        `${repo.registry}/${repo.repository}:${tag} is not an OCI index; it cannot list referrers`,
      );
    }
    return found.json;
  } catch (error) {
    if (error instanceof TollgateError && error.code === 'IMAGE_NOT_FOUND')
      return { schemaVersion: 2, mediaType: MEDIA_TYPE.ociIndex, manifests: [] };
    throw error;
  }
}

/**
 * Pushes an artifact manifest about `subject` (the image's manifest descriptor) with the given
 * layers, and makes it findable: by the registry's referrers API, or by the fallback tag.
 */
export async function pushReferrer(
  client: RegistryClient,
  repo: Repository,
  subject: Descriptor,
  artifactType: string,
  layers: readonly ReferrerLayer[],
  annotations: Record<string, string> = {},
): Promise<PushedReferrer> {
  const config = await client.pushBlob(repo, EMPTY_CONFIG, MEDIA_TYPE.ociEmpty);
  const layerDescriptors: Descriptor[] = [];
  for (const layer of layers) {
    const pushed = await client.pushBlob(repo, layer.bytes, layer.mediaType);
    layerDescriptors.push({ ...pushed, ...(layer.annotations ? { annotations: layer.annotations } : {}) });
  }
  const manifest: ManifestJson = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.ociManifest,
    artifactType,
    config: { ...config, data: EMPTY_CONFIG.toString('base64') },
    layers: layerDescriptors,
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const { digest, subjectHeader } = await client.putManifest(
    repo,
    sha256Digest(bytes),
    bytes,
    MEDIA_TYPE.ociManifest,
  );
  if (subjectHeader === subject.digest) return { digest, via: 'referrers-api' };
  // No OCI-Subject header: the registry does not index referrers; keep the fallback tag's index.
  const tag = digestTag(subject.digest);
  const index = await readTagIndex(client, repo, tag);
  const manifests = index.manifests ?? [];
  if (!manifests.some((d) => d.digest === digest)) {
    manifests.push({
      ...withSubject(bytes),
      artifactType,
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    });
    const updated = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE.ociIndex, manifests }),
    );
    await client.putManifest(repo, tag, updated, MEDIA_TYPE.ociIndex);
  }
  return { digest, via: 'fallback-tag' };
}

/**
 * The referrers of a digest: from the referrers API when the registry has it, else from the fallback
 * tag. The fallback tag is an ordinary tag anyone who can push to the repository can overwrite: when
 * it holds no index Tollgate can read (an image manifest, a list over MAX_REFERRERS, bytes that are
 * not their digest), the spec says to assume there are no referrers. Then none are listed and
 * `unreadable` says why, so the caller still reads the other places (cosign's `.att` tag). A
 * registry that does not answer or refuses the credentials still throws.
 */
export async function listReferrers(
  client: RegistryClient,
  repo: Repository,
  digest: string,
): Promise<{ referrers: Descriptor[]; via: PushedReferrer['via']; unreadable?: string }> {
  const fromApi = await client.referrers(repo, digest);
  if (fromApi !== undefined) return { referrers: fromApi, via: 'referrers-api' };
  try {
    const index = await readTagIndex(client, repo, digestTag(digest));
    const referrers = index.manifests ?? [];
    if (referrers.length > MAX_REFERRERS) {
      throw new TollgateError(
        'REGISTRY_INVALID',
        `${repo.registry}/${repo.repository}:${digestTag(digest)} lists more than ${MAX_REFERRERS} referrers; Tollgate refuses to read that many`,
      );
    }
    return { referrers, via: 'fallback-tag' };
  } catch (error) {
    if (!(error instanceof TollgateError) || error.code !== 'REGISTRY_INVALID') throw error;
    return { referrers: [], via: 'fallback-tag', unreadable: error.message };
  }
}

/** cosign's attestation config: an image config whose rootfs lists the layers. */
function cosignConfig(layers: readonly Descriptor[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: [{ created: '0001-01-01T00:00:00Z' }],
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      config: {},
    }),
  );
}

/**
 * Adds DSSE envelopes to the cosign attestation tag `sha256-<hex>.att` of `digest`, keeping the
 * attestations already there (as `cosign attest` does). Returns the tag.
 */
export async function attachCosignAttestations(
  client: RegistryClient,
  repo: Repository,
  digest: string,
  envelopes: ReadonlyArray<{ bytes: Buffer; predicateType: string }>,
): Promise<string> {
  const tag = digestTag(digest, '.att');
  let layers: Descriptor[] = [];
  try {
    const existing = await client.getManifest(repo, tag);
    layers = existing.json.layers ?? [];
  } catch (error) {
    if (!(error instanceof TollgateError && error.code === 'IMAGE_NOT_FOUND')) throw error;
  }
  for (const envelope of envelopes) {
    const pushed = await client.pushBlob(repo, envelope.bytes, MEDIA_TYPE.dsse);
    if (layers.some((l) => l.digest === pushed.digest)) continue;
    layers.push({
      ...pushed,
      annotations: {
        'dev.cosignproject.cosign/signature': '',
        [COSIGN_PREDICATE_ANNOTATION]: envelope.predicateType,
      },
    });
  }
  const config = await client.pushBlob(repo, cosignConfig(layers), MEDIA_TYPE.ociConfig);
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE.ociManifest, config, layers }),
  );
  await client.putManifest(repo, tag, manifest, MEDIA_TYPE.ociManifest);
  return tag;
}

/** The DSSE layers of the cosign attestation tag of `digest` (empty when there is none). */
export async function cosignAttestationLayers(
  client: RegistryClient,
  repo: Repository,
  digest: string,
): Promise<Descriptor[]> {
  try {
    const found = await client.getManifest(repo, digestTag(digest, '.att'));
    return (found.json.layers ?? []).filter((l) => l.mediaType === MEDIA_TYPE.dsse);
  } catch (error) {
    if (error instanceof TollgateError && error.code === 'IMAGE_NOT_FOUND') return [];
    throw error;
  }
}
