/**
 * DSSE (Dead Simple Signing Envelope) signing and verification with node:crypto.
 * Spec: https://github.com/secure-systems-lab/dsse/blob/master/protocol.md
 */
import { type KeyObject, sign, verify } from 'node:crypto';
import { TollgateError } from '../errors.js';
import { isJsonObject as isObject, parseJsonText } from '../text/json-text.js';
import { decodeBase64Strict } from './base64.js';
import type { KeyAlgorithm, NamedKey, PrivateKeyInfo } from './keys.js';

/** The payload type of an in-toto statement inside DSSE. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** A DSSE envelope as serialised (payload and signatures in base64). */
export interface Envelope {
  payloadType: string;
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

/** A DSSE envelope with its payload and signatures decoded. */
export interface ParsedEnvelope {
  payloadType: string;
  /** The exact payload bytes the signatures cover; parse these and nothing else. */
  payload: Buffer;
  signatures: { keyid: string; sig: Buffer }[];
}

/** DSSE pre-authentication encoding: `"DSSEv1" SP len(type) SP type SP len(body) SP body`. */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  const head = Buffer.from(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `, 'utf8');
  return Buffer.concat([head, payload]);
}

/** Signs bytes (a DSSE pre-authentication encoding) with Ed25519, or ECDSA P-256 over SHA-256 in DER form. */
export function signPreAuthEncoding(pae: Buffer, signer: PrivateKeyInfo): Buffer {
  // ECDSA signatures are DER-encoded over SHA-256, as cosign and the Sigstore clients expect.
  return signer.algorithm === 'ed25519'
    ? sign(null, pae, signer.privateKey)
    : sign('sha256', pae, signer.privateKey);
}

function verifyBytes(algorithm: KeyAlgorithm, data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    if (algorithm === 'ed25519') return verify(null, data, key, signature);
    if (verify('sha256', data, key, signature)) return true;
    // Some signers emit the raw r||s form (IEEE P1363) instead of DER.
    return signature.length === 64 && verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/**
 * Signs `payload` into a DSSE envelope whose one signature carries the key's id.
 * @example signEnvelope(Buffer.from(statementJson), IN_TOTO_PAYLOAD_TYPE, loadPrivateKey(pem, 'ci.key'))
 */
export function signEnvelope(payload: Buffer, payloadType: string, signer: PrivateKeyInfo): Envelope {
  const sig = signPreAuthEncoding(preAuthEncoding(payloadType, payload), signer);
  return {
    payloadType,
    payload: payload.toString('base64'),
    signatures: [{ keyid: signer.keyId, sig: sig.toString('base64') }],
  };
}

/** True when a JSON value has the shape of a DSSE envelope (payload, payloadType, signatures). */
export function looksLikeEnvelope(value: unknown): boolean {
  return isObject(value) && 'payload' in value && 'payloadType' in value && 'signatures' in value;
}

/**
 * Checks the shape of a DSSE envelope and decodes its payload and signatures (standard or
 * URL-safe base64). `source` names the input in errors.
 */
export function parseEnvelope(value: unknown, source: string): ParsedEnvelope {
  if (!isObject(value))
    throw new TollgateError('EVIDENCE_INVALID', `${source}: a DSSE envelope must be a JSON object`);
  const { payloadType, payload, signatures } = value;
  if (typeof payloadType !== 'string' || payloadType === '') {
    throw new TollgateError('EVIDENCE_INVALID', `${source}: DSSE envelope needs a string "payloadType"`);
  }
  if (typeof payload !== 'string') {
    throw new TollgateError('EVIDENCE_INVALID', `${source}: DSSE envelope needs a base64 string "payload"`);
  }
  if (!Array.isArray(signatures) || signatures.length === 0) {
    throw new TollgateError('EVIDENCE_INVALID', `${source}: DSSE envelope has no "signatures"`);
  }
  const decoded = signatures.map((entry, index) => {
    if (!isObject(entry) || typeof entry.sig !== 'string') {
      throw new TollgateError(
        'EVIDENCE_INVALID',
        `${source}: DSSE signatures[${index}] needs a base64 string "sig"`,
      );
    }
    const keyid = typeof entry.keyid === 'string' ? entry.keyid : '';
    return { keyid, sig: decodeBase64Strict(entry.sig, `${source}: DSSE signatures[${index}].sig`) };
  });
  return {
    payloadType,
    payload: decodeBase64Strict(payload, `${source}: DSSE payload`),
    signatures: decoded,
  };
}

/** Parses DSSE envelope JSON text. */
export function parseEnvelopeText(text: string, source: string): ParsedEnvelope {
  return parseEnvelope(parseJsonText(text, source), source);
}

/** The outcome of checking an envelope's signatures against trusted keys. */
export type EnvelopeVerification = { valid: true; key: NamedKey } | { valid: false; reason: string };

/**
 * Verifies that at least one signature of the envelope is valid for one of `keys`. Signatures
 * whose `keyid` names a key are tried against that key first; a signature with no or an unknown
 * keyid is tried against every key (cosign leaves keyid empty).
 */
export function verifyEnvelope(envelope: ParsedEnvelope, keys: readonly NamedKey[]): EnvelopeVerification {
  if (keys.length === 0) return { valid: false, reason: 'no trusted key to verify the DSSE signature with' };
  const pae = preAuthEncoding(envelope.payloadType, envelope.payload);
  for (const signature of envelope.signatures) {
    const named = signature.keyid === '' ? undefined : keys.find((key) => key.keyId === signature.keyid);
    const candidates = named === undefined ? keys : [named, ...keys.filter((key) => key !== named)];
    for (const key of candidates) {
      if (verifyBytes(key.algorithm, pae, key.key, signature.sig)) return { valid: true, key };
    }
  }
  const names = keys.map((key) => key.name).join(', ');
  const count = envelope.signatures.length;
  return {
    valid: false,
    reason: `none of the ${count} DSSE signature${count === 1 ? '' : 's'} verifies with the trusted key${keys.length === 1 ? '' : 's'} (${names}): the payload was altered or signed by another key`,
  };
}
