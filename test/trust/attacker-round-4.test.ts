/**
 * Guards, not fixes: an attacker's fourth round on DSSE signatures and Sigstore bundles found these
 * already refused (or, for the threshold, already read as the DSSE spec says). They stay so that a
 * change which loosens one of them fails here. See docs/trust.md, "What an attacker cannot make
 * Tollgate accept".
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope } from '../../src/trust/dsse.js';
import { loadPrivateKey, loadPublicKey, type NamedKey } from '../../src/trust/keys.js';
import { readSignedInputBytes, type TrustSet } from '../../src/trust/signed-input.js';
import { verifyBundleFile } from '../../src/trust/verify-bundle.js';
import { DIGEST_A, pemKeyPair, statementAbout, tempDir } from './helpers.js';

const named = (name: string, pem: string): NamedKey => ({ name, ...loadPublicKey(pem, `${name}.pub`) });
const ci = pemKeyPair('p256');
const release = pemKeyPair('ed25519');
const trust: TrustSet = {
  keys: [named('ci', ci.publicPem), named('release', release.publicPem)],
  identities: [],
};
const statement = Buffer.from(JSON.stringify(statementAbout(DIGEST_A)));
const read = (value: unknown) =>
  readSignedInputBytes(Buffer.from(JSON.stringify(value)), 'x.json', { artifactDigest: DIGEST_A, trust });

describe('DSSE threshold and key ids (guards)', () => {
  it('accepts one valid signature by a trusted key beside a junk one, as DSSE threshold 1 reads it, and names that key', () => {
    const envelope = signEnvelope(statement, IN_TOTO_PAYLOAD_TYPE, loadPrivateKey(ci.privatePem, 'ci.key'));
    const junk = { keyid: '', sig: Buffer.alloc(64, 7).toString('base64') };
    for (const signatures of [
      [junk, envelope.signatures[0]!],
      [envelope.signatures[0]!, junk],
    ]) {
      expect(read({ ...envelope, signatures }).signer).toEqual({
        name: 'ci',
        method: 'key',
        subject: trust.keys[0]!.keyId,
      });
    }
  });

  it('records the key that verified, not the one a keyid names', () => {
    const envelope = signEnvelope(statement, IN_TOTO_PAYLOAD_TYPE, loadPrivateKey(ci.privatePem, 'ci.key'));
    const lying = { ...envelope, signatures: [{ ...envelope.signatures[0]!, keyid: trust.keys[1]!.keyId }] };
    expect(read(lying).signer?.name).toBe('ci');
  });
});

const BUNDLES = 'test/fixtures/sigstore-bundles';
const IDENTITY = {
  identity:
    'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
  issuer: 'https://token.actions.githubusercontent.com',
};

describe('Sigstore certificates and log entries (guards)', () => {
  it('verifies a bundle whose certificate expired long ago by the log entry time, not the clock', async () => {
    const path = join(BUNDLES, 'happy-path-v0.3', 'bundle.sigstore.json');
    const bundle = JSON.parse(readFileSync(path, 'utf8'));
    const cert = new X509Certificate(Buffer.from(bundle.verificationMaterial.certificate.rawBytes, 'base64'));
    expect(Date.parse(cert.validTo)).toBeLessThan(Date.now());
    const integrated = Number(bundle.verificationMaterial.tlogEntries[0].integratedTime) * 1000;
    expect(integrated).toBeGreaterThanOrEqual(Date.parse(cert.validFrom));
    expect(integrated).toBeLessThanOrEqual(Date.parse(cert.validTo));
    const result = await verifyBundleFile(path, { artifactPath: join(BUNDLES, 'a.txt'), ...IDENTITY });
    expect(result.valid, result.reason).toBe(true);
  });

  it('refuses a bundle carrying the log entry of another signature', async () => {
    const own = JSON.parse(readFileSync(join(BUNDLES, 'happy-path-v0.3', 'bundle.sigstore.json'), 'utf8'));
    const other = JSON.parse(readFileSync(join(BUNDLES, 'happy-path-v0.2', 'bundle.sigstore.json'), 'utf8'));
    expect(other.verificationMaterial.tlogEntries[0].logIndex).not.toBe(
      own.verificationMaterial.tlogEntries[0].logIndex,
    );
    // A genuine public-good entry, for another signature made with another certificate. It is
    // refused (its integrated time lies outside this certificate's validity); an entry whose
    // time fits but whose body is another's is the conformance fixture intoto-log-entry-mismatch_fail.
    own.verificationMaterial.tlogEntries = other.verificationMaterial.tlogEntries;
    const path = join(tempDir(), 'transplanted.sigstore.json');
    writeFileSync(path, JSON.stringify(own));
    const result = await verifyBundleFile(path, { artifactPath: join(BUNDLES, 'a.txt'), ...IDENTITY });
    expect(result.valid).toBe(false);
    // The untouched bundle verifies: it is the transplanted entry that is refused.
    const untouched = join(BUNDLES, 'happy-path-v0.3', 'bundle.sigstore.json');
    expect(
      (await verifyBundleFile(untouched, { artifactPath: join(BUNDLES, 'a.txt'), ...IDENTITY })).valid,
    ).toBe(true);
  });
});
