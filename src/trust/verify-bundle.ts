/**
 * `tollgate verify-bundle`: check one Sigstore bundle or DSSE envelope the way
 * `cosign verify-blob` / `verify-blob-attestation` would, offline.
 */
import { assertDigest } from '../artifact/digest.js';
import { digestFile, hashFileWith } from '../artifact/file-digest.js';
import { TollgateError } from '../errors.js';
import type { EvidenceSigner } from '../evidence/evidence.js';
import { parseJsonText } from '../text/json-text.js';
import { IN_TOTO_PAYLOAD_TYPE, looksLikeEnvelope, parseEnvelope, verifyEnvelope } from './dsse.js';
import { type NamedKey, readPublicKeyFile } from './keys.js';
import { DEFAULT_MAX_INPUT_BYTES, readInputFile } from './read-input.js';
import { looksLikeBundle, parseBundle, verifyBundle } from './sigstore-bundle.js';
import {
  computableAlgorithms,
  parseStatementBytes,
  type Statement,
  statementCovers,
  subjectContradiction,
  subjectDigests,
} from './statement.js';
import { readTrustedRoot } from './trusted-root.js';

export interface VerifyBundleFileOptions {
  /** The artifact file; its SHA-256 is the digest DSSE subjects must name. */
  artifactPath?: string;
  /** The artifact digest (`sha256:<hex>`), when the file is not at hand (DSSE content only). */
  digest?: string;
  /** PEM public key, for key-signed bundles and DSSE envelopes. */
  keyPath?: string;
  /** Certificate subject for keyless bundles; `*` matches any run of characters. */
  identity?: string;
  /** OIDC issuer for keyless bundles, compared exactly. */
  issuer?: string;
  /** Trusted root JSON (default: the shipped public-good snapshot). */
  trustedRootPath?: string;
  maxBytes?: number;
}

export interface VerifyBundleResult {
  valid: boolean;
  /** Why it is valid or not, one line for people. */
  reason: string;
  signer?: EvidenceSigner;
  statement?: Statement;
}

function invalid(reason: string): VerifyBundleResult {
  return { valid: false, reason };
}

/**
 * With the artifact file at hand, a statement is held to every digest of it Tollgate can compute,
 * not only the sha256 it was first matched by: a subject listing a sha256 that agrees and a sha512
 * that does not describes other bytes. One more read of the file, only when the statement names
 * such an algorithm; its sha256 must still be `sha256` (the file did not change in between).
 */
async function otherDigestsProblem(
  statement: Statement,
  artifactPath: string,
  sha256: string,
): Promise<string | undefined> {
  const algorithms = computableAlgorithms(statement);
  algorithms.delete('sha256');
  if (algorithms.size === 0) return undefined;
  algorithms.set('sha256', 'sha256');
  const hexes = await hashFileWith(artifactPath, [...algorithms.values()]);
  const known = Object.fromEntries([...algorithms.keys()].map((name, index) => [name, hexes[index]!]));
  if (`sha256:${known.sha256}` !== sha256)
    return `${artifactPath} changed while it was being verified (its sha256 is now ${known.sha256})`;
  return subjectContradiction(statement, known);
}

/**
 * Verifies a Sigstore bundle (v0.1–v0.3) or a DSSE envelope against a key or a keyless identity,
 * and that it is about the artifact. Invalid signatures, unknown versions, malformed JSON and
 * unusable keys are results (`valid: false`); missing options and unreadable files throw.
 * @example await verifyBundleFile('a.sigstore.json', { artifactPath: 'a.txt', keyPath: 'ci.pub' })
 */
export async function verifyBundleFile(
  bundlePath: string,
  options: VerifyBundleFileOptions,
): Promise<VerifyBundleResult> {
  if (options.artifactPath === undefined && options.digest === undefined) {
    throw new TollgateError(
      'USAGE',
      'verify-bundle needs the artifact: --artifact FILE or --digest sha256:…',
    );
  }
  if (options.keyPath === undefined && options.identity === undefined) {
    throw new TollgateError(
      'USAGE',
      'verify-bundle needs a signer: --key PEM, or --identity SUBJECT with --issuer ISSUER',
    );
  }
  if (options.identity !== undefined && options.issuer === undefined) {
    throw new TollgateError('USAGE', 'verify-bundle: --identity needs --issuer (the OIDC issuer URL)');
  }
  // DSSE content needs only the digest: hash the artifact as a stream (as `register --file`
  // does) rather than load it.
  const digest =
    options.artifactPath === undefined
      ? assertDigest(options.digest ?? '', '--digest')
      : await digestFile(options.artifactPath);
  const bytes = readInputFile(bundlePath, options.maxBytes ?? DEFAULT_MAX_INPUT_BYTES);

  let keys: NamedKey[] = [];
  try {
    if (options.keyPath !== undefined)
      keys = [{ name: options.keyPath, ...readPublicKeyFile(options.keyPath) }];
  } catch (error) {
    if (error instanceof TollgateError && error.code === 'KEY_UNSUPPORTED') return invalid(error.message);
    throw error;
  }
  const trustedRoot = readTrustedRoot(options.trustedRootPath);
  const identities =
    options.identity === undefined
      ? []
      : [{ name: options.identity, subject: options.identity, issuer: options.issuer ?? '', trustedRoot }];

  let value: unknown;
  try {
    value = parseJsonText(bytes.toString('utf8'), bundlePath);
  } catch (error) {
    return invalid((error as Error).message);
  }

  if (looksLikeBundle(value)) {
    try {
      const bundle = parseBundle(value, bundlePath);
      // A message signature signs the artifact's bytes themselves: only then are they read.
      const artifact =
        bundle.content.$case === 'messageSignature' && options.artifactPath !== undefined
          ? readInputFile(options.artifactPath, Number.POSITIVE_INFINITY)
          : undefined;
      const result = verifyBundle(
        bundle,
        {
          ...(artifact === undefined ? { digest } : { artifact }),
          keys,
          identities,
          keyTrustedRoot: trustedRoot,
        },
        bundlePath,
      );
      if (!result.valid) return result;
      if (result.statement !== undefined && options.artifactPath !== undefined) {
        const problem = await otherDigestsProblem(result.statement, options.artifactPath, digest);
        if (problem !== undefined) return invalid(problem);
      }
      return {
        valid: true,
        reason: result.reason,
        signer: result.signer,
        ...(result.statement ? { statement: result.statement } : {}),
      };
    } catch (error) {
      if (error instanceof TollgateError) return invalid(error.message);
      throw error;
    }
  }

  if (looksLikeEnvelope(value)) {
    if (keys.length === 0)
      return invalid('a bare DSSE envelope carries no certificate: verify it with --key');
    try {
      const envelope = parseEnvelope(value, bundlePath);
      const result = verifyEnvelope(envelope, keys);
      if (!result.valid) return invalid(result.reason);
      if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
        return invalid(
          `the DSSE payload type is ${JSON.stringify(envelope.payloadType)}, not an in-toto statement`,
        );
      }
      const statement = parseStatementBytes(envelope.payload, `${bundlePath}: DSSE payload`);
      if (!statementCovers(statement, digest)) {
        return invalid(
          `the statement is about ${subjectDigests(statement).join(', ')}, not about the artifact ${digest}`,
        );
      }
      if (options.artifactPath !== undefined) {
        const problem = await otherDigestsProblem(statement, options.artifactPath, digest);
        if (problem !== undefined) return invalid(problem);
      }
      const signer: EvidenceSigner = { name: result.key.name, method: 'key', subject: result.key.keyId };
      return {
        valid: true,
        reason: `in-toto statement (${statement.predicateType}) verified with ${result.key.name}`,
        signer,
        statement,
      };
    } catch (error) {
      if (error instanceof TollgateError) return invalid(error.message);
      throw error;
    }
  }
  return invalid(`${bundlePath}: neither a Sigstore bundle nor a DSSE envelope`);
}
