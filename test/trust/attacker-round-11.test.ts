/**
 * Attacker round 11 on keys and signatures: files handed to Tollgate that look like a trusted
 * key but are something else.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.js';
import { loadPublicKey, readPublicKeyFile } from '../../src/trust/keys.js';
import { signStatement } from '../../src/trust/sign.js';
import { verifyBundleFile } from '../../src/trust/verify-bundle.js';
import { statementAbout, tempDir, writeTemp } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** The Fulcio certificate of a conformance bundle, as PEM: a real certificate that lived ten minutes in 2024. */
function fulcioCertificatePem(): string {
  const bundle = JSON.parse(
    readFileSync(join(FIXTURES, 'sigstore-bundles', 'happy-path-v0.3', 'bundle.sigstore.json'), 'utf8'),
  ) as { verificationMaterial: { certificate: { rawBytes: string } } };
  const base64 = bundle.verificationMaterial.certificate.rawBytes;
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

function errorOf(fn: () => unknown): TollgateError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TollgateError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('a certificate is not a key', () => {
  it('refuses a key file that is one certificate, which Node would read as its public key', () => {
    const pem = fulcioCertificatePem();
    // The certificate expired long ago; read as a key, its validity would be ignored for ever.
    expect(Date.parse(new X509Certificate(pem).validTo)).toBeLessThan(Date.now());
    const error = errorOf(() => loadPublicKey(pem, 'keys/ci.pub'));
    expect(error.code).toBe('KEY_UNSUPPORTED');
    expect(error.message).toContain('keys/ci.pub: holds a "CERTIFICATE" block, not a public key');
  });

  it('refuses an expired self-signed certificate as the key of verify-bundle, which then said valid', async () => {
    const dir = tempDir();
    const certPath = join(FIXTURES, 'expired-certificate', 'signer.crt');
    const keyPem = readFileSync(join(FIXTURES, 'expired-certificate', 'signer.key'), 'utf8');
    expect(new X509Certificate(readFileSync(certPath)).validTo).toContain('2020');
    const digest = `sha256:${createHash('sha256').update('the artifact').digest('hex')}`;
    const envelope = signStatement(Buffer.from(JSON.stringify(statementAbout(digest))), keyPem);
    const path = writeTemp(dir, 'env.json', JSON.stringify(envelope));
    const result = await verifyBundleFile(path, { digest, keyPath: certPath });
    expect(result.valid).toBe(false);
    expect(result.reason).toContain(`${certPath}: holds a "CERTIFICATE" block, not a public key`);
    expect(() => readPublicKeyFile(certPath)).toThrow('not a public key');
  });
});
