import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/errors.js';
import { loadPrivateKey, loadPublicKey, readPublicKeyFile } from '../../src/trust/keys.js';
import { MAX_TRUST_FILE_BYTES, readTrustFileText } from '../../src/trust/read-input.js';
import { readTrustedRoot } from '../../src/trust/trusted-root.js';
import { pemKeyPair } from './helpers.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof TollgateError ? error.code : 'not a TollgateError';
  }
  return undefined;
}

describe('PEM keys', () => {
  it('loads Ed25519 and P-256 public and private keys with the same key id', () => {
    for (const kind of ['ed25519', 'p256'] as const) {
      const { publicPem, privatePem } = pemKeyPair(kind);
      const pub = loadPublicKey(publicPem, 'k.pub');
      const priv = loadPrivateKey(privatePem, 'k.key');
      expect(pub.algorithm).toBe(kind === 'ed25519' ? 'ed25519' : 'ecdsa-p256');
      expect(pub.keyId).toMatch(/^[0-9a-f]{64}$/);
      expect(priv.keyId).toBe(pub.keyId);
    }
  });

  it('loads a SEC1 "EC PRIVATE KEY"', () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const sec1 = pair.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    expect(sec1).toContain('BEGIN EC PRIVATE KEY');
    expect(loadPrivateKey(sec1, 'k.key').algorithm).toBe('ecdsa-p256');
  });

  it('refuses an RSA key, naming the file and what it is', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(() => loadPublicKey(rsa, 'keys/rsa.pub')).toThrow(
      'keys/rsa.pub: an RSA key (2048 bits) is not supported: Tollgate accepts Ed25519 and ECDSA P-256 keys',
    );
    expect(codeOf(() => loadPublicKey(rsa, 'keys/rsa.pub'))).toBe('KEY_UNSUPPORTED');
  });

  it('refuses ECDSA on P-384 and Ed448', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(() => loadPrivateKey(p384, 'p384.key')).toThrow(
      'an ECDSA key on curve secp384r1 is not supported',
    );
    const ed448 = generateKeyPairSync('ed448').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => loadPublicKey(ed448, 'ed448.pub')).toThrow('a key of type ed448 is not supported');
  });

  it('refuses text that is not PEM, and encrypted private keys', () => {
    expect(() => loadPublicKey('hello', 'x.pub')).toThrow('x.pub: not a PEM key');
    const encrypted = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' })
      .toString();
    expect(() => loadPrivateKey(encrypted, 'ci.key')).toThrow(
      /ci\.key: "ENCRYPTED PRIVATE KEY" is encrypted/,
    );
    expect(codeOf(() => loadPrivateKey(encrypted, 'ci.key'))).toBe('KEY_UNSUPPORTED');
  });

  it('refuses a public key where a private key is needed', () => {
    const { publicPem } = pemKeyPair('p256');
    expect(() => loadPrivateKey(publicPem, 'ci.pub')).toThrow(
      'found a "PUBLIC KEY" block where a private key was expected',
    );
  });

  it('refuses a corrupted PEM body', () => {
    const { publicPem } = pemKeyPair('p256');
    const broken = publicPem.replace(/\n([A-Za-z0-9+/]{20})/, '\n++++wrongkey');
    expect(() => loadPublicKey(broken, 'bad.pub')).toThrow(
      'bad.pub: the "PUBLIC KEY" block could not be decoded',
    );
  });
});

describe('PEM files with more than one block', () => {
  it('refuses a file holding two keys, whichever comes first', () => {
    const trusted = pemKeyPair('p256');
    const other = pemKeyPair('ed25519');
    for (const [text, labels] of [
      [trusted.publicPem + other.publicPem, '"PUBLIC KEY", "PUBLIC KEY"'],
      [other.publicPem + trusted.privatePem, '"PUBLIC KEY", "PRIVATE KEY"'],
    ] as const) {
      expect(() => loadPublicKey(text, 'keys/ci.pub')).toThrow(
        `keys/ci.pub: holds 2 PEM blocks (${labels}); a key file must hold exactly one key, so that every reader trusts the same one`,
      );
    }
    expect(codeOf(() => loadPrivateKey(trusted.privatePem + other.privatePem, 'ci.key'))).toBe(
      'KEY_UNSUPPORTED',
    );
  });

  it('refuses a certificate beside a key, and reads the key after EC PARAMETERS', () => {
    const { publicPem, privatePem } = pemKeyPair('p256');
    const certificate = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    expect(() => loadPublicKey(certificate + publicPem, 'k.pub')).toThrow(
      'k.pub: holds 2 PEM blocks ("CERTIFICATE", "PUBLIC KEY")',
    );
    // `openssl ecparam -name prime256v1 -genkey` writes the curve before the key.
    const sec1 = createPrivateKey(privatePem).export({ type: 'sec1', format: 'pem' }).toString();
    const ecparam = `-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n${sec1}`;
    expect(loadPrivateKey(ecparam, 'ci.key').keyId).toBe(loadPublicKey(publicPem, 'ci.pub').keyId);
  });
});

describe('key and trusted-root files are read up to 1 MiB', () => {
  it('refuses a key file or trusted root over 1 MiB, naming the file and the limit, and reads one at it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-key-limit-'));
    try {
      const { publicPem } = pemKeyPair('ed25519');
      // A valid key padded with trailing blank lines to exactly 1 MiB still loads.
      const atLimit = join(dir, 'at-limit.pub');
      writeFileSync(atLimit, publicPem.padEnd(MAX_TRUST_FILE_BYTES, '\n'));
      expect(readPublicKeyFile(atLimit).algorithm).toBe('ed25519');
      const big = join(dir, 'big.pub');
      writeFileSync(big, publicPem.padEnd(MAX_TRUST_FILE_BYTES + 1, '\n'));
      expect(() => readPublicKeyFile(big)).toThrow(
        `${big}: the key file is over the limit of 1.0 MiB (1048576 bytes)`,
      );
      expect(codeOf(() => readPublicKeyFile(big))).toBe('CONFIG_INVALID');
      const root = join(dir, 'root.json');
      writeFileSync(root, `{${' '.repeat(MAX_TRUST_FILE_BYTES)}}`);
      expect(() => readTrustedRoot(root)).toThrow(
        `${root}: the trusted root is over the limit of 1.0 MiB (1048576 bytes)`,
      );
      // A device that never ends is cut off at the limit too, not read until memory runs out.
      if (existsSync('/dev/zero'))
        expect(() => readPublicKeyFile('/dev/zero')).toThrow('/dev/zero: the key file is over the limit');
      // The message names the limit given, not the default.
      expect(() => readTrustFileText(big, 'key file', 4096)).toThrow(
        `${big}: the key file is over the limit of 4096 bytes; a key file`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
