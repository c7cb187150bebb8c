/**
 * A registry reached over HTTPS (a self-signed certificate trusted by this test process only),
 * answering with the token realm a test chooses: credentials go to a plain-HTTP realm only from a
 * registry that is itself reached in clear.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MEDIA_TYPE, RegistryClient } from '../../src/artifact/oci-client.js';
import { transportOptionsFromEnv } from '../../src/artifact/oci-transport.js';
import { TollgateError } from '../../src/errors.js';
import { dockerConfigDir, selfSignedCertificate } from '../support/registry.js';

const manifest = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPE.ociManifest,
    config: { mediaType: MEDIA_TYPE.ociConfig, digest: `sha256:${'0'.repeat(64)}`, size: 2 },
    layers: [],
  }),
);
const manifestDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;

let dir: string;
let registry: https.Server;
let clearRealm: http.Server;
/** The registry's name: 127.0.0.1 written as one number, which is not taken for loopback, so HTTPS. */
let name: string;
let realm: string;
/** Authorization headers each token realm received. */
const tokenRequests: string[] = [];

function tokenAnswer(req: http.IncomingMessage, res: http.ServerResponse, where: string): void {
  tokenRequests.push(`${where} ${req.headers.authorization ?? '(none)'}`);
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'tok-123456' }));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-https-'));
  const { keyFile, certFile } = selfSignedCertificate(dir, 'registry', 'tollgate-test-registry', '127.0.0.1');
  const cert = readFileSync(certFile);
  registry = https.createServer({ key: readFileSync(keyFile), cert }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    if (url.pathname === '/token') return tokenAnswer(req, res, 'https');
    if (req.headers.authorization !== 'Bearer tok-123456')
      return void res.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="test"` }).end();
    res
      .writeHead(200, { 'content-type': MEDIA_TYPE.ociManifest, 'docker-content-digest': manifestDigest })
      .end(manifest);
  });
  clearRealm = http.createServer((req, res) => tokenAnswer(req, res, 'http'));
  await Promise.all([
    new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve)),
    new Promise<void>((resolve) => clearRealm.listen(0, '127.0.0.1', resolve)),
  ]);
  name = `2130706433:${(registry.address() as AddressInfo).port}`;
  // Trusted by this process only, for the registry's certificate.
  https.globalAgent.options.ca = cert;
});

afterAll(async () => {
  delete https.globalAgent.options.ca;
  await Promise.all([
    new Promise<void>((resolve) => registry.close(() => resolve())),
    new Promise<void>((resolve) => clearRealm.close(() => resolve())),
  ]);
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  tokenRequests.length = 0;
});

function client(): RegistryClient {
  const config = dockerConfigDir(name, 'ci', 'ci-secret-password');
  return new RegistryClient(
    transportOptionsFromEnv({ HOME: '/nonexistent', DOCKER_CONFIG: config, TOLLGATE_REGISTRY_TIMEOUT: '5s' }),
  );
}

describe('a registry reached over HTTPS', () => {
  it('fetches its token from an https realm with the credentials', async () => {
    realm = `https://127.0.0.1:${(registry.address() as AddressInfo).port}/token`;
    const read = await client().getManifest({ registry: name, repository: 'shop/app' }, '1.0');
    expect(read.digest).toBe(manifestDigest);
    expect(tokenRequests).toEqual([`https Basic ${Buffer.from('ci:ci-secret-password').toString('base64')}`]);
  });

  it('refuses an http realm on loopback: the credentials are never sent in clear', async () => {
    realm = `http://127.0.0.1:${(clearRealm.address() as AddressInfo).port}/token`;
    let error: unknown;
    try {
      await client().getManifest({ registry: name, repository: 'shop/app' }, '1.0');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TollgateError);
    expect((error as TollgateError).code).toBe('REGISTRY_DENIED');
    expect((error as TollgateError).message).toContain('reached over HTTPS, named a token realm over http');
    expect((error as TollgateError).message).not.toContain('ci-secret-password');
    expect(tokenRequests).toEqual([]);
  });
});
