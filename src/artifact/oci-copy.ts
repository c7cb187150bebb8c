/**
 * Copy by digest between repositories or registries: every manifest of an index, every blob, and
 * the manifests last (children before the index, the index before its tag), so a reader of the
 * destination never sees a manifest whose content is missing. A blob the destination holds is
 * skipped; one in another repository of the same registry is mounted; the rest stream from the
 * source to the destination without touching the disk, several at a time. The destination's digest
 * is read back and must be the source's.
 */
import { TollgateError } from '../errors.js';
import {
  type Descriptor,
  type FetchedManifest,
  isIndexType,
  MANIFEST_MEDIA_TYPES,
  type RegistryClient,
  type Repository,
} from './oci-client.js';

export interface CopyOptions {
  /** Blobs copied at the same time (default 4). */
  concurrency?: number;
  /** Called after each blob, for progress output. */
  onBlob?: (blob: Descriptor, how: 'skipped' | 'mounted' | 'uploaded') => void;
}

export interface CopyResult {
  digest: string;
  mediaType: string;
  /** Manifests written (the index and each platform's). */
  manifests: number;
  blobs: { total: number; skipped: number; mounted: number; uploaded: number };
  /** Bytes streamed from source to destination. */
  bytes: number;
  /** The digest the destination tag named just before the copy, when it named another image. */
  replaced?: string;
}

// Layers that may not be redistributed (Windows base layers): registries refuse them and copying
// tools leave them where their `urls` point.
const FOREIGN = new Set([
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
]);

/** Indexes inside indexes deeper than this are refused (real images nest one or two). */
export const MAX_INDEX_DEPTH = 8;
/** Distinct manifests one copy reads at most (a multi-platform image with attestations holds ~20). */
export const MAX_TREE_MANIFESTS = 1000;

/**
 * Reads the manifest tree under `digest`: the manifest, and for an index every child manifest,
 * each distinct digest once, `concurrency` requests at a time, level by level. A hostile index
 * cannot make Tollgate open thousands of requests at once or walk without end: more than
 * MAX_TREE_MANIFESTS manifests, or indexes nested deeper than MAX_INDEX_DEPTH, are refused before
 * they are read. Returned children before their index (the order manifests are written in).
 */
async function readTree(
  client: RegistryClient,
  from: Repository,
  digest: string,
  concurrency: number,
): Promise<FetchedManifest[]> {
  const read = new Map<string, FetchedManifest>();
  const name = `${from.registry}/${from.repository}@${digest}`;
  let level: Array<{ digest: string; listedAs?: string; parent?: string }> = [{ digest }];
  for (let depth = 0; level.length > 0; depth += 1) {
    const fresh = [...new Set(level.map((entry) => entry.digest))].filter((d) => !read.has(d));
    if (read.size + fresh.length > MAX_TREE_MANIFESTS) {
      throw new TollgateError(
        'REGISTRY_INVALID',
        `${name}: the image lists more than ${MAX_TREE_MANIFESTS} manifests (${read.size + fresh.length} so far); Tollgate refuses to read a tree that large, and nothing was copied`,
      );
    }
    await pool(fresh, concurrency, async (child) => {
      read.set(child, await client.getManifest(from, child));
    });
    const next: typeof level = [];
    for (const entry of level) {
      const manifest = read.get(entry.digest)!;
      if (entry.listedAs !== undefined && manifest.mediaType !== entry.listedAs) {
        throw new TollgateError(
          'REGISTRY_INVALID',
          `${from.registry}/${from.repository}@${entry.parent}: the index lists ${entry.digest} as ${entry.listedAs}, but it is ${manifest.mediaType}`,
        );
      }
      if (!isIndexType(manifest.mediaType)) continue;
      const children = manifest.json.manifests ?? [];
      if (children.length > 0 && depth + 1 > MAX_INDEX_DEPTH) {
        throw new TollgateError(
          'REGISTRY_INVALID',
          `${name}: indexes nest deeper than ${MAX_INDEX_DEPTH} levels (at ${manifest.digest}); Tollgate refuses to walk further, and nothing was copied`,
        );
      }
      // A child left behind would leave an index at the destination naming a manifest it does not
      // hold, reported as a copy: a child Tollgate cannot copy fails the copy instead.
      for (const child of children) {
        if (!MANIFEST_MEDIA_TYPES.includes(child.mediaType)) {
          throw new TollgateError(
            'REGISTRY_INVALID',
            `${from.registry}/${from.repository}@${manifest.digest}: the index lists ${child.digest} of media type "${child.mediaType}", which Tollgate cannot copy (expected one of ${MANIFEST_MEDIA_TYPES.join(', ')}); nothing was copied`,
          );
        }
        next.push({ digest: child.digest, listedAs: child.mediaType, parent: manifest.digest });
      }
    }
    level = next;
  }
  // Children first, each manifest once.
  const ordered: FetchedManifest[] = [];
  const placed = new Set<string>();
  const place = (at: string) => {
    if (placed.has(at)) return;
    placed.add(at);
    const manifest = read.get(at)!;
    if (isIndexType(manifest.mediaType))
      for (const child of manifest.json.manifests ?? []) place(child.digest);
    ordered.push(manifest);
  };
  place(digest);
  return ordered;
}

function blobsOf(manifests: readonly FetchedManifest[]): Descriptor[] {
  const blobs = new Map<string, Descriptor>();
  for (const manifest of manifests) {
    if (isIndexType(manifest.mediaType)) continue;
    const { config, layers = [] } = manifest.json;
    for (const blob of [...(config ? [config] : []), ...layers]) {
      if (FOREIGN.has(blob.mediaType)) continue;
      if (typeof blob.digest !== 'string' || typeof blob.size !== 'number') {
        throw new TollgateError(
          'REGISTRY_INVALID',
          `manifest ${manifest.digest} has a blob descriptor without digest and size`,
        );
      }
      blobs.set(blob.digest, blob);
    }
  }
  return [...blobs.values()];
}

async function copyBlob(
  client: RegistryClient,
  from: Repository,
  to: Repository,
  blob: Descriptor,
): Promise<'skipped' | 'mounted' | 'uploaded'> {
  if (await client.hasBlob(to, blob.digest, blob.size)) return 'skipped';
  let location: string;
  if (from.registry === to.registry && from.repository !== to.repository) {
    const mount = await client.mountBlob(to, blob.digest, from);
    // A 201 is the registry's word that the blob is there now: held to it as a skip is (hasBlob),
    // so a registry answering 201 to any mount does not get a copy reported without its blobs.
    if (mount.mounted) {
      if (await client.hasBlob(to, blob.digest, blob.size)) return 'mounted';
      location = await client.startUpload(to);
    } else {
      location = mount.location;
    }
  } else {
    location = await client.startUpload(to);
  }
  // Checked as it streams: the destination is sent the last bytes only once they hash to the digest.
  const source = await client.openCheckedBlob(from, blob);
  try {
    await client.finishUpload(to, location, blob.digest, blob.size, () => source, false);
  } finally {
    // Unread when the upload failed before sending: its connection is closed, not left waiting.
    source.destroy();
  }
  return 'uploaded';
}

/** Runs `work` over `items`, `limit` at a time; the first failure stops new work and is thrown. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failed ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

/**
 * Copies the image `digest` from one repository to another (`tag` optional) and checks that the
 * destination holds the same digest.
 * @throws TollgateError REGISTRY_INVALID when the destination digest differs
 */
export async function copyImage(
  client: RegistryClient,
  from: Repository,
  digest: string,
  to: Repository & { tag?: string },
  options: CopyOptions = {},
): Promise<CopyResult> {
  const manifests = await readTree(client, from, digest, options.concurrency ?? 4);
  const top = manifests.at(-1)!;
  // A tag is overwritten by the copy: what it named before is read first, so the copy can say which
  // image it replaced there (a release tag holding another build is then on record, not lost).
  let replaced: string | undefined;
  if (to.tag !== undefined) {
    try {
      const before = await client.getManifest(to, to.tag);
      if (before.digest !== digest) replaced = before.digest;
    } catch (error) {
      if (!(error instanceof TollgateError && error.code === 'IMAGE_NOT_FOUND')) throw error;
    }
  }
  const blobs = blobsOf(manifests);
  const counts = { total: blobs.length, skipped: 0, mounted: 0, uploaded: 0 };
  let bytes = 0;
  await pool(blobs, options.concurrency ?? 4, async (blob) => {
    const how = await copyBlob(client, from, to, blob);
    counts[how] += 1;
    if (how === 'uploaded') bytes += blob.size;
    options.onBlob?.(blob, how);
  });
  for (const manifest of manifests) {
    const reference = manifest === top && to.tag !== undefined ? to.tag : manifest.digest;
    // The exact bytes read from the source: re-serialising would change the digest. Each is read
    // back and hashed below, which confirms more than the client's HEAD after a PUT would.
    const { digest: written } = await client.putManifest(to, reference, manifest.bytes, manifest.mediaType, {
      confirm: false,
    });
    if (written !== manifest.digest) {
      throw new TollgateError('REGISTRY_INVALID', `copy of ${manifest.digest} was stored as ${written}`);
    }
  }
  // Read back what a user of the destination will get: the tag, and every manifest under it by
  // digest (each read is hashed). A destination that answered 201 to a child's PUT but kept
  // nothing (or something else) would otherwise serve an index whose platform cannot be pulled.
  const check = await client.getManifest(to, to.tag ?? digest);
  if (check.digest !== digest) {
    throw new TollgateError(
      'REGISTRY_INVALID',
      `${to.registry}/${to.repository}${to.tag ? `:${to.tag}` : ''} holds ${check.digest} after the copy, not ${digest}`,
    );
  }
  await pool(
    manifests.filter((manifest) => manifest !== top),
    options.concurrency ?? 4,
    async (manifest) => {
      try {
        await client.getManifest(to, manifest.digest);
      } catch (error) {
        if (!(error instanceof TollgateError && error.code === 'IMAGE_NOT_FOUND')) throw error;
        throw new TollgateError(
          'REGISTRY_INVALID',
          `${to.registry}/${to.repository} accepted manifest ${manifest.digest} of ${digest} but does not hold it after the copy; the copy is not recorded`,
          { cause: error },
        );
      }
    },
  );
  return {
    digest,
    mediaType: top.mediaType,
    manifests: manifests.length,
    blobs: counts,
    bytes,
    ...(replaced === undefined ? {} : { replaced }),
  };
}
