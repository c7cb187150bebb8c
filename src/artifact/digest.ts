import { type FieldRef, msg, TollgateError } from '../errors.js';

/** Digest algorithms Tollgate accepts, with the hex length each must have. */
const ALGORITHMS: Record<string, number> = { sha256: 64, sha512: 128 };

export type Digest = `${string}:${string}`;

/**
 * Checks that `value` is a digest Tollgate can trust as an identity (`sha256:<64 hex>` or
 * `sha512:<128 hex>`, lower-case) and returns it. Anything else is refused: a tag, a short hash
 * or an algorithm we do not support would let two different artifacts share a name.
 * @example assertDigest('sha256:' + 'a'.repeat(64))
 */
export function assertDigest(value: string, what: string | FieldRef = 'digest'): Digest {
  const match = /^([a-z0-9]+):([0-9a-fA-F]+)$/.exec(value);
  if (!match) {
    throw new TollgateError(
      'DIGEST_INVALID',
      msg`${what} "${value}" is not a digest: expected "sha256:" followed by 64 hex characters`,
    );
  }
  const [, algorithm, hex] = match as unknown as [string, string, string];
  const length = ALGORITHMS[algorithm];
  if (length === undefined) {
    throw new TollgateError(
      'DIGEST_INVALID',
      msg`${what} "${value}" uses unsupported algorithm "${algorithm}": expected one of ${Object.keys(ALGORITHMS).join(', ')}`,
    );
  }
  if (hex.length !== length) {
    throw new TollgateError(
      'DIGEST_INVALID',
      hex.length === SHORT_HEX
        ? msg`${what} "${value}" has ${hex.length} hex characters: ${algorithm} needs ${length}; the short form that status and history print is for reading only, since another artifact may share it: give the full digest (register prints it, and so does every --json output)`
        : msg`${what} "${value}" has ${hex.length} hex characters: ${algorithm} needs ${length}`,
    );
  }
  if (hex !== hex.toLowerCase()) {
    throw new TollgateError('DIGEST_INVALID', msg`${what} "${value}" must be lower-case hex`);
  }
  return value as Digest;
}

/** True when `value` is a well-formed supported digest. */
export function isDigest(value: string): value is Digest {
  try {
    assertDigest(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The bare short form `sha256:0123456789ab`. Not for showing an artifact: a digest can be ground to
 * share it, so artifacts are shown with `readableDigest` (short only once no look-alike is known to
 * be registered) or in full; ledger hashes and contract digests, which no registrant picks, with
 * `shortHash`. test/architecture/short-digest.test.ts keeps other callers out.
 */
export function shortDigest(digest: string): string {
  const [algorithm, hex = ''] = digest.split(':');
  return `${algorithm}:${hex.slice(0, 12)}`;
}

/** How many hex digits `shortDigest` shows: 48 bits, which a hostile builder can grind to match. */
export const SHORT_HEX = 12;

/**
 * Another artifact registered in the same pipeline whose digest starts with the same
 * `SHORT_HEX` hex digits: by chance this is vanishingly rare, so it is a warning sign (a digest
 * ground to look like one an approver expects).
 */
export interface Lookalike {
  digest: string;
  registeredBy: string;
  registeredAt: string;
}

/**
 * The bounds of every digest that shares `digest`'s short form: `[low, high)`. Hex digits sort
 * before "g" under the C collation and the usual locale ones alike, so an index range read finds them.
 */
export function shortPrefixRange(digest: string): { low: string; high: string } {
  const low = shortDigest(digest);
  return { low, high: `${low}g` };
}

/**
 * The digest as people should read it: short, unless a look-alike is registered, when only the
 * full digest tells the two apart (a prefix a few digits longer can be ground too).
 */
export function readableDigest(digest: string, lookalikes: readonly Lookalike[] | undefined): string {
  return lookalikes?.length ? digest : shortDigest(digest);
}

/**
 * A ledger entry hash, a contract digest or an evidence file's digest, shortened: none of these is
 * registered as an artifact, so none has a look-alike an approver could be shown instead.
 */
export function shortHash(hash: string): string {
  return shortDigest(hash);
}

/**
 * The digest as one line for people who cannot see a separate warning (a CI test name, a one-line
 * message): `readableDigest`, followed, when there are look-alikes, by what they are.
 */
export function flaggedDigest(digest: string, lookalikes: readonly Lookalike[] | undefined): string {
  if (!lookalikes?.length) return shortDigest(digest);
  return `${digest} (WARNING ${describeLookalikes(lookalikes)}: compare the full digest)`;
}

/** "look-alike of sha256:…, registered by X at T" for each look-alike, joined. */
export function describeLookalikes(lookalikes: readonly Lookalike[]): string {
  return lookalikes
    .map((l) => `look-alike of ${l.digest}, registered by ${l.registeredBy} at ${l.registeredAt}`)
    .join('; ');
}
