/**
 * Every folder of the sigstore-conformance bundle-verify fixtures, verified the way
 * sigstore-conformance's test_verify() does: key, identity, issuer, artifact and trusted root
 * from the folder's files, defaults from README.upstream.md. `_fail` folders must fail, and for
 * the reason the folder is about.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyBundleFile } from '../../src/trust/verify-bundle.js';

const ROOT = 'test/fixtures/sigstore-bundles';
const DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

/** Why each `_fail` folder must fail (a pattern of the reason) and what a happy folder proves. */
const EXPECTED: Record<string, { fail: RegExp } | { signer: RegExp; predicateType?: string }> = {
  'bundle-malformed-json_fail': { fail: /malformed JSON: expected a valid string \(closed quote/ },
  'bundle-unknown-version_fail': { fail: /unsupported Sigstore bundle media type ".*version=99\.9"/ },
  'dsse-invalid-sig_fail': { fail: /TLOG_BODY_ERROR: tlog entry signature mismatch/ },
  'dsse-mismatch-envelope_fail': { fail: /TLOG_BODY_ERROR: tlog entry signature mismatch/ },
  'happy-path-intoto-in-dsse-v3': {
    signer: /^https:\/\/github\.com\/sigstore-conformance\//,
    predicateType: 'https://slsa.dev/provenance/v1',
  },
  'happy-path-v0.3': { signer: /^https:\/\/github\.com\/sigstore-conformance\// },
  'incorrect-public-key_fail': { fail: /TLOG_INCLUSION_PROMISE_ERROR/ },
  'intoto-with-custom-trust-root': {
    signer: /^https:\/\/github\.com\/sigstore-conformance\//,
    predicateType: 'https://slsa.dev/provenance/v1',
  },
  'managed-key-happy-path': { signer: /^[0-9a-f]{64}$/ },
  'managed-key-wrong-key_fail': { fail: /could not be decoded as a public key/ },
  'message-digest-mismatch_fail': { fail: /TLOG_BODY_ERROR: digest mismatch/ },
  'signature-mismatch_fail': { fail: /TLOG_BODY_ERROR: signature mismatch/ },
};

const folders = readdirSync(ROOT).filter((name) => statSync(join(ROOT, name)).isDirectory());

function optionsFor(folder: string) {
  const dir = join(ROOT, folder);
  const file = (name: string) => (existsSync(join(dir, name)) ? join(dir, name) : undefined);
  const keyPath = file('key.pub');
  return {
    artifactPath: file('artifact') ?? join(ROOT, 'a.txt'),
    trustedRootPath: file('trusted_root.json'),
    ...(keyPath !== undefined
      ? { keyPath }
      : {
          identity: file('identity') ? readFileSync(file('identity')!, 'utf8').trim() : DEFAULT_IDENTITY,
          issuer: file('issuer') ? readFileSync(file('issuer')!, 'utf8').trim() : DEFAULT_ISSUER,
        }),
  };
}

describe('sigstore-conformance bundle-verify fixtures', () => {
  it('has an expectation for every folder, and a folder for every expectation', () => {
    expect(folders.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const folder of folders) {
    it(`${folder} ${folder.endsWith('_fail') ? 'fails' : 'verifies'}`, async () => {
      const expected = EXPECTED[folder]!;
      const result = await verifyBundleFile(join(ROOT, folder, 'bundle.sigstore.json'), optionsFor(folder));
      if ('fail' in expected) {
        expect(folder.endsWith('_fail')).toBe(true);
        expect(result.valid).toBe(false);
        expect(result.reason).toMatch(expected.fail);
      } else {
        expect(folder.endsWith('_fail')).toBe(false);
        expect(result.reason).not.toMatch(/^$/);
        expect(result.valid, result.reason).toBe(true);
        expect(result.signer?.subject).toMatch(expected.signer);
        expect(result.statement?.predicateType).toBe(expected.predicateType);
      }
    });
  }
});

describe('the same bundles with the wrong inputs', () => {
  const happyDsse = join(ROOT, 'happy-path-intoto-in-dsse-v3', 'bundle.sigstore.json');

  it('refuses a keyless bundle whose subject is not the trusted identity', async () => {
    const result = await verifyBundleFile(happyDsse, {
      artifactPath: join(ROOT, 'a.txt'),
      identity: 'https://github.com/someone-else/*',
      issuer: DEFAULT_ISSUER,
    });
    expect(result.valid).toBe(false);
    expect(result.reason).toContain('certificate subject is "https://github.com/sigstore-conformance/');
  });

  it('refuses a keyless bundle from another issuer', async () => {
    const result = await verifyBundleFile(happyDsse, {
      artifactPath: join(ROOT, 'a.txt'),
      identity: DEFAULT_IDENTITY,
      issuer: 'https://accounts.google.com',
    });
    expect(result.valid).toBe(false);
    expect(result.reason).toContain('certificate issuer is "https://token.actions.githubusercontent.com"');
  });

  it('accepts a subject pattern with *', async () => {
    const result = await verifyBundleFile(happyDsse, {
      artifactPath: join(ROOT, 'a.txt'),
      identity: 'https://github.com/sigstore-conformance/*@refs/heads/main',
      issuer: DEFAULT_ISSUER,
    });
    expect(result.valid, result.reason).toBe(true);
  });

  it('refuses an in-toto bundle about another artifact, naming both digests', async () => {
    const result = await verifyBundleFile(happyDsse, {
      artifactPath: join(ROOT, 'intoto-with-custom-trust-root', 'artifact'),
      identity: DEFAULT_IDENTITY,
      issuer: DEFAULT_ISSUER,
    });
    expect(result.valid).toBe(false);
    expect(result.reason).toContain(
      'sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf',
    );
    expect(result.reason).toContain(
      'sha256:330a043220fa13e01d68a7db39c89e12b0c4c3b6a0346fe624b0903f1303b5b2',
    );
  });

  it('verifies an in-toto bundle given only the digest', async () => {
    const result = await verifyBundleFile(happyDsse, {
      digest: 'sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf',
      identity: DEFAULT_IDENTITY,
      issuer: DEFAULT_ISSUER,
    });
    expect(result.valid, result.reason).toBe(true);
  });

  it('asks for the artifact file when a message-signature bundle gets only a digest', async () => {
    const result = await verifyBundleFile(join(ROOT, 'happy-path-v0.3', 'bundle.sigstore.json'), {
      digest: `sha256:${'0'.repeat(64)}`,
      identity: DEFAULT_IDENTITY,
      issuer: DEFAULT_ISSUER,
    });
    expect(result.valid).toBe(false);
    expect(result.reason).toContain('give the artifact file');
  });

  it('refuses a message-signature bundle over another artifact', async () => {
    const result = await verifyBundleFile(join(ROOT, 'happy-path-v0.3', 'bundle.sigstore.json'), {
      artifactPath: join(ROOT, 'intoto-with-custom-trust-root', 'artifact'),
      identity: DEFAULT_IDENTITY,
      issuer: DEFAULT_ISSUER,
    });
    expect(result.valid).toBe(false);
  });

  it('refuses a keyless bundle whose CA is not in the trusted root (custom-root bundle, public-good root)', async () => {
    const result = await verifyBundleFile(
      join(ROOT, 'intoto-with-custom-trust-root', 'bundle.sigstore.json'),
      {
        artifactPath: join(ROOT, 'intoto-with-custom-trust-root', 'artifact'),
        identity: DEFAULT_IDENTITY,
        issuer: DEFAULT_ISSUER,
      },
    );
    expect(result.valid).toBe(false);
  });

  it('refuses a key-signed bundle when given a keyless identity instead of the key', async () => {
    const result = await verifyBundleFile(join(ROOT, 'managed-key-happy-path', 'bundle.sigstore.json'), {
      artifactPath: join(ROOT, 'a.txt'),
      identity: DEFAULT_IDENTITY,
      issuer: DEFAULT_ISSUER,
    });
    expect(result.valid).toBe(false);
    expect(result.reason).toContain('signed with a public key, but no key is trusted');
  });

  it('needs a signer and an artifact', async () => {
    await expect(verifyBundleFile(happyDsse, { artifactPath: join(ROOT, 'a.txt') })).rejects.toThrow(
      /--key PEM, or --identity/,
    );
    await expect(verifyBundleFile(happyDsse, { keyPath: 'x.pub' })).rejects.toThrow(
      /--artifact FILE or --digest/,
    );
    await expect(
      verifyBundleFile(happyDsse, { digest: 'sha256:1', identity: DEFAULT_IDENTITY }),
    ).rejects.toThrow(/--issuer/);
    // The artifact is digested as `register --file` does it: a directory is refused by name.
    await expect(verifyBundleFile(happyDsse, { artifactPath: ROOT, keyPath: 'x.pub' })).rejects.toThrow(
      /is a directory: expected a file to digest/,
    );
  });
});
