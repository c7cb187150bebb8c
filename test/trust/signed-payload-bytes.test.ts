/**
 * The bytes a signature covers, held to what the artifact is: a payload with a UTF-8 byte-order
 * mark is refused (other verifiers do not read it as JSON), and a subject listing several digests
 * must agree with every one Tollgate can compute for the artifact, not only the first it checks.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IN_TOTO_PAYLOAD_TYPE, signEnvelope } from '../../src/trust/dsse.js';
import { loadPrivateKey, loadPublicKey } from '../../src/trust/keys.js';
import { signStatement } from '../../src/trust/sign.js';
import { readSignedInputBytes, type TrustSet } from '../../src/trust/signed-input.js';
import { parseStatement, statementCovers } from '../../src/trust/statement.js';
import { verifyBundleFile } from '../../src/trust/verify-bundle.js';
import { DIGEST_A, pemKeyPair, statementAbout, tempDir, writeTemp } from './helpers.js';

const ci = pemKeyPair('ed25519');
const trust: TrustSet = { keys: [{ name: 'ci', ...loadPublicKey(ci.publicPem, 'ci.pub') }], identities: [] };
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function envelopeOver(payload: Buffer) {
  return signEnvelope(payload, IN_TOTO_PAYLOAD_TYPE, loadPrivateKey(ci.privatePem, 'ci.key'));
}

describe('a signed payload starting with a UTF-8 byte-order mark', () => {
  const withBom = Buffer.concat([BOM, Buffer.from(JSON.stringify(statementAbout(DIGEST_A)))]);

  it('is refused at attest although its signature verifies, naming the mark', () => {
    const envelope = Buffer.from(JSON.stringify(envelopeOver(withBom)));
    expect(() => readSignedInputBytes(envelope, 'att.json', { artifactDigest: DIGEST_A, trust })).toThrow(
      'att.json: DSSE payload: starts with a UTF-8 byte-order mark (EF BB BF); a signed in-toto statement must be JSON without one',
    );
    // The same statement without the mark is read.
    const clean = Buffer.from(JSON.stringify(envelopeOver(withBom.subarray(3))));
    expect(readSignedInputBytes(clean, 'att.json', { artifactDigest: DIGEST_A, trust }).signer?.name).toBe(
      'ci',
    );
  });

  it('does not stop an unsigned statement file an editor saved with a mark from being read', () => {
    const file = Buffer.concat([BOM, Buffer.from(JSON.stringify(statementAbout(DIGEST_A)))]);
    const read = readSignedInputBytes(file, 'plain.json', { artifactDigest: DIGEST_A, trust });
    expect(read.format).toBe('in-toto');
    expect(read.signer).toBeNull();
  });

  it('is refused by verify-bundle and is not signed by tollgate sign', async () => {
    const dir = tempDir();
    const path = writeTemp(dir, 'att.json', JSON.stringify(envelopeOver(withBom)));
    const keyPath = writeTemp(dir, 'ci.pub', ci.publicPem);
    const result = await verifyBundleFile(path, { digest: DIGEST_A, keyPath });
    expect(result.valid).toBe(false);
    expect(result.reason).toContain('byte-order mark');
    expect(() => signStatement(withBom, ci.privatePem, 'stmt.json')).toThrow(
      'stmt.json: starts with a UTF-8 byte-order mark',
    );
  });
});

describe('a subject listing several digests', () => {
  const bytes = Buffer.from('the artifact bytes\n');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const sha512 = createHash('sha512').update(bytes).digest('hex');
  const otherSha512 = createHash('sha512').update('other bytes').digest('hex');
  const about = (digest: Record<string, string>) => ({
    ...statementAbout(`sha256:${sha256}`),
    subject: [{ name: 'app.txt', digest }],
  });

  it('is refused by verify-bundle with the file when its sha512 contradicts the artifact although its sha256 matches', async () => {
    const dir = tempDir();
    const artifactPath = writeTemp(dir, 'app.txt', bytes);
    const keyPath = writeTemp(dir, 'ci.pub', ci.publicPem);
    const lying = writeTemp(
      dir,
      'lying.json',
      JSON.stringify(envelopeOver(Buffer.from(JSON.stringify(about({ sha256, sha512: otherSha512 }))))),
    );
    const result = await verifyBundleFile(lying, { artifactPath, keyPath });
    expect(result.valid).toBe(false);
    expect(result.reason).toBe(
      `subject[0] names the artifact by sha256, but its sha512 is ${otherSha512} and the artifact's sha512 is ${sha512}: every digest a subject lists must be the artifact's`,
    );
    const honest = writeTemp(
      dir,
      'honest.json',
      JSON.stringify(envelopeOver(Buffer.from(JSON.stringify(about({ sha256, sha512 }))))),
    );
    expect((await verifyBundleFile(honest, { artifactPath, keyPath })).valid).toBe(true);
  });

  it('matches only when every known digest agrees, and by the registered digest alone when that is all that is known', () => {
    // Only the registered digest is known without the bytes; a subject agreeing on it is read,
    // and agreeing on both with the set of digests computed from the bytes is required.
    const statement = parseStatement(about({ sha256: 'c'.repeat(64), sha512 }), 's.json');
    expect(statementCovers(statement, `sha512:${sha512}`)).toBe(true);
    expect(statementCovers(statement, { sha256, sha512 })).toBe(false);
    expect(statementCovers(parseStatement(about({ sha256, sha512 }), 's.json'), { sha256, sha512 })).toBe(
      true,
    );
    expect(statementCovers(parseStatement(about({ sha256 }), 's.json'), { sha256, sha512 })).toBe(true);
  });
});
