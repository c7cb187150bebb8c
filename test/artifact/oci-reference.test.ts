import { describe, expect, it } from 'vitest';
import { findCredentials } from '../../src/artifact/oci-credentials.js';
import { isLoopbackRegistry, parseImageReference } from '../../src/artifact/oci-reference.js';
import {
  parseAuthenticate,
  RegistryTransport,
  transportOptionsFromEnv,
} from '../../src/artifact/oci-transport.js';
import { dockerConfigDir } from '../support/registry.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('image references (distribution reference grammar)', () => {
  it.each([
    ['alpine:3.20', { registry: 'docker.io', repository: 'library/alpine', tag: '3.20' }],
    ['bitnami/redis:7', { registry: 'docker.io', repository: 'bitnami/redis', tag: '7' }],
    ['localhost/app:1', { registry: 'localhost', repository: 'app', tag: '1' }],
    [
      '127.0.0.1:5000/shop/checkout:1.4.2',
      { registry: '127.0.0.1:5000', repository: 'shop/checkout', tag: '1.4.2' },
    ],
    ['ghcr.io/acme/app@' + D, { registry: 'ghcr.io', repository: 'acme/app', digest: D }],
    [
      'registry.example.com:443/a/b/c:v1@' + D,
      { registry: 'registry.example.com:443', repository: 'a/b/c', tag: 'v1', digest: D },
    ],
    ['index.docker.io/library/nginx:1', { registry: 'docker.io', repository: 'library/nginx', tag: '1' }],
    // Docker Hub by any of its names is one registry: a one-word name is an official image there.
    ['index.docker.io/nginx:1', { registry: 'docker.io', repository: 'library/nginx', tag: '1' }],
    ['registry-1.docker.io/nginx:1', { registry: 'docker.io', repository: 'library/nginx', tag: '1' }],
    ['docker.io/nginx:1', { registry: 'docker.io', repository: 'library/nginx', tag: '1' }],
  ])('%s', (text, expected) => {
    expect(parseImageReference(text)).toEqual(expected);
  });

  it.each([
    ['Shop/App:1', 'lower-case'],
    ['registry.example.com/app:bad tag', 'not a valid tag'],
    ['https://registry.example.com/app:1', 'no URL scheme'],
    ['app@sha256:abc', 'hex characters'],
    [
      `app@sha512:${'a'.repeat(128)}`,
      'is not a sha256 digest: an OCI image is known by its sha256 manifest digest',
    ],
  ])('refuses %s', (text, message) => {
    expect(() => parseImageReference(text)).toThrow(message);
  });

  it.each([
    'dana:s3cret-pw@registry.example.com/shop/app:1',
    `dana:s3cret-pw@registry.example.com/shop/app@${D}`,
    'https://dana:s3cret-pw@registry.example.com/shop/app:1',
  ])('refuses credentials written into the reference without repeating them: %s', (text) => {
    let message = '';
    try {
      parseImageReference(text);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/no URL scheme|carries no credentials/);
    expect(message).toContain('***@registry.example.com/shop/app');
    expect(message).not.toContain('s3cret-pw');
  });

  it('knows loopback registries', () => {
    expect(isLoopbackRegistry('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackRegistry('localhost')).toBe(true);
    expect(isLoopbackRegistry('[::1]:5000')).toBe(true);
    expect(isLoopbackRegistry('127.evil.example.com')).toBe(false);
    expect(isLoopbackRegistry('registry.example.com')).toBe(false);
  });
});

describe('transport', () => {
  it('uses HTTPS except for loopback and TOLLGATE_INSECURE_REGISTRIES', () => {
    const options = transportOptionsFromEnv({
      TOLLGATE_INSECURE_REGISTRIES: 'build-cache.internal:5000, lab',
    });
    expect(new RegistryTransport('registry.example.com', options).origin).toBe(
      'https://registry.example.com',
    );
    expect(new RegistryTransport('docker.io', options).origin).toBe('https://registry-1.docker.io');
    expect(new RegistryTransport('127.0.0.1:5000', options).origin).toBe('http://127.0.0.1:5000');
    expect(new RegistryTransport('build-cache.internal:5000', options).origin).toBe(
      'http://build-cache.internal:5000',
    );
    expect(new RegistryTransport('lab', options).origin).toBe('http://lab');
    expect(new RegistryTransport('build-cache.internal:5001', options).origin).toBe(
      'https://build-cache.internal:5001',
    );
  });

  it('matches TOLLGATE_INSECURE_REGISTRIES entries exactly: a bare host is its default port only', () => {
    const options = transportOptionsFromEnv({ TOLLGATE_INSECURE_REGISTRIES: 'lab, Cache.Internal:5000' });
    // Another port of a listed host is another service: it is not reached, nor sent credentials, in clear.
    expect(new RegistryTransport('lab:5000', options).origin).toBe('https://lab:5000');
    expect(new RegistryTransport('lab:80', options).origin).toBe('http://lab');
    expect(new RegistryTransport('cache.internal:5000', options).origin).toBe('http://cache.internal:5000');
    expect(new RegistryTransport('cache.internal', options).origin).toBe('https://cache.internal');
  });

  it.each(['http://lab:5000', 'lab:5000/v2', 'user:pass@lab', '10.0.0.0/8', 'lab:99999'])(
    'refuses the TOLLGATE_INSECURE_REGISTRIES entry %s, naming it',
    (entry) => {
      expect(() => transportOptionsFromEnv({ TOLLGATE_INSECURE_REGISTRIES: `lab, ${entry}` })).toThrow(
        `TOLLGATE_INSECURE_REGISTRIES: "${entry}" is not a registry host[:port]`,
      );
    },
  );

  it.each(['dana:s3cret-pw@registry.example.com', 'registry.example.com/path', 'registry.example.com?x=1'])(
    'refuses the registry name %s: a registry is a host and port only',
    (registry) => {
      let message = '';
      try {
        new RegistryTransport(registry, transportOptionsFromEnv({}));
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain('is not a host[:port]');
      expect(message).not.toContain('s3cret-pw');
    },
  );

  it('writes a registry origin as a URL does, so answers from the registry are known as its own', () => {
    const options = transportOptionsFromEnv({});
    expect(new RegistryTransport('registry.example.com:443', options).origin).toBe(
      'https://registry.example.com',
    );
    expect(new RegistryTransport('Registry.Example.com', options).origin).toBe(
      'https://registry.example.com',
    );
  });

  it('parses WWW-Authenticate challenges as registries send them', () => {
    expect(
      parseAuthenticate(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/alpine:pull',
        },
      },
    ]);
    expect(parseAuthenticate('Basic realm="Registry Realm", Bearer realm="https://x/t",service=reg')).toEqual(
      [
        { scheme: 'basic', params: { realm: 'Registry Realm' } },
        { scheme: 'bearer', params: { realm: 'https://x/t', service: 'reg' } },
      ],
    );
  });

  it('keeps quoted commas, escaped quotes and several challenges apart in WWW-Authenticate', () => {
    expect(
      parseAuthenticate(
        'Bearer realm="https://auth.example.com/token?a=1,b=2",service="reg",scope="repository:shop/app:pull,push",error="insufficient_scope", Basic realm="say \\"hi\\", then go"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.example.com/token?a=1,b=2',
          service: 'reg',
          scope: 'repository:shop/app:pull,push',
          error: 'insufficient_scope',
        },
      },
      { scheme: 'basic', params: { realm: 'say "hi", then go' } },
    ]);
  });

  it('refuses a bad duration in TOLLGATE_REGISTRY_TIMEOUT', () => {
    expect(() => transportOptionsFromEnv({ TOLLGATE_REGISTRY_TIMEOUT: 'soon' })).toThrow(
      'TOLLGATE_REGISTRY_TIMEOUT="soon"',
    );
  });
});

describe('credentials', () => {
  it('reads auth, username/password and Podman repository-scoped entries', () => {
    const dir = dockerConfigDir('registry.example.com', 'dana', 'pw:with:colons');
    const env = { HOME: '/nonexistent', DOCKER_CONFIG: dir };
    const found = findCredentials('registry.example.com', 'shop/app', env);
    expect(found).toMatchObject({ username: 'dana', password: 'pw:with:colons' });
    expect(found?.from).toContain('config.json');
    expect(findCredentials('other.example.com', 'shop/app', env)).toBeUndefined();
  });
});
