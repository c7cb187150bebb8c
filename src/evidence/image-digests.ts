/**
 * The image digests a raw scan or SBOM says it describes (Trivy `Metadata.RepoDigests`, Grype
 * `source.target.manifestDigest`, a CycloneDX or SPDX container package's purl), as `sha256:<hex>`.
 * They are what the document claims, kept beside the record so a gate can say when it names
 * another image than the artifact it was attested for; they never refuse a file (a multi-platform
 * image registered by its index digest is scanned as one platform's manifest). See docs/evidence.md.
 */

const SHA256 = /^sha256:([0-9a-fA-F]{64})$/;

/**
 * `sha256:<64 hex>`, lower-cased, or undefined for anything else (a tag, a redacted or short hash).
 * @example imageDigestOf('sha256:ABC…') // 'sha256:abc…'
 */
export function imageDigestOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = SHA256.exec(value.trim());
  return match ? `sha256:${match[1]!.toLowerCase()}` : undefined;
}

/** The digest of a repo digest, `registry/repo@sha256:<hex>` (Trivy's and Grype's `RepoDigests`). */
export function repoDigestOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const at = value.lastIndexOf('@');
  return at === -1 ? undefined : imageDigestOf(value.slice(at + 1));
}

/** A bare SHA-256 hex value (a CycloneDX hash's `content`, an SPDX checksum's `checksumValue`). */
export function sha256HexOf(value: unknown): string | undefined {
  return typeof value === 'string' ? imageDigestOf(`sha256:${value.trim()}`) : undefined;
}

/**
 * The digest an image purl names as its version: `pkg:oci/app@sha256%3A<hex>?arch=amd64` (syft,
 * Trivy) or `pkg:docker/acme/app@sha256:<hex>`; undefined for other purl types and for a tag.
 */
export function purlImageDigestOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const purl = value.trim();
  if (!/^pkg:(oci|docker)\//i.test(purl)) return undefined;
  const path = purl.replace(/[#?].*$/s, '');
  const at = path.lastIndexOf('@');
  if (at === -1) return undefined;
  try {
    return imageDigestOf(decodeURIComponent(path.slice(at + 1)));
  } catch {
    // A malformed percent-encoding names no digest.
    return undefined;
  }
}

/**
 * An image purl (`pkg:oci/…`, `pkg:docker/…`) that names no digest, only a tag or nothing: a tag
 * is mutable, so such a purl cannot show which build it is about. The purl itself, or undefined.
 * @example unpinnedImagePurl('pkg:oci/app?tag=1.0') // 'pkg:oci/app?tag=1.0'
 */
export function unpinnedImagePurl(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^pkg:(oci|docker)\//i.test(value.trim())) return undefined;
  return purlImageDigestOf(value) === undefined ? value.trim() : undefined;
}

/** The candidates that are digests, de-duplicated in document order; undefined when there is none. */
export function describedImages(candidates: ReadonlyArray<string | undefined>): string[] | undefined {
  const digests = [...new Set(candidates.filter((c): c is string => c !== undefined))];
  return digests.length > 0 ? digests : undefined;
}

/** What a document names: `describes`, and of those the image ids (config digests) as `imageIds`. */
export interface NamedImageDigests {
  describes?: string[];
  imageIds?: string[];
}

/**
 * The digests a document names for its image: the manifest digests (repo digests, a manifest
 * digest, an image purl's) and the image ids (config digests: Trivy's and Grype's `ImageID`). An
 * image id is never the digest an image is registered by (that is its manifest's or its index's),
 * so it can confirm the artifact (a registry that stores images by config digest) but never
 * contradict it: `imageIds` says which of `describes` they are.
 */
export function namedImageDigests(
  manifests: ReadonlyArray<string | undefined>,
  imageIds: ReadonlyArray<string | undefined>,
): NamedImageDigests {
  const describes = describedImages([...manifests, ...imageIds]);
  const ids = describedImages(imageIds)?.filter((id) => !manifests.includes(id));
  return {
    ...(describes ? { describes } : {}),
    ...(ids && ids.length > 0 ? { imageIds: ids } : {}),
  };
}
