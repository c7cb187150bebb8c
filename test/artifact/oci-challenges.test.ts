/**
 * A registry reached over HTTPS that offers several WWW-Authenticate challenges (RFC 9110 lets it,
 * in one header or several): Tollgate answers the first Bearer challenge whose realm it would send
 * credentials to, and none that names a parameter twice. Hand-built, because a real registry
 * offers one challenge; the single-challenge cases run against docker-registry in oci-https.
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
import type { TollgateError } from '../../src/errors.js';
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
/** The WWW-Authenticate value(s) a 401 carries. */
let challenges: string | string[];
/** Authorization headers each token realm received. */
const tokenRequests: string[] = [];

function tokenAnswer(req: http.IncomingMessage, res: http.ServerResponse, where: string): void {
  tokenRequests.push(`${where} ${req.headers.authorization ?? '(none)'}`);
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'tok-123456' }));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-challenges-'));
  const { keyFile, certFile } = selfSignedCertificate(dir, 'registry', 'tollgate-test-registry', '127.0.0.1');
  const cert = readFileSync(certFile);
  registry = https.createServer({ key: readFileSync(keyFile), cert }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    if (url.pathname === '/token') return tokenAnswer(req, res, 'https');
    if (req.headers.authorization !== 'Bearer tok-123456')
      return void res.writeHead(401, { 'www-authenticate': challenges }).end();
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

describe('a registry offering several challenges', () => {
  it('answers the Bearer challenge with an https realm when an earlier one names an http realm', async () => {
    const port = (registry.address() as AddressInfo).port;
    // Two header lines, one challenge each: RFC 9110 lets a registry offer several.
    challenges = [
      `Bearer realm="http://127.0.0.1:${(clearRealm.address() as AddressInfo).port}/token",service="test"`,
      `Bearer realm="https://127.0.0.1:${port}/token",service="test"`,
    ];
    const read = await client().getManifest({ registry: name, repository: 'shop/app' }, '1.0');
    expect(read.digest).toBe(manifestDigest);
    expect(tokenRequests).toEqual([`https Basic ${Buffer.from('ci:ci-secret-password').toString('base64')}`]);
  });

  it('answers no challenge that names its realm twice, and says so', async () => {
    const port = (registry.address() as AddressInfo).port;
    challenges = `Bearer realm="https://127.0.0.1:${port}/token?for=a",realm="https://127.0.0.1:${port}/token?for=b",service="test"`;
    let error: unknown;
    try {
      await client().getManifest({ registry: name, repository: 'shop/app' }, '1.0');
    } catch (caught) {
      error = caught;
    }
    expect((error as TollgateError).code).toBe('REGISTRY_DENIED');
    expect((error as TollgateError).message).toContain('a Bearer challenge names realm twice');
    expect(tokenRequests).toEqual([]);
  });
});
