/**
 * PEM keys Tollgate signs and verifies with: Ed25519 and ECDSA P-256, public (SPKI) and private
 * (PKCS#8 or SEC1). Everything else is refused with a message saying what the key is.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { TollgateError } from '../errors.js';
import { readTrustFileText } from './read-input.js';

export type KeyAlgorithm = 'ed25519' | 'ecdsa-p256';

export interface PublicKeyInfo {
  key: KeyObject;
  algorithm: KeyAlgorithm;
  /** Hex SHA-256 of the DER SubjectPublicKeyInfo: the DSSE `keyid` Tollgate writes and matches. */
  keyId: string;
}

export interface PrivateKeyInfo extends PublicKeyInfo {
  privateKey: KeyObject;
}

/** A public key known under a name in the contract's `trust.keys`. */
export interface NamedKey extends PublicKeyInfo {
  name: string;
}

const SUPPORTED = 'Tollgate accepts Ed25519 and ECDSA P-256 keys';

function describeKey(key: KeyObject): string {
  const type = key.asymmetricKeyType ?? 'unknown';
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa' || type === 'rsa-pss') return `an RSA key (${details.modulusLength ?? '?'} bits)`;
  if (type === 'ec') return `an ECDSA key on curve ${details.namedCurve ?? 'unknown'}`;
  return `a key of type ${type}`;
}

function algorithmOf(key: KeyObject, source: string): KeyAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
    return 'ecdsa-p256';
  throw new TollgateError('KEY_UNSUPPORTED', `${source}: ${describeKey(key)} is not supported: ${SUPPORTED}`);
}

function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** The one key block of a PEM file: its label and its text, for decoding alone. */
interface PemBlock {
  label: string;
  text: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?(?:-----END \1-----|$)/g;

/**
 * The key block of a PEM file, or undefined when it has none. `EC PARAMETERS` (which
 * `openssl ecparam -genkey` writes before the key, naming only the curve the key names again) is
 * passed over. A file with two key blocks is refused: Node decodes the first, other tools may take
 * another, and a reviewer may see only the one they expect, so which key is trusted would depend
 * on who reads the file.
 * @throws TollgateError KEY_UNSUPPORTED naming the file and the blocks
 */
function pemBlock(pem: string, source: string): PemBlock | undefined {
  const blocks = [...pem.matchAll(PEM_BLOCK)]
    .map((match) => ({ label: match[1] ?? '', text: match[0] }))
    .filter((block) => block.label !== 'EC PARAMETERS');
  if (blocks.length > 1) {
    throw new TollgateError(
      'KEY_UNSUPPORTED',
      `${source}: holds ${blocks.length} PEM blocks (${blocks.map((block) => `"${block.label}"`).join(', ')}); a key file must hold exactly one key, so that every reader trusts the same one`,
    );
  }
  return blocks[0];
}

/**
 * Loads a PEM public key (`-----BEGIN PUBLIC KEY-----`). A private key is accepted too and its
 * public half used, so a CI job can verify with the key it signed with.
 * @param source the file name (or another label) used in error messages
 * @example loadPublicKey(readFileSync('keys/ci.pub', 'utf8'), 'keys/ci.pub')
 */
export function loadPublicKey(pem: string, source: string): PublicKeyInfo {
  const block = pemBlock(pem, source);
  if (block === undefined) {
    throw new TollgateError(
      'KEY_UNSUPPORTED',
      `${source}: not a PEM key: expected "-----BEGIN PUBLIC KEY-----"`,
    );
  }
  const label = block.label;
  if (label.includes('ENCRYPTED')) {
    throw new TollgateError(
      'KEY_UNSUPPORTED',
      `${source}: "${label}" is an encrypted private key; a public key ("PUBLIC KEY") is expected here`,
    );
  }
  // Node reads the key out of an X.509 certificate too, and nothing else of it: its validity
  // period, issuer and chain would be ignored, so an expired (or never trusted) certificate's key
  // would be trusted for ever. Only a bare public key, or a private key's public half, is read.
  if (label !== 'PUBLIC KEY' && !label.endsWith('PRIVATE KEY')) {
    const what = label.includes('CERTIFICATE')
      ? 'a certificate would be trusted for its key alone, its validity period, issuer and chain ignored: ' +
        'name the key itself (`openssl x509 -pubkey -noout -in CERT`) if it is to be trusted without them, ' +
        'or a keyless identity (trust.identities) for Sigstore certificates'
      : 'expected "-----BEGIN PUBLIC KEY-----"';
    throw new TollgateError(
      'KEY_UNSUPPORTED',
      `${source}: holds a "${label}" block, not a public key; ${what}`,
    );
  }
  let key: KeyObject;
  try {
    key = createPublicKey(block.text);
  } catch (cause) {
    throw new TollgateError(
      'KEY_UNSUPPORTED',
      `${source}: the "${label}" block could not be decoded as a public key (${(cause as Error).message})`,
      { cause },
    );
  }
  return { key, algorithm: algorithmOf(key, source), keyId: keyIdOf(key) };
}

/**
 * Loads an unencrypted PEM private key (PKCS#8 `PRIVATE KEY` or SEC1 `EC PRIVATE KEY`).
 * @example loadPrivateKey(readFileSync('keys/ci.key', 'utf8'), 'keys/ci.key')
 */
export function loadPrivateKey(pem: string, source: string): PrivateKeyInfo {
  const block = pemBlock(pem, source);
  if (block === undefined) {
    throw new TollgateError(
      'KEY_UNSUPPORTED',
      `${source}: not a PEM key: expected "-----BEGIN PRIVATE KEY-----" or "-----BEGIN EC PRIVATE KEY-----"`,
    );
  }
  const label = block.label;
  if (label.includes('ENCRYPTED')) {
    throw new TollgateError(
      'KEY_UNSUPPORTED',
      `${source}: "${label}" is encrypted; Tollgate needs an unencrypted PKCS#8 Ed25519 or ECDSA P-256 key ` +
        '(for example `openssl pkcs8 -topk8 -nocrypt -in KEY`)',
    );
  }
  if (!label.includes('PRIVATE KEY')) {
    throw new TollgateError(
      'KEY_UNSUPPORTED',
      `${source}: found a "${label}" block where a private key was expected`,
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(block.text);
  } catch (cause) {
    throw new TollgateError(
      'KEY_UNSUPPORTED',
      `${source}: the "${label}" block could not be decoded as a private key (${(cause as Error).message})`,
      { cause },
    );
  }
  const key = createPublicKey(privateKey);
  return { privateKey, key, algorithm: algorithmOf(privateKey, source), keyId: keyIdOf(key) };
}

/** Reads and loads a PEM public key file. */
export function readPublicKeyFile(path: string): PublicKeyInfo {
  return loadPublicKey(readKeyText(path), path);
}

/** Reads and loads a PEM private key file. */
export function readPrivateKeyFile(path: string): PrivateKeyInfo {
  return loadPrivateKey(readKeyText(path), path);
}

/** Reads a PEM key file's text, at most 1 MiB. @throws TollgateError CONFIG_INVALID naming the file */
export function readKeyText(path: string): string {
  return readTrustFileText(path, 'key file');
}
