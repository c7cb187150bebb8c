/**
 * Registries that answer a push with the right words and keep nothing: a 201 with the right
 * Docker-Content-Digest is the registry's claim, and Tollgate asks again before it reports a copy
 * or a pushed attestation. A small in-memory registry on loopback, honest except under the
 * repositories named below.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MEDIA_TYPE, RegistryClient } from '../../src/artifact/oci-client.js';
import { copyImage } from '../../src/artifact/oci-copy.js';
import { pushReferrer } from '../../src/artifact/oci-referrers.js';
import { transportOptionsFromEnv } from '../../src/artifact/oci-transport.js';
import { tollgateRejectionOf } from '../support/builders.js';

const sha = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Manifests by `repo/reference`, blobs by `repo@digest`. */
const manifests = new Map<string, { body: Buffer; contentType: string }>();
const blobs = new Map<string, Buffer>();
let server: http.Server;
let host: string;

/**
 * How a repository lies: `forgets-blobs/…` answers 201 to a finished upload and keeps nothing;
 * `forgets-manifests/…` answers 201 to a manifest PUT and keeps nothing; `shrinks-manifests/…`
 * keeps the manifest but serves HEAD with another length and digest.
 */
const lies = (repo: string, what: 'blobs' | 'manifests' | 'shrinks') =>
  repo.startsWith(what === 'shrinks' ? 'shrinks-manifests/' : `forgets-${what}/`);

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://x');
      const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
      const blob = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url.pathname);
      const upload = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(url.pathname);
      if (manifest && req.method === 'PUT') {
        const [, repo = '', reference = ''] = manifest;
        const stored = { body, contentType: req.headers['content-type'] ?? '' };
        if (!lies(repo, 'manifests')) {
          manifests.set(`${repo}/${reference}`, stored);
          manifests.set(`${repo}/${sha(body)}`, stored);
        }
        return void res.writeHead(201, { 'docker-content-digest': sha(body) }).end();
      }
      if (manifest && (req.method === 'GET' || req.method === 'HEAD')) {
        const [, repo = '', reference = ''] = manifest;
        const planted = manifests.get(`${repo}/${reference}`);
        if (!planted) return void res.writeHead(404).end();
        const shown = lies(repo, 'shrinks') ? planted.body.subarray(1) : planted.body;
        res.writeHead(200, {
          'content-type': planted.contentType,
          'docker-content-digest': sha(shown),
          'content-length': shown.length,
        });
        return void res.end(req.method === 'HEAD' ? undefined : shown);
      }
      if (blob && (req.method === 'GET' || req.method === 'HEAD')) {
        const bytes = blobs.get(`${blob[1]}@${blob[2]}`);
        if (!bytes) return void res.writeHead(404).end();
        res.writeHead(200, { 'docker-content-digest': blob[2], 'content-length': bytes.length });
        return void res.end(req.method === 'HEAD' ? undefined : bytes);
      }
      if (upload && req.method === 'POST')
        return void res.writeHead(202, { location: `/v2/${upload[1]}/blobs/uploads/${randomUUID()}` }).end();
      if (upload && req.method === 'PUT') {
        const digest = url.searchParams.get('digest') ?? '';
        if (sha(body) !== digest) return void res.writeHead(400).end();
        if (!lies(upload[1] ?? '', 'blobs')) blobs.set(`${upload[1]}@${digest}`, body);
        return void res.writeHead(201, { 'docker-content-digest': digest }).end();
      }
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  manifests.clear();
  blobs.clear();
});

function client(): RegistryClient {
  return new RegistryClient(
    transportOptionsFromEnv({ HOME: '/nonexistent', TOLLGATE_REGISTRY_TIMEOUT: '5s' }),
  );
}

/** An image of one layer in shop/app, by digest. */
function plantImage(): { digest: string; size: number } {
  const layer = Buffer.from('layer bytes');
  const config = Buffer.from('{}');
  blobs.set(`shop/app@${sha(layer)}`, layer);
  blobs.set(`shop/app@${sha(config)}`, config);
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.ociManifest,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha(config),
        size: config.length,
      },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(layer), size: layer.length },
      ],
    }),
  );
  manifests.set(`shop/app/${sha(body)}`, { body, contentType: MEDIA_TYPE.ociManifest });
  return { digest: sha(body), size: body.length };
}

describe('a registry that answers a push with 201 and keeps nothing', () => {
  it('copies to an honest registry and reads every blob back', async () => {
    const { digest } = plantImage();
    const result = await copyImage(client(), { registry: host, repository: 'shop/app' }, digest, {
      registry: host,
      repository: 'honest/app',
      tag: '1.0',
    });
    expect(result.blobs.uploaded).toBe(2);
    expect(blobs.has(`honest/app@${sha('layer bytes')}`)).toBe(true);
  });

  it('does not report a copy whose blob upload was answered 201 and not kept', async () => {
    const { digest } = plantImage();
    const refused = await tollgateRejectionOf(
      copyImage(client(), { registry: host, repository: 'shop/app' }, digest, {
        registry: host,
        repository: 'forgets-blobs/app',
        tag: '1.0',
      }),
    );
    expect(refused.code).toBe('REGISTRY_INVALID');
    expect(refused.message).toContain('answered 201 to the upload of blob sha256:');
    expect(refused.message).toContain('does not hold it');
  });

  it.each([
    ['answered 201 to and did not keep', 'forgets-manifests/app', 'does not hold it when asked right after'],
    [
      'keeps but then serves with another length and digest',
      'shrinks-manifests/app',
      'the registry serves sha256:',
    ],
  ])(
    'does not report an attestation pushed as a manifest the registry %s',
    async (_how, repository, said) => {
      const subject = { mediaType: MEDIA_TYPE.ociManifest, ...plantImage() };
      const refused = await tollgateRejectionOf(
        pushReferrer(client(), { registry: host, repository }, subject, 'application/vnd.test', [
          { mediaType: MEDIA_TYPE.dsse, bytes: Buffer.from('{"payload":""}') },
        ]),
      );
      expect(refused.code).toBe('REGISTRY_INVALID');
      expect(refused.message).toContain(said);
    },
  );
});
