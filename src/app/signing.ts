/**
 * Signing and checking outside the ledger: `tollgate sign` (an in-toto statement into a DSSE
 * envelope or Sigstore bundle) and `tollgate verify` (an admission controller's check of a signed
 * Tollgate verdict). Neither needs a contract or a store; they are use cases all the same, so a
 * server or a library user signs and checks exactly as the CLI does.
 */
import { assertDigest } from '../artifact/digest.js';
import { field, TollgateError } from '../errors.js';
import { DURATION_EXAMPLES, parseExactDuration } from '../policy/duration.js';
import type { Envelope } from '../trust/dsse.js';
import { readKeyText, readPublicKeyFile } from '../trust/keys.js';
import { readInputFile } from '../trust/read-input.js';
import type { VerifyVsaOptions, VsaVerification } from '../trust/vsa.js';
import { readCheckpoint } from './ledger-proofs.js';

export interface SignStatementOptions {
  /** The in-toto Statement v1 JSON file; signed byte for byte as given. */
  statementFile: string;
  /** PEM private key file (Ed25519 or ECDSA P-256, PKCS#8 or SEC1, unencrypted). */
  keyFile: string;
  /** A Sigstore bundle v0.3 (key hint, no transparency-log entry) instead of a bare envelope. */
  bundle?: boolean;
}

/** Signs a statement file; the result is the envelope or bundle as JSON-ready data. */
export async function signStatementFile(options: SignStatementOptions): Promise<Envelope | object> {
  const bytes = readInputFile(options.statementFile);
  const pem = readKeyText(options.keyFile);
  if (options.bundle) {
    const { signStatementBundle } = await import('../trust/sign-bundle.js');
    return signStatementBundle(bytes, pem, options.statementFile, options.keyFile);
  }
  const { signStatement } = await import('../trust/sign.js');
  return signStatement(bytes, pem, options.statementFile, options.keyFile);
}

/** What `tollgate verify` checks: {@link VerifyVsaOptions} but the key, read from `keyFile`. */
export interface VerifyVerdictOptions extends Omit<VerifyVsaOptions, 'key' | 'maxAge'> {
  /** The VSA in a DSSE envelope (written by `promote --vsa-out`). */
  envelopeFile: string;
  /** The verifier's PEM public key file. */
  keyFile: string;
  /** Refuse a VSA whose `timeVerified` is older than this duration (`30d`, `12h`: the contract's grammar). */
  maxAge?: string;
  /**
   * A checkpoint kept from earlier (a file): the VSA's ledger must be consistent with it — the same
   * ledger, neither forked, rewritten nor truncated since. Implies `requireLedger`.
   */
  since?: string;
  /**
   * Reads the RFC 9162 consistency proof between two tree sizes from the ledger, needed when the
   * kept checkpoint and the VSA's differ in size. The proof is checked against both signed roots,
   * so the ledger cannot make it up.
   */
  consistencyProof?: (first: number, second: number) => Promise<Buffer[]>;
  /**
   * Asks the ledger, where one is at hand, whether the digest was rolled back from the stage after
   * the VSA was issued (src/app/vsa.ts `vsaRevoked`); a reason refuses the VSA. Without it
   * nothing can know of a rollback: a VSA is a signed snapshot.
   */
  rolledBack?: (
    verified: Extract<VsaVerification, { valid: true }>,
    digest: string,
  ) => Promise<string | undefined | { unchecked: string }>;
}

/** Checks a signed Tollgate verdict for a digest and stage; a "no" is a value, not an error. */
export async function verifyVerdictFile(options: VerifyVerdictOptions): Promise<VsaVerification> {
  const digest = assertDigest(options.digest, field('digest'));
  const maxAge = options.maxAge === undefined ? undefined : maxAgeOf(options.maxAge);
  const key = readPublicKeyFile(options.keyFile);
  const text = readInputFile(options.envelopeFile).toString('utf8');
  const { verifyVsa } = await import('../trust/vsa.js');
  // The kept checkpoint is read (and its signature checked) first: a bad file is a usage error.
  const kept = options.since === undefined ? undefined : readCheckpoint(options.since, options.keyFile);
  const {
    envelopeFile,
    keyFile,
    since,
    consistencyProof,
    rolledBack,
    maxAge: _maxAgeText,
    ...checks
  } = options;
  const result = verifyVsa(
    text,
    {
      ...checks,
      key,
      digest,
      ...(kept ? { requireLedger: true } : {}),
      ...(maxAge === undefined ? {} : { maxAge }),
    },
    options.envelopeFile,
  );
  if (!result.valid) return result;
  const revoked = await options.rolledBack?.(result, digest);
  if (typeof revoked === 'string') return { valid: false, reason: revoked };
  const admitted = withRollbackWord(
    result,
    options.rolledBack === undefined
      ? 'no ledger at hand: give -c or run beside tollgate.yaml'
      : revoked?.unchecked,
  );
  if (!kept || !result.ledger) return admitted;
  const { inconsistency } = await import('../trust/vsa-ledger.js');
  const vsa = result.ledger;
  const small = Math.min(kept.checkpoint.size, vsa.size);
  const large = Math.max(kept.checkpoint.size, vsa.size);
  let proof: Buffer[] | undefined;
  if (kept.checkpoint.origin === vsa.origin && small > 0 && small !== large && options.consistencyProof) {
    try {
      proof = await options.consistencyProof(small, large);
    } catch (error) {
      if (!(error instanceof TollgateError)) throw error;
      return {
        valid: false,
        reason: `the ledger cannot prove that its ${small}-entry tree extends to ${large} entries (${error.message}): it was truncated, or it is not the ledger of ${options.since}`,
      };
    }
  }
  const problem = inconsistency(kept.checkpoint, vsa, proof);
  if (problem) return { valid: false, reason: `against ${options.since}: ${problem}` };
  return {
    ...admitted,
    reason: `${admitted.reason}; consistent with ${options.since} (${kept.checkpoint.size} entries)`,
  };
}

/**
 * A `--max-age` duration as the contract writes durations (`30d`, `12h`, `1w`), above zero.
 * @throws TollgateError USAGE naming the flag and the grammar
 */
export function maxAgeOf(text: string): { ms: number; text: string } {
  const ms = parseExactDuration(text.trim());
  if (ms === undefined || ms <= 0)
    throw new TollgateError(
      'USAGE',
      `--max-age "${text}" is not ${ms === undefined ? 'a duration' : 'above zero'}: expected a duration such as "30d", "12h" or ${DURATION_EXAMPLES}`,
    );
  return { ms, text: text.trim() };
}

/**
 * An admitted VSA's reason, saying whether a later rollback was looked for: a VSA is a signed
 * snapshot, and checked away from the ledger it still verifies after the digest was rolled back.
 */
function withRollbackWord(
  result: Extract<VsaVerification, { valid: true }>,
  unchecked: string | undefined,
): Extract<VsaVerification, { valid: true }> {
  const word =
    unchecked === undefined
      ? 'no rollback of it since, by the ledger'
      : `a later rollback was not checked (${unchecked})`;
  return { ...result, reason: `${result.reason}; ${word}` };
}
