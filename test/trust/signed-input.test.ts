import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SigstoreIdentity } from '../../src/trust/identity.js';
import { loadPublicKey, type NamedKey } from '../../src/trust/keys.js';
import { signStatement } from '../../src/trust/sign.js';
import { signStatementBundle } from '../../src/trust/sign-bundle.js';
import { readSignedInputBytes, readSignedInputFile, type TrustSet } from '../../src/trust/signed-input.js';
import { publicGoodTrustedRoot } from '../../src/trust/trusted-root.js';
import { tollgateErrorOf } from '../support/builders.js';
import { DIGEST_A, DIGEST_B, pemKeyPair, statementAbout, tempDir, writeTemp } from './helpers.js';

const BUNDLES = 'test/fixtures/sigstore-bundles';
const A_TXT = 'sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf';
const BEACON: SigstoreIdentity = {
  name: 'beacon',
  issuer: 'https://token.actions.githubusercontent.com',
  subject: 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/*',
  trustedRoot: publicGoodTrustedRoot(),
};
const NO_TRUST: TrustSet = { keys: [], identities: [] };

function named(name: string, pem: string): NamedKey {
  return { name, ...loadPublicKey(pem, `${name}.pub`) };
}

describe('reading in-toto input for attest', () => {
  const ci = pemKeyPair('p256');
  const trust: TrustSet = { keys: [named('ci', ci.publicPem)], identities: [BEACON] };
  const statementBytes = Buffer.from(JSON.stringify(statementAbout(DIGEST_A)));

  it('reads a plain statement as unsigned', () => {
    const input = readSignedInputBytes(statementBytes, 's.json', { artifactDigest: DIGEST_A, trust });
    expect(input.format).toBe('in-toto');
    expect(input.signer).toBeNull();
    expect(input.sourceDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('reads a DSSE envelope signed by a trusted key and names the signer', () => {
    const envelope = Buffer.from(JSON.stringify(signStatement(statementBytes, ci.privatePem)));
    const input = readSignedInputBytes(envelope, 'e.json', { artifactDigest: DIGEST_A, trust });
    expect(input.format).toBe('dsse');
    expect(input.signer).toEqual({
      name: 'ci',
      method: 'key',
      subject: loadPublicKey(ci.publicPem, 'k').keyId,
    });
    expect(input.statement.predicateType).toBe('https://example.com/predicate/v1');
  });

  it('refuses a DSSE envelope whose signature covers a different payload', () => {
    const envelope = signStatement(statementBytes, ci.privatePem);
    const other = Buffer.from(JSON.stringify(statementAbout(DIGEST_A, 'https://example.com/other')));
    const forged = Buffer.from(JSON.stringify({ ...envelope, payload: other.toString('base64') }));
    const error = tollgateErrorOf(() =>
      readSignedInputBytes(forged, 'e.json', { artifactDigest: DIGEST_A, trust }),
    );
    expect(error.code).toBe('SIGNATURE_INVALID');
    expect(error.message).toMatch(
      /^e\.json: none of the 1 DSSE signature verifies with the trusted keys? \(ci\)/,
    );
  });

  it('refuses a DSSE envelope signed by an untrusted key', () => {
    const stranger = pemKeyPair('ed25519');
    const envelope = Buffer.from(JSON.stringify(signStatement(statementBytes, stranger.privatePem)));
    expect(
      tollgateErrorOf(() => readSignedInputBytes(envelope, 'e.json', { artifactDigest: DIGEST_A, trust }))
        .code,
    ).toBe('SIGNATURE_INVALID');
  });

  it('keeps signed input as unsigned when the contract trusts no signer', () => {
    const envelope = Buffer.from(JSON.stringify(signStatement(statementBytes, ci.privatePem)));
    expect(
      readSignedInputBytes(envelope, 'e.json', { artifactDigest: DIGEST_A, trust: NO_TRUST }).signer,
    ).toBeNull();
  });

  it('refuses a statement about another digest, naming both, before looking at signatures', () => {
    const envelope = Buffer.from(JSON.stringify(signStatement(statementBytes, ci.privatePem)));
    const error = tollgateErrorOf(() =>
      readSignedInputBytes(envelope, 'e.json', { artifactDigest: DIGEST_B, trust }),
    );
    expect(error.code).toBe('EVIDENCE_SUBJECT_MISMATCH');
    expect(error.message).toContain(DIGEST_A);
    expect(error.message).toContain(DIGEST_B);
  });

  it('refuses a wrong _type inside an envelope', () => {
    const bad = Buffer.from(
      JSON.stringify({ ...statementAbout(DIGEST_A), _type: 'https://example.com/Statement' }),
    );
    const envelope = Buffer.from(
      JSON.stringify({
        payloadType: 'application/vnd.in-toto+json',
        payload: bad.toString('base64'),
        signatures: [{ keyid: '', sig: 'AAAA' }],
      }),
    );
    const error = tollgateErrorOf(() =>
      readSignedInputBytes(envelope, 'e.json', { artifactDigest: DIGEST_A, trust }),
    );
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toContain('e.json: DSSE payload: wrong _type');
  });

  it('refuses truncated base64 in an envelope', () => {
    const envelope = signStatement(statementBytes, ci.privatePem);
    const body = envelope.payload.replace(/=+$/, '');
    const truncated = Buffer.from(
      JSON.stringify({ ...envelope, payload: body.slice(0, 4 * Math.floor(body.length / 4) - 3) }),
    );
    const error = tollgateErrorOf(() =>
      readSignedInputBytes(truncated, 'e.json', { artifactDigest: DIGEST_A, trust }),
    );
    expect(error.code).toBe('EVIDENCE_INVALID');
    expect(error.message).toContain('truncated');
  });

  it('reads a keyless Sigstore bundle verified against a trusted identity', () => {
    const bytes = readFileSync(join(BUNDLES, 'happy-path-intoto-in-dsse-v3', 'bundle.sigstore.json'));
    const input = readSignedInputBytes(bytes, 'b.json', { artifactDigest: A_TXT, trust });
    expect(input.format).toBe('sigstore-bundle');
    expect(input.signer?.name).toBe('beacon');
    expect(input.signer?.method).toBe('sigstore');
    expect(input.statement.predicateType).toBe('https://slsa.dev/provenance/v1');
  });

  it('refuses a keyless bundle whose identity is not trusted', () => {
    const bytes = readFileSync(join(BUNDLES, 'happy-path-intoto-in-dsse-v3', 'bundle.sigstore.json'));
    const other = { ...BEACON, subject: 'https://github.com/acme/*' };
    const error = tollgateErrorOf(() =>
      readSignedInputBytes(bytes, 'b.json', {
        artifactDigest: A_TXT,
        trust: { keys: [], identities: [other] },
      }),
    );
    expect(error.code).toBe('SIGNATURE_INVALID');
    expect(error.message).toContain('certificate subject is');
  });

  it('refuses a bundle whose DSSE signature is broken (conformance dsse-invalid-sig)', () => {
    const bytes = readFileSync(join(BUNDLES, 'dsse-invalid-sig_fail', 'bundle.sigstore.json'));
    const error = tollgateErrorOf(() =>
      readSignedInputBytes(bytes, 'b.json', { artifactDigest: A_TXT, trust }),
    );
    expect(error.code).toBe('SIGNATURE_INVALID');
  });

  it('refuses a message-signature bundle: it carries no statement', () => {
    const bytes = readFileSync(join(BUNDLES, 'happy-path-v0.3', 'bundle.sigstore.json'));
    expect(
      tollgateErrorOf(() => readSignedInputBytes(bytes, 'b.json', { artifactDigest: A_TXT, trust })).message,
    ).toContain('carries no in-toto statement');
  });

  it('refuses an unknown bundle version and malformed bundle JSON', () => {
    const unknown = readFileSync(join(BUNDLES, 'bundle-unknown-version_fail', 'bundle.sigstore.json'));
    expect(
      tollgateErrorOf(() => readSignedInputBytes(unknown, 'b.json', { artifactDigest: A_TXT, trust }))
        .message,
    ).toContain('unsupported Sigstore bundle media type');
    const malformed = readFileSync(join(BUNDLES, 'bundle-malformed-json_fail', 'bundle.sigstore.json'));
    expect(
      tollgateErrorOf(() => readSignedInputBytes(malformed, 'b.json', { artifactDigest: A_TXT, trust }))
        .message,
    ).toMatch(/^b\.json:1:\d+: malformed JSON/);
  });

  it('reads a key-signed DSSE bundle built offline', async () => {
    const bundle = await signStatementBundle(statementBytes, ci.privatePem);
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    const bytes = Buffer.from(JSON.stringify(bundle));
    const input = readSignedInputBytes(bytes, 'b.json', { artifactDigest: DIGEST_A, trust });
    expect(input.signer?.name).toBe('ci');
    const stranger = pemKeyPair('p256');
    const error = tollgateErrorOf(() =>
      readSignedInputBytes(bytes, 'b.json', {
        artifactDigest: DIGEST_A,
        trust: { keys: [named('x', stranger.publicPem)], identities: [] },
      }),
    );
    expect(error.code).toBe('SIGNATURE_INVALID');
  });

  it('refuses JSON that is none of the three', () => {
    expect(
      tollgateErrorOf(() =>
        readSignedInputBytes(Buffer.from('{"bomFormat":"CycloneDX"}'), 'x.json', {
          artifactDigest: DIGEST_A,
          trust,
        }),
      ).message,
    ).toContain('not an in-toto statement, DSSE envelope or Sigstore bundle');
  });

  it('refuses a file over the size limit before reading it', () => {
    const dir = tempDir();
    const path = writeTemp(dir, 'big.json', Buffer.alloc(2048, 32));
    const error = tollgateErrorOf(() =>
      readSignedInputFile(path, { artifactDigest: DIGEST_A, trust, maxBytes: 1024 }),
    );
    expect(error.code).toBe('EVIDENCE_TOO_LARGE');
    expect(error.message).toContain('2048 bytes, over the limit of 1024 bytes');
  });
});
