/**
 * A registry is untrusted input: a tiny in-memory registry on loopback that answers whatever a test
 * plants (any bytes, any Content-Type, any Docker-Content-Digest), to check what Tollgate refuses.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { digestForImage, resolveImage } from '../../src/app/image.js';
import type { AppRequest } from '../../src/app/services.js';
import { MAX_REFERRERS, MEDIA_TYPE, RegistryClient } from '../../src/artifact/oci-client.js';
import { copyImage, MAX_INDEX_DEPTH, MAX_TREE_MANIFESTS } from '../../src/artifact/oci-copy.js';
import { listReferrers } from '../../src/artifact/oci-referrers.js';
import { transportOptionsFromEnv } from '../../src/artifact/oci-transport.js';
import { TollgateError } from '../../src/errors.js';

interface Planted {
  body: Buffer;
  contentType: string;
  /** Docker-Content-Digest sent (default: the body's digest). */
  claimed?: string;
  /** A `Link` header sent with it (a referrers page naming the next). */
  link?: string;
}

const sha = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Manifests by `repo/reference`, blobs by digest; PUT manifests are stored, uploads accepted. */
const manifests = new Map<string, Planted>();
const blobs = new Map<string, Buffer>();
/** `path authorization` of each request under /v2/private/. */
const authorizations: string[] = [];
/** `/v2/REPO DIGEST` of each blob upload finished. */
const uploads: string[] = [];
/** Manifest GETs by path, and the most answered at once (each answer under /v2/slow/ waits 15 ms). */
const manifestGets: string[] = [];
let inFlight = 0;
let mostInFlight = 0;
let server: http.Server;
let host: string;
let other: http.Server;
let otherHost: string;

function plant(repo: string, json: unknown, contentType: string, tag?: string): string {
  const body = Buffer.from(JSON.stringify(json));
  const digest = sha(body);
  manifests.set(`${repo}/${digest}`, { body, contentType });
  if (tag) manifests.set(`${repo}/${tag}`, { body, contentType });
  return digest;
}

type Descriptor = { mediaType: string; digest: string; size: number };

function blob(bytes: string): Descriptor {
  const buffer = Buffer.from(bytes);
  blobs.set(sha(buffer), buffer);
  return { mediaType: 'application/octet-stream', digest: sha(buffer), size: buffer.length };
}

/**
 * Plants an OCI image manifest in `repo` (default shop/app) whose config blob holds `configText`
 * and whose layer blobs hold `layerTexts`, served as an OCI manifest and tagged `tag` if given.
 */
function plantedImage(
  configText = '{}',
  layerTexts: string[] = [],
  {
    repo = 'shop/app',
    tag,
    annotations,
  }: { repo?: string; tag?: string; annotations?: Record<string, string> } = {},
): { digest: string; config: Descriptor; layers: Descriptor[] } {
  const config = blob(configText);
  const layers = layerTexts.map(blob);
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.ociManifest,
    config,
    layers,
    ...(annotations ? { annotations } : {}),
  };
  return { digest: plant(repo, manifest, MEDIA_TYPE.ociManifest, tag), config, layers };
}

/** Plants an OCI index in shop/app over `children` (each an OCI manifest unless said), tagged `tag` if given. */
function plantedIndex(children: Array<string | { digest: string; mediaType: string }>, tag?: string): string {
  const manifests = children.map((child) =>
    typeof child === 'string'
      ? { mediaType: MEDIA_TYPE.ociManifest, digest: child, size: 10 }
      : { ...child, size: 10 },
  );
  return plant(
    'shop/app',
    { schemaVersion: 2, mediaType: MEDIA_TYPE.ociIndex, manifests },
    MEDIA_TYPE.ociIndex,
    tag,
  );
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname.startsWith('/v2/private/')) {
        authorizations.push(`${url.pathname} ${req.headers.authorization ?? '(none)'}`);
        if (!req.headers.authorization)
          return void res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end();
        // A proxy that prints the request's headers in its error page.
        if (url.pathname.includes('/echo-json/'))
          return void res.writeHead(400, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              errors: [{ code: 'BAD', message: `rejected Authorization: ${req.headers.authorization}` }],
            }),
          );
        if (url.pathname.includes('/echo-text/'))
          return void res.writeHead(400).end(`<html>Authorization: ${req.headers.authorization}</html>`);
      }
      const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
      const blobPath = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(url.pathname);
      const referrers = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(url.pathname);
      // Referrers pages without end, each empty and naming the next.
      if (referrers && req.method === 'GET' && referrers[1] === 'endless/app') {
        const n = Number(url.searchParams.get('n') ?? '1');
        return void res
          .writeHead(200, {
            'content-type': MEDIA_TYPE.ociIndex,
            link: `<${url.pathname}?n=${n + 1}>; rel="next"`,
          })
          .end(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE.ociIndex, manifests: [] }));
      }
      if (referrers && req.method === 'GET') {
        const planted = manifests.get(`${referrers[1]}/referrers/${referrers[2]}${url.search}`);
        if (!planted) return void res.writeHead(404).end();
        return void res
          .writeHead(200, {
            'content-type': planted.contentType,
            ...(planted.link ? { link: planted.link } : {}),
          })
          .end(planted.body);
      }
      // A manifest whose body trickles: a byte every 50 ms, never silent long enough to time out.
      if (manifest && req.method === 'GET' && url.pathname.startsWith('/v2/trickle/')) {
        res.writeHead(200, { 'content-type': MEDIA_TYPE.ociManifest, 'content-length': 4000 });
        const timer = setInterval(() => res.write(' '), 50);
        res.on('close', () => clearInterval(timer));
        return;
      }
      if (manifest && req.method === 'HEAD' && url.pathname.startsWith('/v2/catch-all/'))
        return void res.writeHead(200, { 'content-type': MEDIA_TYPE.ociManifest }).end();
      // Manifests under /v2/redirect/ are sent to another host, which answers shop/app's.
      if (manifest && req.method === 'GET' && manifest[1] === 'redirect/app')
        return void res
          .writeHead(307, { location: `http://${otherHost}/v2/shop/app/manifests/${manifest[2]}` })
          .end();
      if (manifest && req.method === 'GET') manifestGets.push(url.pathname);
      if (manifest && (req.method === 'GET' || req.method === 'HEAD')) {
        const answer = () => {
          const planted = manifests.get(`${manifest[1]}/${manifest[2]}`);
          if (!planted) return void res.writeHead(404).end();
          res.writeHead(200, {
            'content-type': planted.contentType,
            'docker-content-digest': planted.claimed ?? sha(planted.body),
            'content-length': planted.body.length,
          });
          res.end(req.method === 'HEAD' ? undefined : planted.body);
        };
        if (!url.pathname.startsWith('/v2/slow/')) return answer();
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        return void setTimeout(() => {
          inFlight -= 1;
          answer();
        }, 15);
      }
      // A destination that answers 201 to a manifest PUT by digest and keeps nothing.
      if (
        manifest &&
        req.method === 'PUT' &&
        manifest[1] === 'liar/app' &&
        manifest[2]!.startsWith('sha256:')
      )
        return void res.writeHead(201, { 'docker-content-digest': sha(Buffer.concat(chunks)) }).end();
      if (manifest && req.method === 'PUT') {
        const body = Buffer.concat(chunks);
        const planted = { body, contentType: String(req.headers['content-type']) };
        manifests.set(`${manifest[1]}/${manifest[2]}`, planted);
        manifests.set(`${manifest[1]}/${sha(body)}`, planted);
        return void res.writeHead(201, { 'docker-content-digest': sha(body) }).end();
      }
      // Destinations whose HEAD says 200 for blobs they do not hold: with no length (a catch-all),
      // or with the right length but another digest.
      if (blobPath && req.method === 'HEAD' && blobPath[1] === 'head-liar/app')
        return void res.writeHead(200, { 'content-length': 0 }).end();
      if (blobPath && req.method === 'HEAD' && blobPath[1] === 'head-other/app')
        return void res
          .writeHead(200, {
            'content-length': blobs.get(blobPath[2]!)?.length ?? 0,
            'docker-content-digest': sha('other bytes'),
          })
          .end();
      // A destination that answers 201 to any mount, and holds only what was uploaded to it.
      if (blobPath && req.method === 'HEAD' && blobPath[1] === 'mount-liar/app') {
        const bytes = blobs.get(blobPath[2]!);
        if (!bytes || !uploads.includes(`/v2/mount-liar/app ${blobPath[2]}`))
          return void res.writeHead(404).end();
        return void res.writeHead(200, { 'content-length': bytes.length }).end();
      }
      if (
        req.method === 'POST' &&
        url.pathname === '/v2/mount-liar/app/blobs/uploads/' &&
        url.searchParams.has('mount')
      )
        return void res.writeHead(201).end();
      if (blobPath && (req.method === 'GET' || req.method === 'HEAD')) {
        const bytes = blobPath[1]!.startsWith('liar-blob/') ? undefined : blobs.get(blobPath[2]!);
        if (!bytes) return void res.writeHead(404).end();
        res.writeHead(200, { 'content-length': bytes.length });
        return void res.end(req.method === 'HEAD' ? undefined : bytes);
      }
      if (req.method === 'POST' && url.pathname.endsWith('/blobs/uploads/')) {
        return void res.writeHead(202, { location: `${url.pathname}upload-1` }).end();
      }
      // A destination that keeps other bytes than it was sent, and says so in its digest header.
      if (req.method === 'PUT' && url.pathname.startsWith('/v2/liar-blob/'))
        return void res.writeHead(201, { 'docker-content-digest': sha('other bytes') }).end();
      if (req.method === 'PUT' && url.pathname.includes('/blobs/uploads/')) {
        const bytes = Buffer.concat(chunks);
        uploads.push(`${url.pathname.split('/blobs/')[0]} ${sha(bytes)}`);
        blobs.set(sha(bytes), bytes);
        return void res.writeHead(201).end();
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Another host, serving what the registry holds: where a hostile registry redirects to.
  other = http.createServer((req, res) => {
    const planted = manifests.get((req.url ?? '').replace(/^\/v2\/(.+)\/manifests\//, '$1/'));
    if (!planted) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': planted.contentType }).end(planted.body);
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  otherHost = `127.0.0.1:${(other.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise<void>((resolve) => other.close(() => resolve()));
});

beforeEach(() => {
  manifests.clear();
  blobs.clear();
  authorizations.length = 0;
  uploads.length = 0;
  manifestGets.length = 0;
  mostInFlight = 0;
});

const client = () => new RegistryClient(transportOptionsFromEnv({ TOLLGATE_REGISTRY_TIMEOUT: '5s' }));

async function refusal(promise: Promise<unknown>): Promise<TollgateError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateError);
    return error as TollgateError;
  }
  throw new Error('expected a refusal');
}

describe('a hostile registry', () => {
  const repo = () => ({ registry: host, repository: 'shop/app' });

  it('refuses a manifest whose mediaType contradicts the Content-Type it is served with', async () => {
    const config = blob('{}');
    const digest = plant(
      'shop/app',
      { schemaVersion: 2, mediaType: MEDIA_TYPE.ociManifest, config, layers: [] },
      MEDIA_TYPE.ociIndex,
      '1.0',
    );
    for (const reference of ['1.0', digest]) {
      const error = await refusal(client().getManifest(repo(), reference));
      expect(error.code).toBe('REGISTRY_INVALID');
      expect(error.message).toContain('ambiguous manifest');
    }
  });

  it('refuses a document that is both an index and an image manifest (CVE-2021-41190)', async () => {
    const config = blob('{}');
    const layer = blob('the layer a runtime would run');
    const child = plant(
      'shop/app',
      { schemaVersion: 2, mediaType: MEDIA_TYPE.ociManifest, config, layers: [] },
      MEDIA_TYPE.ociManifest,
    );
    const both = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociIndex,
      manifests: [{ mediaType: MEDIA_TYPE.ociManifest, digest: child, size: 1 }],
      config,
      layers: [layer],
    };
    plant('shop/app', both, MEDIA_TYPE.ociIndex, 'both');
    const noType = { schemaVersion: 2, config, layers: [layer], manifests: both.manifests };
    plant('shop/app', noType, MEDIA_TYPE.ociManifest, 'untyped');
    for (const tag of ['both', 'untyped']) {
      const error = await refusal(client().getManifest(repo(), tag));
      expect(error.code).toBe('REGISTRY_INVALID');
      expect(error.message).toContain('ambiguous manifest');
    }
  });

  it('refuses a descriptor whose digest is not a digest (a path or a tag names something else)', async () => {
    const config = blob('{}');
    const index = plant(
      'shop/app',
      {
        schemaVersion: 2,
        mediaType: MEDIA_TYPE.ociIndex,
        manifests: [{ mediaType: MEDIA_TYPE.ociManifest, digest: 'latest', size: 10 }],
      },
      MEDIA_TYPE.ociIndex,
    );
    const traversal = plant(
      'shop/app',
      {
        schemaVersion: 2,
        mediaType: MEDIA_TYPE.ociManifest,
        config,
        layers: [{ ...config, digest: `../../../other/blobs/${config.digest}` }],
      },
      MEDIA_TYPE.ociManifest,
    );
    for (const digest of [index, traversal]) {
      const error = await refusal(client().getManifest(repo(), digest));
      expect(error.code).toBe('REGISTRY_INVALID');
      expect(error.message).toContain('expected a sha256:… digest');
    }
  });

  it('does not copy an index whose child is a tag: nothing is written at the destination', async () => {
    plantedImage('{}', [], { tag: 'moving' });
    const index = plantedIndex(['moving']);
    const error = await refusal(
      copyImage(client(), repo(), index, { registry: host, repository: 'prod/app', tag: '1.0' }),
    );
    expect(error.code).toBe('REGISTRY_INVALID');
    expect([...manifests.keys()].filter((key) => key.startsWith('prod/'))).toEqual([]);
  });

  it('does not copy an index with a child it cannot copy, nor report the index copied without it', async () => {
    const child = plantedImage().digest;
    const indexOf = (mediaType: string) => plantedIndex([{ mediaType, digest: child }]);
    for (const [mediaType, message] of [
      ['application/vnd.example.unknown+json', 'which Tollgate cannot copy'],
      [MEDIA_TYPE.dockerManifest, `but it is ${MEDIA_TYPE.ociManifest}`],
    ] as const) {
      const error = await refusal(
        copyImage(client(), repo(), indexOf(mediaType), {
          registry: host,
          repository: 'prod/app',
          tag: '1.0',
        }),
      );
      expect(error.code).toBe('REGISTRY_INVALID');
      expect(error.message).toContain(message);
      expect([...manifests.keys()].filter((key) => key.startsWith('prod/'))).toEqual([]);
    }
  });

  it('does not report a copy whose platform manifest the destination accepted but does not hold', async () => {
    const child = plantedImage().digest;
    const index = plantedIndex([child]);
    const error = await refusal(
      copyImage(client(), repo(), index, { registry: host, repository: 'liar/app', tag: '1.0' }),
    );
    expect(error.code).toBe('REGISTRY_INVALID');
    expect(error.message).toContain(`accepted manifest ${child} of ${index} but does not hold it`);
  });

  it('does not report a copy whose blob the destination says it stored under another digest', async () => {
    const { digest: image, config } = plantedImage('{"architecture":"amd64"}');
    const error = await refusal(
      copyImage(client(), repo(), image, { registry: host, repository: 'liar-blob/app', tag: '1.0' }),
    );
    expect(error.code).toBe('REGISTRY_INVALID');
    expect(error.message).toContain(
      `the blob uploaded as ${config.digest} was stored as ${sha('other bytes')}`,
    );
    expect(manifests.has('liar-blob/app/1.0')).toBe(false);
  });

  it.each([
    ['answers 200 with no length for any blob', 'head-liar/app'],
    ['answers 200 with the right length but another digest', 'head-other/app'],
  ])(
    'uploads a blob whose HEAD %s instead of skipping it, and then refuses the copy that HEAD cannot confirm',
    async (_how, destination) => {
      const {
        digest: image,
        config,
        layers,
      } = plantedImage('{"architecture":"arm64"}', ['a layer the destination does not hold']);
      const error = await refusal(
        copyImage(client(), repo(), image, { registry: host, repository: destination, tag: '1.0' }),
      );
      // The same HEAD that said 200 asked again after the upload still does not give the blob's size
      // and digest: the registry does not confirm it holds what it answered 201 to.
      expect(error.code).toBe('REGISTRY_INVALID');
      expect(error.message).toContain('answered 201 to the upload of blob');
      expect(manifests.has(`${destination}/1.0`)).toBe(false);
      expect(uploads.sort()).toEqual([config, ...layers].map((b) => `/v2/${destination} ${b.digest}`).sort());
    },
  );

  it('uploads a blob the destination says it mounted (201) but does not hold', async () => {
    const {
      digest: image,
      config,
      layers,
    } = plantedImage('{"architecture":"ppc64le"}', ['a layer no mount brought']);
    const result = await copyImage(client(), repo(), image, {
      registry: host,
      repository: 'mount-liar/app',
      tag: '1.0',
    });
    expect(result.blobs).toEqual({ total: 2, skipped: 0, mounted: 0, uploaded: 2 });
    expect(uploads.sort()).toEqual([config, ...layers].map((b) => `/v2/mount-liar/app ${b.digest}`).sort());
  });

  it('skips a blob whose HEAD gives its size and digest', async () => {
    const image = plantedImage('{"architecture":"s390x"}').digest;
    const result = await copyImage(client(), repo(), image, { registry: host, repository: 'shop/app' });
    expect(result.blobs).toEqual({ total: 1, skipped: 1, mounted: 0, uploaded: 0 });
    expect(uploads).toEqual([]);
  });

  it.each([
    ['a repository holding a scope', 'shop/app:push repository:other/app', '1.0'],
    ['a repository climbing out of its path', 'shop/../../v2/other', '1.0'],
    ['a tag holding a query', 'shop/app', '1.0?digest=x'],
    ['a tag climbing out of its path', 'shop/app', '../../other/manifests/1.0'],
    ['a digest in upper-case hex', 'shop/app', `sha256:${'AB'.repeat(32)}`],
    ['a digest with a space before it', 'shop/app', ` sha256:${'ab'.repeat(32)}`],
    ['a digest with a newline after it', 'shop/app', `sha256:${'ab'.repeat(32)}\n`],
  ])(
    'sends no request for %s (a name not read through the reference grammar)',
    async (_what, repository, tag) => {
      plantedImage('{}', [], { tag: '1.0' });
      const error = await refusal(client().getManifest({ registry: host, repository }, tag));
      expect(error.code).toBe('REGISTRY_INVALID');
      expect(error.message).toMatch(/is not one|is neither a tag nor a digest/);
      expect(manifestGets).toEqual([]);
    },
  );

  it('does not let another host decide what a tag points at: a tag read is not redirected off the registry', async () => {
    const { digest } = plantedImage('{}', [], { tag: '1.0' });
    const redirected = { registry: host, repository: 'redirect/app' };
    const error = await refusal(client().getManifest(redirected, '1.0'));
    expect(error.code).toBe('REGISTRY_INVALID');
    expect(error.message).toContain(`redirected /v2/redirect/app/manifests/1.0 to ${otherHost}`);
    // By digest the bytes are checked against the digest, wherever they are served from.
    expect((await client().getManifest(redirected, digest)).digest).toBe(digest);
  });

  it('refuses a Docker schema 1 manifest, also when it is served as a v2 type', async () => {
    const config = blob('{}');
    const schema1 = {
      schemaVersion: 1,
      name: 'shop/app',
      tag: '1.0',
      architecture: 'amd64',
      fsLayers: [{ blobSum: config.digest }],
      history: [{ v1Compatibility: '{}' }],
    };
    const asItself = plant('shop/app', schema1, 'application/vnd.docker.distribution.manifest.v1+prettyjws');
    // With a config and layers a v2 reader takes for an image, and a schema 1 reader does not.
    const asV2 = plant(
      'shop/app',
      { ...schema1, config, layers: [config] },
      MEDIA_TYPE.dockerManifest,
      '1.0',
    );
    for (const reference of [asItself, asV2, '1.0']) {
      const error = await refusal(client().getManifest(repo(), reference));
      expect(error.code).toBe('REGISTRY_INVALID');
    }
    expect((await refusal(client().getManifest(repo(), asV2))).message).toContain('schemaVersion 1, not 2');
  });

  it('does not overwrite a destination tag whose manifest it cannot read, and writes nothing', async () => {
    const { digest: image } = plantedImage('{"architecture":"amd64"}', ['layer']);
    const config = blob('{}');
    plant(
      'held/app',
      {
        schemaVersion: 1,
        name: 'held/app',
        fsLayers: [{ blobSum: config.digest }],
        config,
        layers: [config],
      },
      MEDIA_TYPE.dockerManifest,
      '1.0',
    );
    const error = await refusal(
      copyImage(client(), repo(), image, { registry: host, repository: 'held/app', tag: '1.0' }),
    );
    expect(error.message).toContain('schemaVersion 1, not 2');
    expect(uploads).toEqual([]);
    expect(manifests.has(`held/app/${image}`)).toBe(false);
  });

  it('refuses indexes nested deeper than the limit, and copies nothing', async () => {
    let { digest } = plantedImage();
    let mediaType: string = MEDIA_TYPE.ociManifest;
    const wrap = () => {
      digest = plantedIndex([{ mediaType, digest }]);
      mediaType = MEDIA_TYPE.ociIndex;
    };
    for (let i = 0; i < MAX_INDEX_DEPTH; i += 1) wrap();
    const to = { registry: host, repository: 'prod/app', tag: '1.0' };
    // Exactly at the limit: copied.
    expect((await copyImage(client(), repo(), digest, to)).manifests).toBe(MAX_INDEX_DEPTH + 1);
    manifests.delete('prod/app/1.0');
    wrap();
    const error = await refusal(copyImage(client(), repo(), digest, { ...to, tag: '2.0' }));
    expect(error.code).toBe('REGISTRY_INVALID');
    expect(error.message).toContain(`indexes nest deeper than ${MAX_INDEX_DEPTH} levels`);
    expect(manifests.has('prod/app/2.0')).toBe(false);
  });

  it('refuses an index of more manifests than the limit before reading them', async () => {
    const children = Array.from({ length: MAX_TREE_MANIFESTS }, (_, i) => ({
      mediaType: MEDIA_TYPE.ociManifest,
      digest: sha(`child ${i}`),
      size: 10,
    }));
    const index = plant(
      'shop/app',
      { schemaVersion: 2, mediaType: MEDIA_TYPE.ociIndex, manifests: children },
      MEDIA_TYPE.ociIndex,
    );
    const error = await refusal(
      copyImage(client(), repo(), index, { registry: host, repository: 'prod/app', tag: '1.0' }),
    );
    expect(error.code).toBe('REGISTRY_INVALID');
    expect(error.message).toContain(`more than ${MAX_TREE_MANIFESTS} manifests`);
    expect(manifestGets).toEqual([`/v2/shop/app/manifests/${index}`]);
  });

  it('reads a child listed twice once, and a wide index a few requests at a time', async () => {
    const children = Array.from({ length: 12 }, (_, i) => ({
      mediaType: MEDIA_TYPE.ociManifest,
      digest: plantedImage('{}', [], { repo: 'slow/app', annotations: { i: `${i}` } }).digest,
      size: 10,
    }));
    const index = plant(
      'slow/app',
      { schemaVersion: 2, mediaType: MEDIA_TYPE.ociIndex, manifests: [...children, children[0]] },
      MEDIA_TYPE.ociIndex,
    );
    const copied = await copyImage(
      client(),
      { registry: host, repository: 'slow/app' },
      index,
      { registry: host, repository: 'prod/app', tag: '1.0' },
      { concurrency: 3 },
    );
    expect(copied.manifests).toBe(13);
    const reads = manifestGets.filter((path) => path.startsWith('/v2/slow/app/manifests/sha256:'));
    expect(reads).toHaveLength(13);
    expect(new Set(reads).size).toBe(13);
    expect(mostInFlight).toBeGreaterThan(1);
    expect(mostInFlight).toBeLessThanOrEqual(3);
  });

  it('gives up on a manifest that trickles in past the time budget instead of waiting for it', async () => {
    // A byte every 50 ms keeps the connection from ever being silent, so only a budget on the
    // whole body stops it: 4000 bytes would take 200 s.
    const budgeted = new RegistryClient(transportOptionsFromEnv({ TOLLGATE_REGISTRY_TIMEOUT: '1s' }));
    const error = await refusal(budgeted.getManifest({ registry: host, repository: 'trickle/app' }, '1.0'));
    expect(error.code).toBe('REGISTRY_UNAVAILABLE');
    expect(error.message).toContain('the time budget ended');
  });

  it('refuses a referrers answer that is not an index with a clear error, not a crash', async () => {
    const subject = `sha256:${'a'.repeat(64)}`;
    for (const body of ['not json {', '{"manifests": 7}', 'null', '{"manifests": [null]}']) {
      manifests.set(`shop/app/referrers/${subject}`, {
        body: Buffer.from(body),
        contentType: MEDIA_TYPE.ociIndex,
      });
      const error = await refusal(client().referrers(repo(), subject));
      expect(error.code).toBe('REGISTRY_INVALID');
      expect(error.message).toContain(`the referrers of ${subject}`);
    }
  });

  it('follows referrers pages named by Link, and refuses pages that loop, leave the registry or list too many', async () => {
    const subject = `sha256:${'b'.repeat(64)}`;
    const path = `/v2/shop/app/referrers/${subject}`;
    const descriptor = (i: number) => ({
      mediaType: MEDIA_TYPE.ociManifest,
      digest: sha(`referrer ${i}`),
      size: 10,
    });
    const page = (search: string, list: unknown[], next?: string) =>
      manifests.set(`shop/app/referrers/${subject}${search}`, {
        body: Buffer.from(
          JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPE.ociIndex, manifests: list }),
        ),
        contentType: MEDIA_TYPE.ociIndex,
        ...(next ? { link: `<${next}>; rel="next"` } : {}),
      });
    // Two pages: the VSA on the second one is found.
    page('', [descriptor(1)], `${path}?n=2`);
    page('?n=2', [descriptor(2)]);
    expect((await client().referrers(repo(), subject))?.map((d) => d.digest)).toEqual([
      sha('referrer 1'),
      sha('referrer 2'),
    ]);
    // A next page named relative to the page (RFC 8288: resolved against the request's URL).
    page('', [descriptor(1)], '?n=2');
    expect((await client().referrers(repo(), subject))?.map((d) => d.digest)).toEqual([
      sha('referrer 1'),
      sha('referrer 2'),
    ]);
    page('', [descriptor(1)], `${path}?n=2`);
    // A loop back to the first page.
    page('?n=2', [descriptor(2)], path);
    expect((await refusal(client().referrers(repo(), subject))).message).toContain('the pages loop');
    // A next page on another host.
    page('?n=2', [descriptor(2)], `http://198.51.100.7${path}?n=3`);
    expect((await refusal(client().referrers(repo(), subject))).message).toContain(
      'on another host (198.51.100.7)',
    );
    // Pages that never end, each listing a few hundred referrers.
    for (let n = 1; n <= 5; n += 1)
      page(
        n === 1 ? '' : `?n=${n}`,
        Array.from({ length: 300 }, (_, i) => descriptor(n * 1000 + i)),
        `${path}?n=${n + 1}`,
      );
    const error = await refusal(client().referrers(repo(), subject));
    expect(error.code).toBe('REGISTRY_INVALID');
    expect(error.message).toContain(`more than ${MAX_REFERRERS} referrers`);
    // A registry without the API: the fallback tag's index is held to the same limit. That tag is
    // anyone's to overwrite, so none of it is read, and why is said (verify --image still reads .att).
    const other = `sha256:${'c'.repeat(64)}`;
    plant(
      'shop/app',
      {
        schemaVersion: 2,
        mediaType: MEDIA_TYPE.ociIndex,
        manifests: Array.from({ length: MAX_REFERRERS + 1 }, (_, i) => descriptor(i)),
      },
      MEDIA_TYPE.ociIndex,
      `sha256-${'c'.repeat(64)}`,
    );
    const fallback = await listReferrers(client(), repo(), other);
    expect(fallback).toMatchObject({ referrers: [], via: 'fallback-tag' });
    expect(fallback.unreadable).toContain(`more than ${MAX_REFERRERS} referrers`);
  });

  it('refuses a referrers answer listing a descriptor whose digest is not a digest, rather than read a tag in its place', async () => {
    const subject = `sha256:${'d'.repeat(64)}`;
    for (const digest of [undefined, 'latest', 42]) {
      manifests.set(`shop/app/referrers/${subject}`, {
        body: Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: MEDIA_TYPE.ociIndex,
            manifests: [
              { mediaType: MEDIA_TYPE.ociManifest, artifactType: MEDIA_TYPE.dsse, digest, size: 10 },
            ],
          }),
        ),
        contentType: MEDIA_TYPE.ociIndex,
      });
      const error = await refusal(client().referrers(repo(), subject));
      expect(error.code).toBe('REGISTRY_INVALID');
      expect(error.message).toContain(`lists a referrer whose digest is ${JSON.stringify(digest ?? null)}`);
    }
    expect(manifestGets).toEqual([]);
  });

  it('refuses referrers pages that list nothing and name another, instead of reading them without end', async () => {
    const error = await refusal(
      client().referrers({ registry: host, repository: 'endless/app' }, `sha256:${'b'.repeat(64)}`),
    );
    expect(error.code).toBe('REGISTRY_INVALID');
    expect(error.message).toContain('page 1 lists no referrer but names a next page');
  });

  it('does not register REPO:TAG@DIGEST as coming from a tag that points at another digest', async () => {
    const tested = plantedImage('{}', ['tested'], { tag: '1.0' }).digest;
    const other = plantedImage('{}', ['other']).digest;
    const error = await refusal(resolveImage({}, `${host}/shop/app:1.0@${other}`, client()));
    expect(error.code).toBe('TAG_MOVED');
    expect(error.message).toContain(`the tag 1.0 points at ${tested}, not at ${other}`);
    const agreed = await resolveImage({}, `${host}/shop/app:1.0@${tested}`, client());
    expect(agreed.digest).toBe(tested);
    expect(agreed.record.tag).toBe('1.0');
  });

  it("sends each repository its own scoped credentials, not the first repository's", async () => {
    plantedImage('{}', [], { repo: 'private/team-a/app', tag: '1.0' });
    plantedImage('{}', [], { repo: 'private/team-b/app', tag: '1.0' });
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-scoped-auth-'));
    const basic = (user: string) => Buffer.from(`${user}:${user}-secret`).toString('base64');
    writeFileSync(
      join(dir, 'auth.json'),
      JSON.stringify({
        auths: {
          [`${host}/private/team-a`]: { auth: basic('team-a') },
          [`${host}/private/team-b`]: { auth: basic('team-b') },
        },
      }),
    );
    const scoped = new RegistryClient(
      transportOptionsFromEnv({ REGISTRY_AUTH_FILE: join(dir, 'auth.json'), HOME: dir }),
    );
    await scoped.getManifest({ registry: host, repository: 'private/team-a/app' }, '1.0');
    await scoped.getManifest({ registry: host, repository: 'private/team-b/app' }, '1.0');
    expect(authorizations).toEqual([
      '/v2/private/team-a/app/manifests/1.0 (none)',
      `/v2/private/team-a/app/manifests/1.0 Basic ${basic('team-a')}`,
      `/v2/private/team-b/app/manifests/1.0 Basic ${basic('team-b')}`,
    ]);
  });

  it('never prints credentials a registry echoes back in its error page', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-echo-auth-'));
    const auth = Buffer.from('ci:echoed-secret-password').toString('base64');
    writeFileSync(join(dir, 'auth.json'), JSON.stringify({ auths: { [host]: { auth } } }));
    const echoing = new RegistryClient(
      transportOptionsFromEnv({ REGISTRY_AUTH_FILE: join(dir, 'auth.json'), HOME: dir }),
    );
    for (const kind of ['echo-json', 'echo-text']) {
      const error = await refusal(
        echoing.getManifest({ registry: host, repository: `private/${kind}/app` }, '1.0'),
      );
      expect(error.code).toBe('REGISTRY_INVALID');
      expect(error.message).toContain('failed with 400');
      expect(error.message).toContain('Basic [redacted]');
      expect(error.message).not.toContain(auth);
    }
  });

  it('check --image REPO@DIGEST: a registry that answers 200 to any HEAD does not vouch for a missing image', async () => {
    const missing = `sha256:${'0'.repeat(64)}`;
    const ctx = { services: { env: {} } } as unknown as AppRequest;
    const error = await refusal(digestForImage(ctx, `${host}/catch-all/app@${missing}`, client()));
    expect(error.code).toBe('IMAGE_NOT_FOUND');
    expect(error.message).toContain(`${host}/catch-all/app@${missing} does not exist on the registry`);
  });

  it('still reads honest manifests: an index of two platforms and a Docker v2 manifest', async () => {
    const config = blob('{}');
    const amd = plant(
      'shop/app',
      { schemaVersion: 2, mediaType: MEDIA_TYPE.dockerManifest, config, layers: [blob('a')] },
      MEDIA_TYPE.dockerManifest,
    );
    const arm = plantedImage('{}', ['b']).digest;
    const index = plantedIndex([{ mediaType: MEDIA_TYPE.dockerManifest, digest: amd }, arm], '1.0');
    expect((await client().getManifest(repo(), '1.0')).digest).toBe(index);
    const copied = await copyImage(client(), repo(), index, {
      registry: host,
      repository: 'prod/app',
      tag: '1.0',
    });
    expect(copied.manifests).toBe(3);
  });
});
