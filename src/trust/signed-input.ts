/**
 * What `tollgate attest` does with an in-toto input: a plain statement, a DSSE envelope or a
 * Sigstore bundle. It finds the statement, checks it is about the artifact, and verifies the
 * signature against the contract's trust. Every failure throws before anything can be stored.
 */
import { createHash } from 'node:crypto';
import type { TrustedRoot } from '@sigstore/protobuf-specs';
import { TollgateError } from '../errors.js';
import { isAttestationList, sarifLogAt } from '../evidence/detect-format.js';
import type { EvidenceSigner } from '../evidence/evidence.js';
import { parseJsonHoldingSarif } from '../evidence/sarif-parser.js';
import { isJsonObject as isObject, type MergedDuplicate } from '../text/json-text.js';
import { IN_TOTO_PAYLOAD_TYPE, looksLikeEnvelope, parseEnvelope, verifyEnvelope } from './dsse.js';
import type { SigstoreIdentity } from './identity.js';
import type { NamedKey } from './keys.js';
import { DEFAULT_MAX_INPUT_BYTES, readInputFile } from './read-input.js';
import { looksLikeBundle, parseBundle, verifyBundle } from './sigstore-bundle.js';
import {
  assertSubjectMatches,
  type KnownDigests,
  knownDigestsOf,
  looksLikeStatement,
  parseStatement,
  parseStatementBytes,
  type Statement,
} from './statement.js';

/** The trust a contract declares, loaded: keys and identities by name. */
export interface TrustSet {
  keys: NamedKey[];
  identities: SigstoreIdentity[];
  /** Log keys for checking log entries in key-signed bundles (default: public-good snapshot). */
  keyTrustedRoot?: TrustedRoot;
}

export type SignedInputFormat = 'in-toto' | 'dsse' | 'sigstore-bundle';

export interface SignedInput {
  format: SignedInputFormat;
  statement: Statement;
  /** The verified signer, or null for a plain statement, or for signed input when no trust is declared. */
  signer: EvidenceSigner | null;
  /** `sha256:` of the input file's bytes. */
  sourceDigest: string;
  /**
   * `sha256:` of the statement's bytes as signed (the DSSE payload): the same for one signed
   * statement whatever file, wrapper or formatting carries it. Absent for a plain statement.
   */
  payloadDigest?: string;
}

export interface ReadSignedInputOptions {
  /** The registered artifact the statement must be about. */
  artifactDigest: string;
  /**
   * Other digests of the artifact's bytes its registration recorded (`{ sha512: "…" }`): a subject
   * that names the artifact and lists one of these algorithms must agree with it too.
   */
  otherDigests?: KnownDigests;
  trust: TrustSet;
  /** Largest file accepted (default 256 MiB). */
  maxBytes?: number;
}

/** True when the trust set names no signer at all. */
function isEmpty(trust: TrustSet): boolean {
  return trust.keys.length === 0 && trust.identities.length === 0;
}

/**
 * The in-toto statement a DSSE envelope (bare or in a Sigstore bundle) carries, parsed from the very
 * bytes the signature covers, and checked to be about the artifact.
 */
function signedStatement(
  payloadType: string,
  payload: Buffer,
  artifactDigest: string | KnownDigests,
  source: string,
): Statement {
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${source}: DSSE payload type is ${JSON.stringify(payloadType)}, expected ${IN_TOTO_PAYLOAD_TYPE}`,
    );
  }
  const statement = parseStatementBytes(payload, `${source}: DSSE payload`);
  assertSubjectMatches(statement, artifactDigest, source);
  return statement;
}

function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * The JSON of an input's UTF-8 text as `detectFormat` parsed it (src/evidence/detect-format.ts):
 * the value, and the repeated `security-severity` keys of the SARIF log a statement holds.
 */
export interface ParsedInput {
  value: unknown;
  merged?: MergedDuplicate[];
}

/**
 * Reads an in-toto input from bytes already in memory. A signed input whose signature verifies
 * with none of the trusted signers is refused (SIGNATURE_INVALID); when the contract trusts no
 * signer at all, signed input is accepted as unsigned (its signer is null).
 * @param parsed the JSON of `bytes` as `detectFormat` parsed it from their UTF-8 text (they had no
 * byte order mark): a plain statement is then not parsed again.
 * @throws TollgateError EVIDENCE_INVALID, EVIDENCE_SUBJECT_MISMATCH, SIGNATURE_INVALID
 */
export function readSignedInputBytes(
  bytes: Buffer,
  source: string,
  options: ReadSignedInputOptions,
  parsed?: ParsedInput,
): SignedInput {
  const sourceDigest = digestOf(bytes);
  // A SARIF log in the file's own text is a plain statement's (read below as the statement, after a
  // bundle or an envelope, whose payload is parsed on its own): anywhere else a repeated key is
  // refused. detectFormat parses all but bundles and envelopes by that rule, so what it parsed of
  // them stands.
  const { value, merged = [] } =
    parsed !== undefined && !isWrapper(parsed.value)
      ? parsed
      : parseJsonHoldingSarif(bytes.toString('utf8'), source, (json) =>
          isWrapper(json) ? undefined : sarifLogAt(json),
        );
  const input = readSignedInputValue(value, source, sourceDigest, options);
  return merged.length > 0 ? { ...input, statement: { ...input.statement, merged } } : input;
}

/**
 * True when `value` is read as a Sigstore bundle or a DSSE envelope (whatever its `_type`). For
 * any other value `detectFormat` reads a SARIF log's repeated keys by the rule used here, so the
 * value it parsed is the one this module would.
 */
function isWrapper(value: unknown): boolean {
  return looksLikeBundle(value) || looksLikeEnvelope(value);
}

/**
 * As {@link readSignedInputBytes}, for a JSON value already parsed: one statement, envelope or
 * bundle, possibly taken out of a larger file (`sourceDigest` is that file's digest).
 */
export function readSignedInputValue(
  value: unknown,
  source: string,
  sourceDigest: string,
  options: ReadSignedInputOptions,
): SignedInput {
  const { artifactDigest, trust } = options;
  const known = knownDigestsOf(artifactDigest, options.otherDigests);

  if (looksLikeBundle(value)) {
    const bundle = parseBundle(value, source);
    if (bundle.content.$case !== 'dsseEnvelope') {
      throw new TollgateError(
        'EVIDENCE_INVALID',
        `${source}: this Sigstore bundle signs a blob (message signature) and carries no in-toto statement; attest a DSSE bundle (cosign attest-blob --new-bundle-format) or check it with verify-bundle`,
      );
    }
    const envelope = bundle.content.dsseEnvelope;
    const statement = signedStatement(envelope.payloadType, envelope.payload, known, source);
    const payloadDigest = digestOf(envelope.payload);
    if (isEmpty(trust))
      return { format: 'sigstore-bundle', statement, signer: null, sourceDigest, payloadDigest };
    const result = verifyBundle(
      bundle,
      {
        digest: artifactDigest,
        keys: trust.keys,
        identities: trust.identities,
        keyTrustedRoot: trust.keyTrustedRoot,
      },
      source,
    );
    if (!result.valid)
      throw new TollgateError('SIGNATURE_INVALID', `${source}: bundle does not verify: ${result.reason}`);
    return { format: 'sigstore-bundle', statement, signer: result.signer, sourceDigest, payloadDigest };
  }

  if (looksLikeEnvelope(value)) {
    const envelope = parseEnvelope(value, source);
    const statement = signedStatement(envelope.payloadType, envelope.payload, known, source);
    const payloadDigest = digestOf(envelope.payload);
    if (isEmpty(trust)) return { format: 'dsse', statement, signer: null, sourceDigest, payloadDigest };
    if (trust.keys.length === 0) {
      // A bare envelope signed keylessly (a Fulcio certificate beside the signature, as
      // slsa-github-generator wrote before v2) proves nothing offline: the certificate expired
      // minutes after signing, and only the transparency-log entry, which the envelope does not
      // carry, shows it was used in time. Say so rather than "no trusted key".
      const keyless =
        isObject(value) &&
        Array.isArray(value.signatures) &&
        value.signatures.some((entry) => isObject(entry) && typeof entry.cert === 'string');
      if (keyless) {
        throw new TollgateError(
          'SIGNATURE_INVALID',
          `${source}: this DSSE envelope is signed keylessly (its signature carries a Sigstore certificate) but holds no transparency-log entry, so it cannot be verified offline; attest the Sigstore bundle of the same attestation (slsa-github-generator v2 and \`cosign attest --new-bundle-format\` write one), or trust a key`,
        );
      }
      // Only identities are trusted: a bare envelope (cosign keeps the certificate and log entry of
      // an OCI attestation in the layer's annotations, not in the envelope) has nothing to check them with.
      throw new TollgateError(
        'SIGNATURE_INVALID',
        `${source}: a bare DSSE envelope can only be verified with a trusted key, and the contract trusts only keyless identities (${trust.identities.map((identity) => identity.name).join(', ')}), which Tollgate verifies from Sigstore bundles; attest the Sigstore bundle of the same attestation, or trust the signing key`,
      );
    }
    const result = verifyEnvelope(envelope, trust.keys);
    if (!result.valid) throw new TollgateError('SIGNATURE_INVALID', `${source}: ${result.reason}`);
    return {
      format: 'dsse',
      statement,
      signer: { name: result.key.name, method: 'key', subject: result.key.keyId },
      sourceDigest,
      payloadDigest,
    };
  }

  if (looksLikeStatement(value)) {
    const statement = parseStatement(value, source);
    assertSubjectMatches(statement, known, source);
    return { format: 'in-toto', statement, signer: null, sourceDigest };
  }

  if (isAttestationList(value)) {
    throw new TollgateError(
      'EVIDENCE_INVALID',
      `${source}: this is a list of attestations (npm or GitHub attestations, gcloud --show-provenance), not one statement: record it with \`tollgate attest provenance\` (or sbom, scan, evidence), which reads the entries of that kind`,
    );
  }
  throw new TollgateError(
    'EVIDENCE_INVALID',
    `${source}: not an in-toto statement, DSSE envelope or Sigstore bundle: expected "_type", "payloadType" or a Sigstore "mediaType"`,
  );
}

/** Reads an in-toto input file (size-checked first). See {@link readSignedInputBytes}. */
export function readSignedInputFile(path: string, options: ReadSignedInputOptions): SignedInput {
  return readSignedInputBytes(
    // Read for `attest`, whose statement, provenance, sbom, scan and evidence verbs take the flag.
    readInputFile(path, options.maxBytes ?? DEFAULT_MAX_INPUT_BYTES, '--max-evidence-bytes'),
    path,
    options,
  );
}
