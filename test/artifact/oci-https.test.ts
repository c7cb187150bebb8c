/**
 * A real registry (docker-registry with token auth) reached over HTTPS, its self-signed certificate
 * trusted by this test process only, with the token realm served over HTTPS or over plain HTTP:
 * credentials go to a plain-HTTP realm only from a registry that is itself reached in clear.
 */
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/artifact/oci-client.js';
import { transportOptionsFromEnv } from '../../src/artifact/oci-transport.js';
import { TollgateError } from '../../src/errors.js';
import {
  dockerConfigDir,
  pushTestImage,
  registryAvailable,
  startRegistry,
  type TestRegistry,
} from '../support/registry.js';

const CI = { user: 'ci', password: 'ci-secret-password' };

/** The registry's name: 127.0.0.1 written as one number, which is not taken for loopback, so HTTPS. */
const nameOf = (registry: TestRegistry) => `2130706433:${registry.host.split(':')[1]}`;

function client(registry: TestRegistry): RegistryClient {
  const config = dockerConfigDir(nameOf(registry), CI.user, CI.password);
  return new RegistryClient(
    transportOptionsFromEnv({ HOME: '/nonexistent', DOCKER_CONFIG: config, TOLLGATE_REGISTRY_TIMEOUT: '5s' }),
  );
}

describe.runIf(registryAvailable())('a registry reached over HTTPS', () => {
  let secureRealm: TestRegistry;
  let clearRealm: TestRegistry;
  let pushed: string;

  beforeAll(async () => {
    [secureRealm, clearRealm] = await Promise.all([
      startRegistry({ auth: 'token', tls: true }),
      startRegistry({ auth: 'token', tls: true, tokenRealm: 'http' }),
    ]);
    // Trusted by this process only, for the registries' certificates (and the https token server's).
    https.globalAgent.options.ca = [secureRealm.certificate!, clearRealm.certificate!];
    pushed = (
      await pushTestImage(`${secureRealm.host}/shop/app:1.0`, [{ architecture: 'amd64', layers: [64] }], CI)
    ).digest;
    secureRealm.tokenRequests.length = 0;
  }, 60_000);

  afterAll(async () => {
    delete https.globalAgent.options.ca;
    await Promise.all([secureRealm?.stop(), clearRealm?.stop()]);
  });

  it('fetches its token from an https realm with the credentials', async () => {
    const read = await client(secureRealm).getManifest(
      { registry: nameOf(secureRealm), repository: 'shop/app' },
      '1.0',
    );
    expect(read.digest).toBe(pushed);
    // The token server of this registry listens on HTTPS only: it was asked over HTTPS, with Basic credentials.
    expect(secureRealm.tokenRequests).toEqual([
      { user: 'ci', scopes: ['repository:shop/app:pull'], grant: 'basic' },
    ]);
  });

  it('refuses an http realm on loopback: the credentials are never sent in clear', async () => {
    let error: unknown;
    try {
      await client(clearRealm).getManifest({ registry: nameOf(clearRealm), repository: 'shop/app' }, '1.0');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TollgateError);
    expect((error as TollgateError).code).toBe('REGISTRY_DENIED');
    expect((error as TollgateError).message).toContain('names a token realm over http (127.0.0.1:');
    expect((error as TollgateError).message).toContain('from a registry reached over HTTPS');
    expect((error as TollgateError).message).not.toContain('ci-secret-password');
    expect(clearRealm.tokenRequests).toEqual([]);
  });
});
