/**
 * The OCI distribution API (https://github.com/opencontainers/distribution-spec, v1.1) as Tollgate
 * uses it: manifests by tag or digest (asked for with every manifest type, so a registry never
 * answers with one platform's manifest in place of the index), blobs (exists, read, mount, upload),
 * and the referrers API. Every manifest read is hashed here; a registry that answers bytes whose
 * digest is not the one asked for, or not the one it claims, is refused.
 */
import { createHash, type Hash } from 'node:crypto';
import { finished, type Readable, Transform, type TransformCallback } from 'node:stream';
import { TollgateError } from '../errors.js';
import { type Digest, isDigest } from './digest.js';
import { assertImageDigest, assertRepositoryPath, type ImageReference } from './oci-reference.js';
import {
  type RegistryRequest,
  type RegistryResponse,
  RegistryTransport,
  type RegistryTransportOptions,
  type RequestBody,
  TimeoutError,
} from './oci-transport.js';

export const MEDIA_TYPE = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dsse: 'application/vnd.dsse.envelope.v1+json',
} as const;

/** Every manifest type Tollgate reads, for the Accept header. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  MEDIA_TYPE.ociIndex,
  MEDIA_TYPE.ociManifest,
  MEDIA_TYPE.dockerList,
  MEDIA_TYPE.dockerManifest,
];

/** True for the two index types (a manifest list of platforms). */
export function isIndexType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPE.ociIndex || mediaType === MEDIA_TYPE.dockerList;
}

/** Largest manifest accepted: 4 MiB, the size the distribution spec says registries should accept. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { architecture?: string; os?: string; variant?: string };
  data?: string;
}

export interface ManifestJson {
  schemaVersion?: number;
  mediaType?: string;
  artifactType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface FetchedManifest {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
  json: ManifestJson;
}

/** A repository on a registry. */
export type Repository = Pick<ImageReference, 'registry' | 'repository'>;

/** `sha256:<hex>` of bytes. */
export function sha256Digest(bytes: Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
}

/**
 * Credentials a registry or a proxy echoes back in an error page (some print the request's
 * headers) are cut out before the text reaches a message: CI logs are read by more people than the
 * registry's owners.
 */
function redactCredentials(text: string): string {
  return text.replace(/\b(basic|bearer)(\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1$2[redacted]');
}

async function errorDetail(response: RegistryResponse): Promise<string> {
  const text = await response.text();
  try {
    const parsed = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = parsed.errors?.[0];
    if (first)
      return redactCredentials(
        `${String(first.code ?? '')}${first.message ? `: ${String(first.message)}` : ''}`,
      ).slice(0, 300);
  } catch {
    // not the registry's JSON error shape
  }
  return redactCredentials(text.slice(0, 2000).replace(/\s+/g, ' ').trim()).slice(0, 200);
}

/** Reads a response body up to `limit` bytes; more is refused before it is all read. */
async function readLimited(response: RegistryResponse, limit: number, what: string): Promise<Buffer> {
  const declared = Number(response.header('content-length') ?? '');
  if (Number.isFinite(declared) && declared > limit) {
    response.discard();
    throw new TollgateError('REGISTRY_INVALID', `${what} is ${declared} bytes, over the ${limit}-byte limit`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response.chunks()) {
      total += chunk.length;
      if (total > limit) {
        response.body.destroy();
        throw new TollgateError('REGISTRY_INVALID', `${what} is over the ${limit}-byte limit`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof TollgateError) throw error;
    // A body that trickles past the time budget, or a connection cut mid-body: the registry's fault.
    const cause =
      error instanceof TimeoutError
        ? error.message
        : ((error as NodeJS.ErrnoException).code ?? String(error));
    throw new TollgateError(
      'REGISTRY_UNAVAILABLE',
      `${response.url.host}: reading ${what} failed after ${total} bytes (${cause}); nothing was recorded (TOLLGATE_REGISTRY_TIMEOUT sets the time budget)`,
      { cause: error },
    );
  }
  return Buffer.concat(chunks);
}

/**
 * Checks a blob as it streams past: its length against the descriptor's size and its bytes against
 * the descriptor's digest. The last chunk is held until the digest is known, so whatever reads this
 * stream (an upload to another registry) never receives the whole of a blob that is not what its
 * descriptor says; the stream fails instead, and the upload with it.
 */
export class BlobCheck extends Transform {
  private received = 0;
  private readonly hash: Hash;
  private checked = false;

  constructor(
    private readonly digest: string,
    private readonly size: number,
    /** How messages name the blob: `REGISTRY/REPO blob sha256:…`. */
    private readonly what: string,
  ) {
    super();
    const algorithm = digest.slice(0, digest.indexOf(':'));
    if (algorithm !== 'sha256' && algorithm !== 'sha512') {
      throw new TollgateError(
        'REGISTRY_INVALID',
        `${what}: digest algorithm "${algorithm}" is not supported`,
      );
    }
    this.hash = createHash(algorithm);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.received += chunk.length;
    if (this.received > this.size) {
      callback(
        new TollgateError(
          'REGISTRY_INVALID',
          `${this.what} is longer than the ${this.size} bytes its descriptor says`,
        ),
      );
      return;
    }
    this.hash.update(chunk);
    if (this.received === this.size) {
      const error = this.verify();
      if (error) {
        callback(error);
        return;
      }
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.received < this.size) {
      callback(
        new TollgateError(
          'REGISTRY_INVALID',
          `${this.what} ended after ${this.received} of the ${this.size} bytes its descriptor says`,
        ),
      );
      return;
    }
    callback(this.checked ? null : this.verify());
  }

  private verify(): TollgateError | null {
    this.checked = true;
    const algorithm = this.digest.slice(0, this.digest.indexOf(':'));
    const actual = `${algorithm}:${this.hash.digest('hex')}`;
    return actual === this.digest
      ? null
      : new TollgateError('REGISTRY_INVALID', `${this.what} hashes to ${actual}, not to its digest`);
  }
}

/**
 * Refuses a manifest that two readers could take for two different things (CVE-2021-41190, the
 * OCI "media type confusion"): a `mediaType` field that contradicts the registry's Content-Type,
 * or a document holding both an index's `manifests` and an image's `config`/`layers`. Tollgate
 * would inspect, copy and sign one reading while a runtime pulls the other. Every descriptor's
 * digest must be a digest: a path or a tag there would name something else on the registry.
 */
function checkManifestShape(name: string, json: ManifestJson, mediaType: string, contentType: string): void {
  // Docker's schema 1 (`fsLayers`, `schemaVersion: 1`) names its layers in another shape: served as a
  // v2 type it would be read as something else than a registry or a runtime reads it.
  if (json.schemaVersion !== 2) {
    throw new TollgateError(
      'REGISTRY_INVALID',
      `${name}: the manifest has schemaVersion ${JSON.stringify(json.schemaVersion ?? null)}, not 2 (Docker schema 1 manifests are not read)`,
    );
  }
  if (
    json.mediaType !== undefined &&
    MANIFEST_MEDIA_TYPES.includes(contentType) &&
    contentType !== json.mediaType
  ) {
    throw new TollgateError(
      'REGISTRY_INVALID',
      `${name}: the manifest says its media type is "${json.mediaType}" but the registry served it as "${contentType}": an ambiguous manifest is refused`,
    );
  }
  const index = isIndexType(mediaType);
  const imageFields = json.config !== undefined || json.layers !== undefined;
  if ((index && imageFields) || (!index && json.manifests !== undefined)) {
    throw new TollgateError(
      'REGISTRY_INVALID',
      `${name}: the ${index ? 'index' : 'manifest'} (${mediaType}) also holds ${index ? '"config"/"layers"' : '"manifests"'}: an ambiguous manifest is refused`,
    );
  }
  if (index ? !Array.isArray(json.manifests) : json.config === undefined) {
    throw new TollgateError(
      'REGISTRY_INVALID',
      `${name}: the ${index ? 'index has no "manifests" list' : 'manifest has no "config"'} (${mediaType})`,
    );
  }
  if (!index && json.layers !== undefined && !Array.isArray(json.layers)) {
    throw new TollgateError('REGISTRY_INVALID', `${name}: "layers" is not a list`);
  }
  const descriptors = [
    ...(index ? json.manifests! : [json.config!, ...(json.layers ?? [])]),
    ...(json.subject === undefined ? [] : [json.subject]),
  ];
  for (const descriptor of descriptors) {
    const digest = (descriptor as Partial<Descriptor> | null)?.digest;
    const size = (descriptor as Partial<Descriptor> | null)?.size;
    if (typeof digest !== 'string' || !isDigest(digest) || !Number.isSafeInteger(size) || size! < 0) {
      throw new TollgateError(
        'REGISTRY_INVALID',
        `${name}: a descriptor has digest ${JSON.stringify(digest)} and size ${JSON.stringify(size)}: expected a sha256:… digest and a size in bytes`,
      );
    }
  }
}

const pull = (repo: Repository) => `repository:${repo.repository}:pull`;
const push = (repo: Repository) => `repository:${repo.repository}:pull,push`;

/** A client for any number of registries, one transport (and auth state) each. */
export class RegistryClient {
  private readonly transports = new Map<string, RegistryTransport>();

  constructor(private readonly options: RegistryTransportOptions) {}

  transport(registry: string): RegistryTransport {
    let transport = this.transports.get(registry);
    if (!transport) {
      transport = new RegistryTransport(registry, this.options);
      this.transports.set(registry, transport);
    }
    return transport;
  }

  /** Sends a request about `reference` (a tag or digest) in `repo`, both checked before they go into its path. */
  private send(repo: Repository, request: RegistryRequest, reference?: string): Promise<RegistryResponse> {
    assertRepositoryPath(repo.repository, reference);
    return this.transport(repo.registry).send(request);
  }

  private async fail(response: RegistryResponse, repo: Repository, what: string): Promise<never> {
    const detail = await errorDetail(response);
    const where = `${repo.registry}/${repo.repository}`;
    if (response.status === 401 || response.status === 403) {
      throw new TollgateError(
        'REGISTRY_DENIED',
        `${where}: ${what} was refused (${response.status}${detail ? ` ${detail}` : ''}); check the credentials for ${repo.registry} (docker login, podman login, REGISTRY_AUTH_FILE)`,
      );
    }
    throw new TollgateError(
      'REGISTRY_INVALID',
      `${where}: ${what} failed with ${response.status}${detail ? ` (${detail})` : ''}`,
    );
  }

  /**
   * Reads a manifest by tag or digest, with every manifest type accepted, and checks its digest:
   * against the one asked for, and against the `Docker-Content-Digest` the registry sent.
   * @throws TollgateError IMAGE_NOT_FOUND when the registry has no such tag or digest
   */
  async getManifest(repo: Repository, reference: string): Promise<FetchedManifest> {
    // Manifests are checked by their sha256: a reference by another digest could never match.
    if (isDigest(reference))
      assertImageDigest(reference, `${repo.registry}/${repo.repository}@${reference}: digest`);
    const response = await this.send(
      repo,
      {
        method: 'GET',
        path: `/v2/${repo.repository}/manifests/${reference}`,
        scopes: [pull(repo)],
        headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') },
        // A manifest by digest is checked against it wherever it comes from; by tag, nothing
        // checks what the tag means but the registry's own answer.
        stayOnRegistry: !isDigest(reference),
      },
      reference,
    );
    const name = `${repo.registry}/${repo.repository}${isDigest(reference) ? '@' : ':'}${reference}`;
    if (response.status === 404) {
      const detail = await errorDetail(response);
      throw new TollgateError(
        'IMAGE_NOT_FOUND',
        `${name} does not exist on the registry${detail ? ` (${detail})` : ''}`,
      );
    }
    if (!response.ok) return this.fail(response, repo, `reading manifest ${reference}`);
    const bytes = await readLimited(response, MAX_MANIFEST_BYTES, `the manifest of ${name}`);
    const digest = sha256Digest(bytes);
    if (isDigest(reference) && reference !== digest) {
      throw new TollgateError(
        'REGISTRY_INVALID',
        `${name}: the registry answered a manifest whose digest is ${digest}, not the one asked for`,
      );
    }
    const claimed = response.header('docker-content-digest');
    if (claimed?.startsWith('sha256:') && claimed !== digest) {
      throw new TollgateError(
        'REGISTRY_INVALID',
        `${name}: the registry says the manifest is ${claimed}, but its bytes hash to ${digest}`,
      );
    }
    let json: ManifestJson;
    try {
      json = JSON.parse(bytes.toString('utf8')) as ManifestJson;
    } catch (cause) {
      throw new TollgateError('REGISTRY_INVALID', `${name}: the manifest is not JSON`, { cause });
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new TollgateError('REGISTRY_INVALID', `${name}: the manifest is not a JSON object`);
    }
    const contentType = (response.header('content-type') ?? '').split(';')[0]!.trim();
    const mediaType = json.mediaType ?? contentType;
    if (!MANIFEST_MEDIA_TYPES.includes(mediaType)) {
      throw new TollgateError(
        'REGISTRY_INVALID',
        `${name}: manifest media type "${mediaType || '(none)'}" is none of ${MANIFEST_MEDIA_TYPES.join(', ')}`,
      );
    }
    checkManifestShape(name, json, mediaType, contentType);
    return { digest, mediaType, bytes, json };
  }

  /**
   * Stores a manifest under a tag or its digest and returns the digest of the bytes sent, after
   * checking that the registry computed the same one and then serves it (`confirmManifest`).
   * `confirm: false` leaves that check to a caller that reads every manifest back itself (copy).
   */
  async putManifest(
    repo: Repository,
    reference: string,
    bytes: Buffer,
    mediaType: string,
    options: { confirm?: boolean } = {},
  ): Promise<{ digest: Digest; subjectHeader: string | null }> {
    const digest = sha256Digest(bytes);
    const response = await this.send(
      repo,
      {
        method: 'PUT',
        path: `/v2/${repo.repository}/manifests/${reference}`,
        scopes: [push(repo)],
        headers: { 'content-type': mediaType },
        body: () => bytes,
      },
      reference,
    );
    if (!response.ok) return this.fail(response, repo, `storing manifest ${reference}`);
    response.discard();
    const claimed = response.header('docker-content-digest');
    if (claimed && claimed !== digest) {
      throw new TollgateError(
        'REGISTRY_INVALID',
        `${repo.registry}/${repo.repository}: stored manifest ${reference} as ${claimed}, but the bytes sent hash to ${digest}`,
      );
    }
    if (options.confirm !== false)
      await this.confirmManifest(repo, reference, digest, bytes.length, mediaType);
    return { digest, subjectHeader: response.header('oci-subject') };
  }

  /**
   * A 201 to a manifest PUT is the registry's word that it now serves those bytes under
   * `reference`: held to it as a skipped blob is (`hasBlob`), with a HEAD whose Content-Length is
   * the manifest's and whose Docker-Content-Digest is its digest. A tag whose HEAD names no digest
   * is read and hashed instead. A registry that answers 201 and keeps nothing, or other bytes,
   * then fails the push, rather than have an attestation or a copy reported that nobody can read.
   * @throws TollgateError REGISTRY_INVALID
   */
  private async confirmManifest(
    repo: Repository,
    reference: string,
    digest: string,
    size: number,
    mediaType: string,
  ): Promise<void> {
    const response = await this.send(
      repo,
      {
        method: 'HEAD',
        path: `/v2/${repo.repository}/manifests/${reference}`,
        scopes: [pull(repo)],
        headers: { accept: mediaType },
        stayOnRegistry: true,
      },
      reference,
    );
    response.discard();
    const where = `${repo.registry}/${repo.repository}`;
    if (response.status === 404)
      throw new TollgateError(
        'REGISTRY_INVALID',
        `${where}: the registry accepted manifest ${reference} (${digest}) but does not hold it when asked right after; nothing was recorded`,
      );
    if (!response.ok) return this.fail(response, repo, `checking manifest ${reference} after storing it`);
    const length = response.header('content-length')?.trim() ?? null;
    const claimed = response.header('docker-content-digest');
    if (length === String(size) && (claimed === digest || (claimed === null && reference === digest))) return;
    if (
      claimed === null &&
      length === String(size) &&
      (await this.getManifest(repo, reference)).digest === digest
    )
      return;
    throw new TollgateError(
      'REGISTRY_INVALID',
      `${where}: after storing manifest ${reference} as ${digest} (${size} bytes), the registry serves ${claimed ?? 'a manifest of no stated digest'} of ${length ?? 'no stated'} bytes under it; nothing was recorded`,
    );
  }

  /**
   * True when the repository holds the blob: a 200 to HEAD whose Content-Length is the blob's size
   * and whose Docker-Content-Digest, when sent, is its digest. A 200 that does not say so (a
   * registry or proxy answering 200 to any HEAD, or one holding other bytes under the name) is not
   * taken at its word: the blob is treated as missing, so it is uploaded rather than skipped.
   */
  async hasBlob(repo: Repository, digest: string, size: number): Promise<boolean> {
    const response = await this.send(
      repo,
      {
        method: 'HEAD',
        path: `/v2/${repo.repository}/blobs/${digest}`,
        scopes: [pull(repo)],
      },
      digest,
    );
    response.discard();
    if (response.status === 404) return false;
    if (!response.ok) return this.fail(response, repo, `looking for blob ${digest}`);
    const length = response.header('content-length');
    const claimed = response.header('docker-content-digest');
    return length !== null && length.trim() === String(size) && (claimed === null || claimed === digest);
  }

  /** Opens a blob for streaming (redirects to storage followed). */
  async openBlob(repo: Repository, digest: string): Promise<RegistryResponse> {
    const response = await this.send(
      repo,
      {
        method: 'GET',
        path: `/v2/${repo.repository}/blobs/${digest}`,
        scopes: [pull(repo)],
      },
      digest,
    );
    if (response.status === 404) {
      response.discard();
      throw new TollgateError(
        'IMAGE_NOT_FOUND',
        `${repo.registry}/${repo.repository}: blob ${digest} does not exist`,
      );
    }
    if (!response.ok) return this.fail(response, repo, `reading blob ${digest}`);
    return response;
  }

  /**
   * Opens a blob as a stream checked against its descriptor while it is read (see BlobCheck). A
   * connection cut while reading fails the stream with REGISTRY_UNAVAILABLE naming this registry.
   */
  async openCheckedBlob(repo: Repository, blob: Pick<Descriptor, 'digest' | 'size'>): Promise<Readable> {
    const response = await this.openBlob(repo, blob.digest);
    const where = `${repo.registry}/${repo.repository}`;
    const check = new BlobCheck(blob.digest, blob.size, `${where} blob ${blob.digest}`);
    const body = response.body;
    body.pipe(check);
    // A connection cut mid-body (with an error or a bare close) fails the check with a message that
    // names the registry it was reading from; a check that fails stops the download.
    finished(body, (error) => {
      if (error && !check.destroyed) {
        const code = (error as NodeJS.ErrnoException).code ?? error.message;
        check.destroy(
          new TollgateError(
            'REGISTRY_UNAVAILABLE',
            `${where}: reading blob ${blob.digest} was cut off (${code}); nothing was recorded`,
            { cause: error },
          ),
        );
      }
    });
    check.once('close', () => {
      if (!body.readableEnded) body.destroy();
    });
    return check;
  }

  /** Reads a small blob whole and checks its digest. */
  async readBlob(repo: Repository, digest: string, limit = MAX_MANIFEST_BYTES): Promise<Buffer> {
    const bytes = await readLimited(await this.openBlob(repo, digest), limit, `blob ${digest}`);
    if (sha256Digest(bytes) !== digest) {
      throw new TollgateError(
        'REGISTRY_INVALID',
        `${repo.registry}/${repo.repository}: blob ${digest} hashes to ${sha256Digest(bytes)}`,
      );
    }
    return bytes;
  }

  /**
   * Asks the registry to mount a blob from another repository on it. Returns true when mounted;
   * false when the registry started an ordinary upload instead (then that upload is used).
   */
  async mountBlob(
    repo: Repository,
    digest: string,
    from: Repository,
  ): Promise<{ mounted: true } | { mounted: false; location: string }> {
    assertRepositoryPath(from.repository);
    const response = await this.send(
      repo,
      {
        method: 'POST',
        path: `/v2/${repo.repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from.repository)}`,
        scopes: [push(repo), pull(from)],
        manualRedirect: true,
      },
      digest,
    );
    if (response.status !== 201 && response.status !== 202)
      return this.fail(response, repo, `mounting blob ${digest} from ${from.repository}`);
    response.discard();
    if (response.status === 201) return { mounted: true };
    return { mounted: false, location: this.location(repo, response) };
  }

  private location(repo: Repository, response: RegistryResponse): string {
    const location = response.header('location');
    if (!location)
      throw new TollgateError(
        'REGISTRY_INVALID',
        `${repo.registry}/${repo.repository}: the registry started an upload without a Location`,
      );
    const origin = this.transport(repo.registry).origin;
    const url = new URL(location, origin);
    if (url.origin !== origin) {
      throw new TollgateError(
        'REGISTRY_INVALID',
        `${repo.registry}/${repo.repository}: the upload location points at another host (${url.host})`,
      );
    }
    return `${url.pathname}${url.search}`;
  }

  async startUpload(repo: Repository): Promise<string> {
    const response = await this.send(repo, {
      method: 'POST',
      path: `/v2/${repo.repository}/blobs/uploads/`,
      scopes: [push(repo)],
      manualRedirect: true,
    });
    if (response.status !== 202) return this.fail(response, repo, 'starting a blob upload');
    response.discard();
    return this.location(repo, response);
  }

  /**
   * Finishes an upload with the whole blob in one PUT (`body` is made for each attempt; a stream
   * is sent once). The registry checks the bytes against `digest`.
   */
  async finishUpload(
    repo: Repository,
    location: string,
    digest: string,
    size: number,
    body: () => RequestBody,
    retryable: boolean,
  ): Promise<void> {
    const separator = location.includes('?') ? '&' : '?';
    const response = await this.send(repo, {
      method: 'PUT',
      path: `${location}${separator}digest=${encodeURIComponent(digest)}`,
      scopes: [push(repo)],
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body,
      retryBody: retryable,
      timeout: false,
      manualRedirect: true,
    });
    if (response.status !== 201) return this.fail(response, repo, `uploading blob ${digest}`);
    response.discard();
    // The registry says what it stored (distribution sends it on every 201): another digest means
    // it kept other bytes than the ones checked on the way.
    const stored = response.header('docker-content-digest');
    if (stored !== null && stored !== digest) {
      throw new TollgateError(
        'REGISTRY_INVALID',
        `${repo.registry}/${repo.repository}: the blob uploaded as ${digest} was stored as ${stored}`,
      );
    }
    // The 201 and its digest are the registry's word: held to it as a mount's 201 and a skip are
    // (`hasBlob`), so a registry that keeps nothing does not have a copy or a push reported whose
    // blob cannot be pulled.
    if (!(await this.hasBlob(repo, digest, size))) {
      throw new TollgateError(
        'REGISTRY_INVALID',
        `${repo.registry}/${repo.repository}: the registry answered 201 to the upload of blob ${digest} but, asked right after, does not hold it with its size ${size} and digest; nothing was recorded`,
      );
    }
  }

  /** Uploads a blob held in memory unless the repository has it. */
  async pushBlob(repo: Repository, bytes: Buffer, mediaType?: string): Promise<Descriptor> {
    const digest = sha256Digest(bytes);
    if (!(await this.hasBlob(repo, digest, bytes.length))) {
      const location = await this.startUpload(repo);
      await this.finishUpload(repo, location, digest, bytes.length, () => bytes, true);
    }
    return { mediaType: mediaType ?? 'application/octet-stream', digest, size: bytes.length };
  }

  /**
   * The referrers of a digest through the referrers API, or undefined when the registry has none
   * (404: then clients use the `sha256-<hex>` tag schema). A list split into pages (`Link: <…>;
   * rel="next"`, as the spec allows) is followed to its end, on the registry's own origin only; a
   * page named twice (a loop), an empty page naming another, or more than MAX_REFERRERS referrers
   * in all is refused.
   */
  async referrers(repo: Repository, digest: string): Promise<Descriptor[] | undefined> {
    assertRepositoryPath(repo.repository, digest);
    const where = `${repo.registry}/${repo.repository}: the referrers of ${digest}`;
    const origin = this.transport(repo.registry).origin;
    const all: Descriptor[] = [];
    const pages = new Set<string>();
    let path = `/v2/${repo.repository}/referrers/${digest}`;
    for (;;) {
      pages.add(path);
      const response = await this.send(repo, {
        method: 'GET',
        path,
        scopes: [pull(repo)],
        headers: { accept: MEDIA_TYPE.ociIndex },
      });
      if (response.status === 404 && pages.size === 1) {
        response.discard();
        return undefined;
      }
      if (!response.ok) return this.fail(response, repo, `listing referrers of ${digest}`);
      const contentType = (response.header('content-type') ?? '').split(';')[0]!.trim();
      const bytes = await readLimited(response, MAX_MANIFEST_BYTES, `the referrers of ${digest}`);
      // A registry without the API may answer 200 with something else (an HTML page, a proxy's error).
      if (contentType !== MEDIA_TYPE.ociIndex) {
        if (pages.size === 1) return undefined;
        throw new TollgateError('REGISTRY_INVALID', `${where}: a later page is not an OCI index`);
      }
      let index: ManifestJson | null;
      try {
        index = JSON.parse(bytes.toString('utf8')) as ManifestJson | null;
      } catch (cause) {
        throw new TollgateError('REGISTRY_INVALID', `${where} are not JSON`, { cause });
      }
      const manifests = typeof index === 'object' && index !== null ? (index.manifests ?? []) : undefined;
      if (!Array.isArray(manifests) || manifests.some((d) => typeof d !== 'object' || d === null)) {
        throw new TollgateError(
          'REGISTRY_INVALID',
          `${where} are not an index (expected "manifests": a list of descriptors)`,
        );
      }
      // Each referrer is then read by its digest: anything else there (a tag, nothing) would have
      // another manifest read in its place, as the fallback tag's index is held to (checkManifestShape).
      const bad = manifests.find((d) => typeof d.digest !== 'string' || !isDigest(d.digest));
      if (bad !== undefined) {
        throw new TollgateError(
          'REGISTRY_INVALID',
          `${where}: page ${pages.size} lists a referrer whose digest is ${JSON.stringify(bad.digest ?? null)}, not a sha256:… digest`,
        );
      }
      all.push(...manifests);
      if (all.length > MAX_REFERRERS) {
        throw new TollgateError(
          'REGISTRY_INVALID',
          `${where}: the registry lists more than ${MAX_REFERRERS} referrers; Tollgate refuses to read that many`,
        );
      }
      const next = nextLink(response.header('link'));
      if (next === undefined) return all;
      // Every page but the last lists something: otherwise empty pages, each naming a new one,
      // would be read without end (the referrer limit bounds only what pages list).
      if (manifests.length === 0) {
        throw new TollgateError(
          'REGISTRY_INVALID',
          `${where}: page ${pages.size} lists no referrer but names a next page; Tollgate refuses to follow pages that list nothing`,
        );
      }
      // Relative to the page it came with (RFC 8288 §3.2), as `<?n=2>` or `<page2>` may be written.
      const url = new URL(next, `${origin}${path}`);
      if (url.origin !== origin) {
        throw new TollgateError(
          'REGISTRY_INVALID',
          `${where}: the next page is on another host (${url.host}); Tollgate reads referrers from the registry only`,
        );
      }
      path = `${url.pathname}${url.search}`;
      if (pages.has(path)) {
        throw new TollgateError(
          'REGISTRY_INVALID',
          `${where}: the pages loop (${url.pathname}${url.search} is named twice)`,
        );
      }
    }
  }
}

/** Referrers read for one digest at most (a real image has a handful; a hostile list has thousands). */
export const MAX_REFERRERS = 1000;

/** The target of `rel="next"` in a `Link` header (RFC 8288), if any. */
function nextLink(header: string | null): string | undefined {
  if (header === null) return undefined;
  for (const match of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    if (/;\s*rel\s*=\s*"?(?:[^";,]*\s)?next(?:\s[^";,]*)?"?/i.test(match[2] ?? '')) return match[1];
  }
  return undefined;
}
