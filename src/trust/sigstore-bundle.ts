/**
 * Sigstore bundles (v0.1–v0.3), verified offline with the maintained Sigstore libraries:
 * @sigstore/bundle parses and validates, @sigstore/verify checks certificates, transparency-log
 * entries, timestamps and the signature. Tollgate adds what those leave to the caller: which key
 * or identity is trusted, and that an in-toto statement is about the artifact.
 */
import { createHash, timingSafeEqual, X509Certificate } from 'node:crypto';
import {
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
  type Bundle,
  bundleFromJSON,
  ValidationError,
} from '@sigstore/bundle';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { type SignedEntity, toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { TollgateError } from '../errors.js';
import type { EvidenceSigner } from '../evidence/evidence.js';
import { isJsonObject as isObject } from '../text/json-text.js';
import { decodeBase64Strict } from './base64.js';
import { IN_TOTO_PAYLOAD_TYPE } from './dsse.js';
import { matchesSubject, type SigstoreIdentity, subjectMismatch } from './identity.js';
import type { NamedKey } from './keys.js';
import { parseStatementBytes, type Statement, statementCovers, subjectDigests } from './statement.js';
import { publicGoodTrustedRoot } from './trusted-root.js';

export const BUNDLE_MEDIA_TYPES: readonly string[] = [
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
];

/** True when a JSON value declares itself a Sigstore bundle (any version, supported or not). */
export function looksLikeBundle(value: unknown): boolean {
  return (
    isObject(value) &&
    typeof value.mediaType === 'string' &&
    value.mediaType.startsWith('application/vnd.dev.sigstore.bundle')
  );
}

/**
 * Validates bundle JSON into a Bundle. Unknown versions and missing fields are refused.
 * @throws TollgateError EVIDENCE_INVALID
 */
export function parseBundle(value: unknown, source: string): Bundle {
  if (!isObject(value))
    throw new TollgateError('EVIDENCE_INVALID', `${source}: a Sigstore bundle must be a JSON object`);
  const mediaType = value.mediaType;
  if (typeof mediaType !== 'string' || !BUNDLE_MEDIA_TYPES.includes(mediaType)) {
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${source}: unsupported Sigstore bundle media type ${JSON.stringify(mediaType)}: expected one of ${BUNDLE_MEDIA_TYPES.join(', ')}`,
    );
  }
  refuseLenientFields(value, source);
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(value);
  } catch (cause) {
    const fields =
      cause instanceof ValidationError && cause.fields
        ? `: missing or invalid ${cause.fields.join(', ')}`
        : '';
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new TollgateError('EVIDENCE_INVALID', `${source}: ${message}${fields}`, { cause });
  }
  // Checked again against each identity's own trusted root when the bundle is verified.
  const carried = carriedRootProblem(bundle, publicGoodTrustedRoot());
  if (carried !== undefined) throw new TollgateError('EVIDENCE_INVALID', `${source}: ${carried}`);
  refuseUnsignedProofs(bundle, source);
  return bundle;
}

/**
 * What protobuf-specs would read leniently, refused by name: base64 that does not decode exactly
 * (it drops what it cannot read, so "INVALID!!!" becomes some bytes and the failure a confusing
 * log error) and a negative log index (sigstore-conformance `bundle-invalid-base64-signature_fail`,
 * `bundle-negative-log-index_fail`).
 */
function refuseLenientFields(value: Record<string, unknown>, source: string): void {
  const base64 = (text: unknown, path: string) => {
    if (typeof text === 'string') decodeBase64Strict(text, `${source}: ${path}`);
  };
  const index = (found: unknown, path: string) => {
    if (found === undefined) return;
    if (
      typeof found === 'number' ? Number.isSafeInteger(found) && found >= 0 : /^[0-9]+$/.test(String(found))
    )
      return;
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${source}: ${path} is ${JSON.stringify(found)}: a transparency log index is a whole number, 0 or more`,
    );
  };
  const message = value.messageSignature;
  if (isObject(message)) {
    base64(message.signature, 'messageSignature.signature');
    if (isObject(message.messageDigest))
      base64(message.messageDigest.digest, 'messageSignature.messageDigest.digest');
  }
  const envelope = value.dsseEnvelope;
  if (isObject(envelope)) {
    base64(envelope.payload, 'dsseEnvelope.payload');
    if (Array.isArray(envelope.signatures))
      envelope.signatures.forEach((signature, i) => {
        if (isObject(signature)) base64(signature.sig, `dsseEnvelope.signatures[${i}].sig`);
      });
  }
  const material = value.verificationMaterial;
  if (!isObject(material) || !Array.isArray(material.tlogEntries)) return;
  material.tlogEntries.forEach((entry, i) => {
    if (!isObject(entry)) return;
    const path = `verificationMaterial.tlogEntries[${i}]`;
    index(entry.logIndex, `${path}.logIndex`);
    base64(entry.canonicalizedBody, `${path}.canonicalizedBody`);
    if (isObject(entry.inclusionPromise))
      base64(entry.inclusionPromise.signedEntryTimestamp, `${path}.inclusionPromise.signedEntryTimestamp`);
    const proof = entry.inclusionProof;
    if (!isObject(proof)) return;
    index(proof.logIndex, `${path}.inclusionProof.logIndex`);
    base64(proof.rootHash, `${path}.inclusionProof.rootHash`);
    if (Array.isArray(proof.hashes))
      proof.hashes.forEach((hash, h) => {
        base64(hash, `${path}.inclusionProof.hashes[${h}]`);
      });
  });
}

/**
 * A bundle's certificate chain leads up to a root in the trusted root; it must not carry a root
 * of its own (Sigstore's client spec; sigstore-conformance `bundle-with-root-cert_fail`). Such a
 * chain means its maker confused the chain with the trust anchor, or hopes a verifier will take its
 * word. A carried root that is byte for byte a certificate of the trusted root the bundle is
 * checked against adds nothing and hides nothing, and sigstore-js wrote whole chains into v0.1 and
 * v0.2 bundles (npm's provenance of 2023, slsa-github-generator v1): those are read.
 * @returns the refusal, or undefined when the chain carries no foreign root
 */
function carriedRootProblem(bundle: Bundle, root: TrustedRoot): string | undefined {
  const material = bundle.verificationMaterial.content;
  if (material.$case !== 'x509CertificateChain') return undefined;
  const anchors = root.certificateAuthorities.flatMap(
    (authority) => authority.certChain?.certificates.map((certificate) => certificate.rawBytes) ?? [],
  );
  for (const [index, certificate] of material.x509CertificateChain.certificates.entries()) {
    let parsed: X509Certificate;
    try {
      parsed = new X509Certificate(certificate.rawBytes);
    } catch {
      continue; // An unreadable certificate is refused, by name, when the chain is verified.
    }
    if (!parsed.checkIssued(parsed) || !parsed.verify(parsed.publicKey)) continue;
    if (anchors.some((anchor) => anchor.equals(certificate.rawBytes))) continue;
    return `verificationMaterial.x509CertificateChain.certificates[${index}] is a root certificate (${parsed.subject.replaceAll('\n', ', ')}); a bundle must not carry its own root: roots come only from the trusted root`;
  }
  return undefined;
}

/**
 * An inclusion proof is checked against the log's signed tree head (its checkpoint). Bundles from
 * v0.2 on must have one; a v0.1 bundle may omit it, and @sigstore/verify then fails on a missing
 * property rather than saying what is missing.
 */
function refuseUnsignedProofs(bundle: Bundle, source: string): void {
  bundle.verificationMaterial.tlogEntries.forEach((entry, index) => {
    if (entry.inclusionProof && !entry.inclusionProof.checkpoint?.envelope) {
      throw new TollgateError(
        'EVIDENCE_INVALID',
        `${source}: verificationMaterial.tlogEntries[${index}].inclusionProof has no checkpoint: without the log's signed tree head the proof proves nothing`,
      );
    }
  });
}

export interface BundleVerifyOptions {
  /** The artifact's bytes. Required for message-signature bundles, which sign the bytes themselves. */
  artifact?: Buffer;
  /** The artifact's digest (`sha256:<hex>`); computed from `artifact` when that is given. */
  digest?: string;
  /** Trusted public keys, for bundles whose verification material is a public key. */
  keys?: readonly NamedKey[];
  /** Trusted keyless identities, for bundles carrying a Fulcio certificate. */
  identities?: readonly SigstoreIdentity[];
  /**
   * Transparency-log keys used to check any log entries of a key-signed bundle (default: the
   * shipped public-good root). Key-signed bundles need no log entry at all.
   */
  keyTrustedRoot?: TrustedRoot;
}

export type BundleVerification =
  | { valid: true; reason: string; signer: EvidenceSigner; statement?: Statement; payload?: Buffer }
  | { valid: false; reason: string };

function signerText(signer: EvidenceSigner): string {
  return signer.method === 'sigstore' ? `${signer.subject} (${signer.name})` : signer.name;
}

function failureText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

function keylessSigner(
  bundle: Bundle,
  entity: SignedEntity,
  identities: readonly SigstoreIdentity[],
): { signer: EvidenceSigner } | { reason: string } {
  if (identities.length === 0) {
    return {
      reason:
        'the bundle is signed with a Sigstore certificate, but no identity (subject and issuer) is trusted',
    };
  }
  const reasons: string[] = [];
  for (const identity of identities) {
    const carried = carriedRootProblem(bundle, identity.trustedRoot);
    if (carried !== undefined) {
      reasons.push(`${identity.name}: ${carried}`);
      continue;
    }
    try {
      // Default thresholds: at least one log entry, one SCT and one timestamp, as cosign requires.
      const result = new Verifier(toTrustMaterial(identity.trustedRoot)).verify(entity);
      const subject = result.identity?.subjectAlternativeName ?? '';
      const issuer = result.identity?.extensions?.issuer ?? '';
      if (issuer !== identity.issuer) {
        reasons.push(
          `${identity.name}: certificate issuer is ${JSON.stringify(issuer)}, expected ${JSON.stringify(identity.issuer)}`,
        );
      } else if (!matchesSubject(identity.subject, subject)) {
        reasons.push(`${identity.name}: ${subjectMismatch(identity.subject, subject)}`);
      } else {
        return { signer: { name: identity.name, method: 'sigstore', subject, issuer } };
      }
    } catch (error) {
      reasons.push(`${identity.name}: ${failureText(error)}`);
    }
  }
  return { reason: reasons.join('; ') };
}

function keySigner(
  entity: SignedEntity,
  keys: readonly NamedKey[],
  root: TrustedRoot,
): { signer: EvidenceSigner } | { reason: string } {
  if (keys.length === 0) return { reason: 'the bundle is signed with a public key, but no key is trusted' };
  const reasons: string[] = [];
  for (const key of keys) {
    const material = toTrustMaterial(root, () => ({ publicKey: key.key, validFor: () => true }));
    // Log entries present in the bundle are still checked; a key-signed bundle needs none.
    const verifier = new Verifier(material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
    try {
      verifier.verify(entity);
      return { signer: { name: key.name, method: 'key', subject: key.keyId } };
    } catch (error) {
      reasons.push(`${key.name}: ${failureText(error)}`);
    }
  }
  return { reason: reasons.join('; ') };
}

/**
 * Rekor v2 logs a DSSE envelope as a `hashedrekord` 0.0.2 entry whose digest is the SHA-256 of the
 * envelope's pre-authentication encoding (PAE), the bytes actually signed (rekor-v2 spec §6.1.4).
 * @sigstore/verify 3.x compares that digest with the SHA-256 of the payload alone and refuses the
 * bundle ("digest mismatch"); the 4.x line that fixes it declares Node >= 22.22, and Tollgate still
 * runs on Node 20. So for DSSE content with such an entry, the digest of the PAE is accepted too.
 * It binds the same signed bytes as the payload digest does (the PAE holds the payload and its
 * type), and the entry's signature must still equal the envelope's.
 */
function withRekorV2DsseDigest(entity: SignedEntity): SignedEntity {
  const hashedRekordV2 = entity.tlogEntries.some(
    (entry) => entry.kindVersion?.kind === 'hashedrekord' && entry.kindVersion.version === '0.0.2',
  );
  const content = entity.signature as SignedEntity['signature'] & { preAuthEncoding?: unknown };
  if (!hashedRekordV2 || !Buffer.isBuffer(content.preAuthEncoding)) return entity;
  const paeDigest = createHash('sha256').update(content.preAuthEncoding).digest();
  const signature: SignedEntity['signature'] = {
    signature: content.signature,
    compareDigest: (digest) =>
      content.compareDigest(digest) ||
      (digest.length === paeDigest.length && timingSafeEqual(digest, paeDigest)),
    compareSignature: (bytes) => content.compareSignature(bytes),
    verifySignature: (key) => content.verifySignature(key),
  };
  return { ...entity, signature };
}

/**
 * Verifies a parsed bundle against trusted keys or identities and, for DSSE content, checks that
 * the in-toto statement inside names the artifact's digest. Returns a value, never throws for an
 * invalid bundle.
 */
export function verifyBundle(
  bundle: Bundle,
  options: BundleVerifyOptions,
  source = 'bundle',
): BundleVerification {
  const digest =
    options.artifact === undefined
      ? options.digest?.toLowerCase()
      : `sha256:${createHash('sha256').update(options.artifact).digest('hex')}`;
  const content = bundle.content;
  if (content.$case === 'messageSignature' && options.artifact === undefined) {
    return {
      valid: false,
      reason:
        'this bundle signs the artifact bytes themselves (message signature): give the artifact file, not only its digest',
    };
  }
  let entity: SignedEntity;
  try {
    entity = withRekorV2DsseDigest(toSignedEntity(bundle, options.artifact));
  } catch (error) {
    return { valid: false, reason: `cannot read the bundle's signature material: ${failureText(error)}` };
  }
  const outcome =
    bundle.verificationMaterial.content.$case === 'publicKey'
      ? keySigner(entity, options.keys ?? [], options.keyTrustedRoot ?? publicGoodTrustedRoot())
      : keylessSigner(bundle, entity, options.identities ?? []);
  if ('reason' in outcome) return { valid: false, reason: outcome.reason };
  const { signer } = outcome;

  if (content.$case === 'messageSignature') {
    return {
      valid: true,
      reason: `signature over the artifact verified (signed by ${signerText(signer)})`,
      signer,
    };
  }
  const envelope = content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return {
      valid: false,
      reason: `the DSSE payload type is ${JSON.stringify(envelope.payloadType)}, not an in-toto statement (${IN_TOTO_PAYLOAD_TYPE})`,
    };
  }
  let statement: Statement;
  try {
    // The very bytes whose signature was just verified.
    statement = parseStatementBytes(envelope.payload, `${source}: DSSE payload`);
  } catch (error) {
    return { valid: false, reason: failureText(error) };
  }
  if (digest !== undefined && !statementCovers(statement, digest)) {
    return {
      valid: false,
      reason: `the statement is about ${subjectDigests(statement).join(', ')}, not about the artifact ${digest}`,
    };
  }
  return {
    valid: true,
    reason: `in-toto statement (${statement.predicateType}) verified, signed by ${signerText(signer)}`,
    signer,
    statement,
    payload: envelope.payload,
  };
}
