/**
 * Every folder of the sigstore-conformance bundle-verify fixtures, verified the way
 * sigstore-conformance's test_verify() does: key, identity, issuer, artifact and trusted root
 * from the folder's files, defaults from README.upstream.md. `_fail` folders must fail, and for
 * the reason the folder is about.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyBundleFile } from '../../src/trust/verify-bundle.js';

const ROOT = 'test/fixtures/sigstore-bundles';
const DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

/**
 * Why each `_fail` folder must fail (a pattern of the reason), what a happy folder proves, and the
 * one folder whose trusted root is refused before any bundle is read (the command stops with an
 * error rather than reporting a verdict).
 */
const EXPECTED: Record<
  string,
  { fail: RegExp } | { throws: RegExp } | { signer: RegExp; predicateType?: string }
> = {
  'bundle-empty-certificate-chain_fail': {
    fail: /invalid v0\.1 bundle: missing or invalid verificationMaterial\.content\.x509CertificateChain\.certificates/,
  },
  'bundle-from-wrong-instance_fail': { fail: /CERTIFICATE_ERROR: Failed to verify certificate chain/ },
  'bundle-invalid-base64-signature_fail': { fail: /messageSignature\.signature is not base64/ },
  'bundle-malformed-json_fail': { fail: /malformed JSON: expected a valid string \(closed quote/ },
  'bundle-negative-log-index_fail': {
    fail: /tlogEntries\[0\]\.logIndex is "-1": a transparency log index is a whole number/,
  },
  'bundle-unknown-version_fail': { fail: /unsupported Sigstore bundle media type ".*version=99\.9"/ },
  'bundle-with-root-cert_fail': {
    fail: /x509CertificateChain\.certificates\[1\] is a root certificate \(O=sigstore\.dev, CN=sigstore\); a bundle must not carry its own root/,
  },
  'bundle-with-sct-with-extensions': { signer: /^https:\/\/github\.com\/sigstore-conformance\// },
  'checkpoint-bad-keyhint_fail': { fail: /TLOG_INCLUSION_PROOF_ERROR: invalid checkpoint signature/ },
  'checkpoint-wrong-roothash_fail': { fail: /TLOG_INCLUSION_PROOF_ERROR: invalid hash count/ },
  'dsse-invalid-sig_fail': { fail: /TLOG_BODY_ERROR: tlog entry signature mismatch/ },
  'dsse-mismatch-envelope_fail': { fail: /TLOG_BODY_ERROR: tlog entry signature mismatch/ },
  'dsse-mismatch-sig_fail': { fail: /TLOG_BODY_ERROR: tlog entry signature mismatch/ },
  'happy-path-intoto-in-dsse-v3': {
    signer: /^https:\/\/github\.com\/sigstore-conformance\//,
    predicateType: 'https://slsa.dev/provenance/v1',
  },
  'happy-path-v0.1': { signer: /^https:\/\/github\.com\/sigstore-conformance\// },
  'happy-path-v0.2': { signer: /^https:\/\/github\.com\/sigstore-conformance\// },
  'happy-path-v0.3': { signer: /^https:\/\/github\.com\/sigstore-conformance\// },
  'happy-path-v0.3-new-mediaType': { signer: /^https:\/\/github\.com\/sigstore-conformance\// },
  'inclusion-proof-corrupted-hash_fail': {
    fail: /TLOG_INCLUSION_PROOF_ERROR: calculated root hash does not match inclusion proof/,
  },
  'incorrect-public-key_fail': { fail: /TLOG_INCLUSION_PROMISE_ERROR/ },
  'integrated-time-in-future_fail': { fail: /CERTIFICATE_ERROR: Failed to verify certificate chain/ },
  'intoto-expired-certificate_fail': { fail: /CERTIFICATE_ERROR: Failed to verify certificate chain/ },
  'intoto-log-entry-mismatch_fail': { fail: /TLOG_BODY_ERROR: tlog entry signature mismatch/ },
  'intoto-missing-inclusion-proof_fail': {
    fail: /invalid v0\.2 bundle: missing or invalid verificationMaterial\.tlogEntries\[0\]\.inclusionProof$/,
  },
  'intoto-set-outside-signing-cert-validity_fail': {
    fail: /CERTIFICATE_ERROR: Failed to verify certificate chain/,
  },
  'intoto-tsa-timestamp-outside-cert-validity_fail': {
    fail: /CERTIFICATE_ERROR: Failed to verify certificate chain/,
  },
  'intoto-with-custom-trust-root': {
    signer: /^https:\/\/github\.com\/sigstore-conformance\//,
    predicateType: 'https://slsa.dev/provenance/v1',
  },
  'invalid-checkpoint-signature_fail': { fail: /TLOG_INCLUSION_PROOF_ERROR: invalid checkpoint signature/ },
  'invalid-ct-key_fail': { fail: /CERTIFICATE_ERROR: SCT verification failed/ },
  'invalid-inclusion-proof_fail': {
    fail: /invalid v0\.2 bundle: missing or invalid verificationMaterial\.tlogEntries\[0\]\.inclusionProof\.checkpoint/,
  },
  'managed-key-and-trusted-root': { signer: /^[0-9a-f]{64}$/ },
  'managed-key-happy-path': { signer: /^[0-9a-f]{64}$/ },
  'managed-key-no-key_fail': { fail: /^the bundle is signed with a public key, but no key is trusted$/ },
  'managed-key-wrong-key_fail': { fail: /could not be decoded as a public key/ },
  'message-digest-mismatch_fail': { fail: /TLOG_BODY_ERROR: digest mismatch/ },
  'rekor2-checkpoint-cosigned': { signer: /^https:\/\/github\.com\/sigstore-conformance\// },
  'rekor2-checkpoint-missing-log-signature_fail': {
    fail: /TLOG_INCLUSION_PROOF_ERROR: no signatures found in checkpoint/,
  },
  'rekor2-checkpoint-missing-origin_fail': {
    fail: /TLOG_INCLUSION_PROOF_ERROR: too few lines in checkpoint header/,
  },
  'rekor2-checkpoint-missing-root-hash_fail': {
    fail: /TLOG_INCLUSION_PROOF_ERROR: too few lines in checkpoint header/,
  },
  'rekor2-checkpoint-missing-size_fail': {
    fail: /TLOG_INCLUSION_PROOF_ERROR: too few lines in checkpoint header/,
  },
  'rekor2-checkpoint-multiple-cosigs': { signer: /^https:\/\/github\.com\/sigstore-conformance\// },
  'rekor2-checkpoint-no-matching-signature_fail': {
    fail: /TLOG_INCLUSION_PROOF_ERROR: invalid checkpoint signature/,
  },
  'rekor2-checkpoint-origin-not-first': { signer: /^https:\/\/github\.com\/sigstore-conformance\// },
  'rekor2-checkpoint-two-sigs-cosigned': { signer: /^https:\/\/github\.com\/sigstore-conformance\// },
  'rekor2-checkpoint-two-sigs-from-origin': { signer: /^https:\/\/github\.com\/sigstore-conformance\// },
  'rekor2-dsse-happy-path': {
    signer: /^https:\/\/github\.com\/sigstore-conformance\//,
    predicateType: 'https://slsa.dev/provenance/v1',
  },
  'rekor2-dsse-invalid-sig_fail': { fail: /TLOG_BODY_ERROR: signature mismatch/ },
  'rekor2-dsse-mismatch-envelope_fail': { fail: /TLOG_BODY_ERROR: signature mismatch/ },
  'rekor2-dsse-mismatch-sig_fail': { fail: /TLOG_BODY_ERROR: signature mismatch/ },
  'rekor2-happy-path': { signer: /^https:\/\/github\.com\/sigstore-conformance\// },
  'rekor2-no-inclusion-proof_fail': {
    fail: /invalid bundle: missing or invalid verificationMaterial\.tlogEntries\[0\]\.inclusionProof$/,
  },
  'rekor2-no-timestamp_fail': { fail: /TIMESTAMP_ERROR: expected 1 timestamps, got 0/ },
  'rekor2-timestamp-outside-trust-root-tsa-validity_fail': {
    fail: /TIMESTAMP_ERROR: timestamp could not be verified/,
  },
  'rekor2-timestamp-outside-tsa-cert-validity_fail': {
    fail: /TIMESTAMP_ERROR: timestamp could not be verified/,
  },
  'rekor2-timestamp-payload-mismatch_fail': { fail: /TIMESTAMP_ERROR: timestamp could not be verified/ },
  'rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail': {
    fail: /TIMESTAMP_ERROR: timestamp could not be verified/,
  },
  'rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail': {
    fail: /TIMESTAMP_ERROR: timestamp could not be verified/,
  },
  'rekor2-timestamp-with-embedded-cert': { signer: /^https:\/\/github\.com\/sigstore-conformance\// },
  'rekor2-timestamp-with-expired-cert-chain': { signer: /^https:\/\/github\.com\/sigstore-conformance\// },
  'rekor2-timestamp-with-incorrect-time_fail': {
    fail: /CERTIFICATE_ERROR: Failed to verify certificate chain/,
  },
  'rekor2-timestamp-without-embedded-cert': { signer: /^https:\/\/github\.com\/sigstore-conformance\// },
  'set-invalid-signature_fail': {
    fail: /TLOG_INCLUSION_PROMISE_ERROR: inclusion promise could not be verified/,
  },
  'signature-mismatch_fail': { fail: /TLOG_BODY_ERROR: signature mismatch/ },
  'trust-root-tlog-missing-validity-start_fail': {
    throws: /malformed Sigstore trusted root: tlogs\[1\]\.publicKey\.validFor has no start/,
  },
  'trust-root-tlog-validity-end-inclusive': { signer: /^https:\/\/github\.com\/sigstore-conformance\// },
  'trust-root-tsa-validity-end-inclusive': { signer: /^https:\/\/github\.com\/sigstore-conformance\// },
  'wrong-hashedrekord-artifact_fail': { fail: /TLOG_BODY_ERROR: signature mismatch/ },
  'wrong-hashedrekord-cert-and-sig_fail': { fail: /TLOG_BODY_ERROR: signature mismatch/ },
  'wrong-hashedrekord-entry_fail': { fail: /TLOG_BODY_ERROR: signature mismatch/ },
  'wrong-material_fail': { fail: /SIGNATURE_ERROR: signature verification failed/ },
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
      const verifying = verifyBundleFile(join(ROOT, folder, 'bundle.sigstore.json'), optionsFor(folder));
      if ('throws' in expected) {
        expect(folder.endsWith('_fail')).toBe(true);
        await expect(verifying).rejects.toThrow(expected.throws);
        return;
      }
      const result = await verifying;
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

  it('names what a bundle holds that no verifier should read past', async () => {
    // The root-cert bundle without its root: a v0.1 inclusion proof with no checkpoint, which
    // @sigstore/verify would fail on as "cannot read properties of undefined".
    const folder = 'bundle-with-root-cert_fail';
    const bundle = JSON.parse(readFileSync(join(ROOT, folder, 'bundle.sigstore.json'), 'utf8'));
    const variant = (name: string, edit: (copy: typeof bundle) => void) => {
      const copy = structuredClone(bundle);
      edit(copy);
      const path = join(mkdtempSync(join(tmpdir(), 'tollgate-bundle-')), `${name}.sigstore.json`);
      writeFileSync(path, JSON.stringify(copy));
      return verifyBundleFile(path, optionsFor(folder));
    };
    const unsigned = await variant('no-root', (copy) =>
      copy.verificationMaterial.x509CertificateChain.certificates.splice(1, 1),
    );
    expect(unsigned.valid).toBe(false);
    expect(unsigned.reason).toMatch(
      /tlogEntries\[0\]\.inclusionProof has no checkpoint: without the log's signed tree head/,
    );
    const negative = await variant('negative', (copy) => {
      copy.verificationMaterial.tlogEntries[0].inclusionProof.logIndex = -5;
    });
    expect(negative.reason).toMatch(/tlogEntries\[0\]\.inclusionProof\.logIndex is -5/);
    const hash = await variant('hash', (copy) => {
      copy.verificationMaterial.tlogEntries[0].inclusionProof.hashes[2] = 'not base64!';
    });
    expect(hash.reason).toMatch(/inclusionProof\.hashes\[2\] is not base64/);
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
