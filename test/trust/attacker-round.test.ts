/**
 * An attacker's round on signatures, statements and bundles: what must never be accepted. These
 * held before the round that added this file; they stay as guards (docs/trust.md, "What an
 * attacker cannot make Tollgate accept").
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { predicateKind } from '../../src/evidence/normalise-evidence.js';
import { IN_TOTO_PAYLOAD_TYPE, parseEnvelope, signEnvelope, verifyEnvelope } from '../../src/trust/dsse.js';
import { loadPrivateKey, loadPublicKey, type NamedKey } from '../../src/trust/keys.js';
import { readSignedInputBytes, type TrustSet } from '../../src/trust/signed-input.js';
import { parseStatement } from '../../src/trust/statement.js';
import { verifyBundleFile } from '../../src/trust/verify-bundle.js';
import { DIGEST_A, DIGEST_B, pemKeyPair, statementAbout, tempDir, writeTemp } from './helpers.js';

const named = (name: string, pem: string): NamedKey => ({ name, ...loadPublicKey(pem, `${name}.pub`) });
const ci = pemKeyPair('p256');
const evil = pemKeyPair('p256');
const trust: TrustSet = { keys: [named('ci', ci.publicPem)], identities: [] };
const statement = Buffer.from(JSON.stringify(statementAbout(DIGEST_A)));
const read = (value: unknown) =>
  readSignedInputBytes(Buffer.from(JSON.stringify(value)), 'x.json', { artifactDigest: DIGEST_A, trust });

describe('DSSE envelopes an attacker shapes', () => {
  it('binds the payload type: a statement signed under another type is refused, relabelled or not', () => {
    const other = signEnvelope(statement, 'text/plain', loadPrivateKey(ci.privatePem, 'ci.key'));
    expect(() => read(other)).toThrow(
      'DSSE payload type is "text/plain", expected application/vnd.in-toto+json',
    );
    expect(() => read({ ...other, payloadType: IN_TOTO_PAYLOAD_TYPE })).toThrow(
      /none of the 1 DSSE signature/,
    );
  });

  it('refuses a valid signature by an untrusted key beside an invalid one claiming the trusted keyid', () => {
    const good = signEnvelope(statement, IN_TOTO_PAYLOAD_TYPE, loadPrivateKey(evil.privatePem, 'evil.key'));
    const trustedId = loadPublicKey(ci.publicPem, 'ci.pub').keyId;
    const junk = Buffer.alloc(64, 1).toString('base64');
    for (const signatures of [
      [good.signatures[0], { keyid: trustedId, sig: junk }],
      [
        { keyid: trustedId, sig: good.signatures[0]?.sig },
        { keyid: trustedId, sig: junk },
      ],
    ]) {
      expect(() => read({ ...good, signatures })).toThrow(/none of the 2 DSSE signatures verifies/);
    }
    expect(() => read({ ...good, signatures: [] })).toThrow('x.json: DSSE envelope has no "signatures"');
  });

  it('decodes URL-safe and standard base64 of the same bytes alike, and refuses whitespace and mixed alphabets', () => {
    const envelope = signEnvelope(statement, IN_TOTO_PAYLOAD_TYPE, loadPrivateKey(ci.privatePem, 'ci.key'));
    const urlSafe = Buffer.from(envelope.payload, 'base64').toString('base64url');
    const parsed = parseEnvelope({ ...envelope, payload: urlSafe }, 'x.json');
    expect(parsed.payload.equals(statement)).toBe(true);
    expect(verifyEnvelope(parsed, trust.keys).valid).toBe(true);
    const wrapped = `${envelope.payload.slice(0, 8)}\n${envelope.payload.slice(8)}`;
    expect(() => read({ ...envelope, payload: wrapped })).toThrow('outside the base64 alphabet');
    expect(() => read({ ...envelope, payload: `-${envelope.payload.slice(1)}/` })).toThrow(
      'outside the base64 alphabet',
    );
  });
});

describe('in-toto statements an attacker shapes', () => {
  it('refuses a subject whose name matches but whose digest does not, and other statement types', () => {
    const named = statementAbout(DIGEST_B);
    expect(() => read(named)).toThrow(
      /the statement is about sha256:b+ \(app\.tar\), not about the artifact/,
    );
    for (const type of [
      'https://in-toto.io/Statement/v0.2',
      'https://in-toto.io/Statement/v1/',
      'https://in-toto.io/statement/v1',
    ]) {
      expect(() => parseStatement({ ...statementAbout(DIGEST_A), _type: type }, 's.json')).toThrow(
        'wrong _type',
      );
    }
    expect(
      parseStatement({ ...statementAbout(DIGEST_A), _type: 'https://in-toto.io/Statement/v0.1' }, 's')
        .subject,
    ).toHaveLength(1);
  });

  it('reads a predicate type only as spelled: a trailing slash or another version is no known kind', () => {
    expect(predicateKind('https://slsa.dev/provenance/v1')).toBe('provenance');
    for (const type of [
      'https://slsa.dev/provenance/v1/',
      'https://slsa.dev/provenance/v1.1',
      'http://slsa.dev/provenance/v1',
    ]) {
      expect(predicateKind(type)).toBeUndefined();
    }
  });
});

describe('keys an attacker offers', () => {
  it('refuses secp256k1 and small RSA keys', () => {
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey;
    expect(() => loadPublicKey(k1.export({ type: 'spki', format: 'pem' }).toString(), 'k1.pub')).toThrow(
      'k1.pub: an ECDSA key on curve secp256k1 is not supported',
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(() => loadPublicKey(rsa.export({ type: 'spki', format: 'pem' }).toString(), 'rsa.pub')).toThrow(
      'rsa.pub: an RSA key (1024 bits) is not supported',
    );
  });
});

describe('a trusted root that lacks the key a bundle needs', () => {
  const ROOT = 'test/fixtures/sigstore-bundles';
  const publicGood = JSON.parse(readFileSync('src/trust/public-good-trusted-root.json', 'utf8')) as Record<
    string,
    unknown
  >;
  const dir = tempDir();
  const without = (field: string) =>
    writeTemp(dir, `${field}.json`, JSON.stringify({ ...publicGood, [field]: [] }));

  it('refuses, never skips, the log entry of a key-signed bundle and the certificate of a keyless one', async () => {
    const keyed = await verifyBundleFile(join(ROOT, 'managed-key-happy-path', 'bundle.sigstore.json'), {
      artifactPath: join(ROOT, 'a.txt'),
      keyPath: join(ROOT, 'managed-key-happy-path', 'key.pub'),
      trustedRootPath: without('tlogs'),
    });
    expect(keyed.valid).toBe(false);
    expect(keyed.reason).toContain('TLOG_INCLUSION_PROMISE_ERROR');
    const identity =
      'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
    for (const field of ['tlogs', 'ctlogs', 'certificateAuthorities']) {
      const keyless = await verifyBundleFile(
        join(ROOT, 'happy-path-intoto-in-dsse-v3', 'bundle.sigstore.json'),
        {
          artifactPath: join(ROOT, 'a.txt'),
          identity,
          issuer: 'https://token.actions.githubusercontent.com',
          trustedRootPath: without(field),
        },
      );
      expect(keyless.valid, field).toBe(false);
    }
  });
});
