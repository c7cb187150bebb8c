/**
 * The ledger extension of a Tollgate VSA (`predicate.tollgateLedger`, docs/admission.md): the
 * promotion's ledger entry, its RFC 9162 inclusion proof and the signed C2SP checkpoint of the tree
 * that ends with it. With it an admission controller that keeps checkpoints can tell that the
 * verdict rests on an entry of the ledger it has seen before — not on a forked, rewritten or
 * truncated one — without reading the ledger itself:
 *
 * - the entry's body hashes to its hash and says it is a promotion of this digest into this stage;
 * - its inclusion proof leads from SHA-256(0x00 ‖ body) to the checkpoint's root;
 * - the checkpoint is signed by the verifier's key (C2SP signed-note, Ed25519);
 * - against a checkpoint kept from earlier, the two trees are consistent (the same root at the same
 *   size, or an RFC 9162 consistency proof between the sizes).
 *
 * The extension sits inside the signed predicate, so nothing in it can be swapped without breaking
 * the VSA's own signature; the checks above are what make it mean something.
 */
import { createHash } from 'node:crypto';
import { leafHash, verifyConsistency, verifyInclusion } from '../ledger/merkle.js';
import { isJsonObject } from '../text/json-text.js';
import { parseCheckpoint, type SignedCheckpoint, verifyCheckpointSignature } from './checkpoint.js';
import type { PublicKeyInfo } from './keys.js';

/** `predicate.tollgateLedger` of a VSA. Hashes are base64, as in checkpoints. */
export interface VsaLedger {
  /**
   * The signed C2SP checkpoint of the ledger's first `treeSize` entries, the promotion's being the
   * last. Absent only when the verifier key is ECDSA (checkpoints are Ed25519 signed notes); then
   * the VSA's own signature is all that vouches for the tree head.
   */
  checkpoint?: string;
  /** The tree head the proof is against: the checkpoint's origin, size and root. */
  treeHead: { origin: string; size: number; rootHash: string };
  /** The promotion's ledger entry: number, hash and the exact hashed body. */
  entry: { seq: number; hash: string; body: string };
  /** RFC 9162 inclusion proof of the entry: leaf index (seq − 1) and audit path, nearest the leaf first. */
  inclusionProof: { leafIndex: number; treeSize: number; hashes: string[] };
}

/** The tree head a checked extension vouches for. */
export interface LedgerHead {
  origin: string;
  size: number;
  root: Buffer;
  /** The parsed checkpoint, when the VSA carried one. */
  checkpoint?: SignedCheckpoint;
  entry: { seq: number; hash: string };
}

export type LedgerCheck = { ok: true; head: LedgerHead } | { ok: false; reason: string };

const BASE64_HASH = /^[A-Za-z0-9+/]{43}=$/;

function hash32(value: unknown): Buffer | undefined {
  return typeof value === 'string' && BASE64_HASH.test(value) ? Buffer.from(value, 'base64') : undefined;
}

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

export interface LedgerCheckOptions {
  key: PublicKeyInfo;
  digest: string;
  stage: string;
  pipeline?: string;
}

/**
 * Checks a VSA's `tollgateLedger` on its own (no ledger needed): the entry, its inclusion proof and
 * the checkpoint's signature. A "no" names what does not hold.
 */
export function checkVsaLedger(value: unknown, options: LedgerCheckOptions): LedgerCheck {
  const no = (reason: string): LedgerCheck => ({ ok: false, reason: `tollgateLedger: ${reason}` });
  if (!isJsonObject(value)) return no('expected an object with treeHead, entry and inclusionProof');
  const { treeHead, entry, inclusionProof, checkpoint } = value;
  if (!isJsonObject(treeHead) || typeof treeHead.origin !== 'string' || !isCount(treeHead.size))
    return no('treeHead: expected { origin, size, rootHash }');
  const root = hash32(treeHead.rootHash);
  if (root === undefined) return no('treeHead.rootHash: expected a base64 SHA-256 hash');
  if (
    !isJsonObject(entry) ||
    !isCount(entry.seq) ||
    typeof entry.hash !== 'string' ||
    typeof entry.body !== 'string'
  )
    return no('entry: expected { seq, hash, body }');
  if (
    !isJsonObject(inclusionProof) ||
    !isCount(inclusionProof.leafIndex) ||
    !isCount(inclusionProof.treeSize)
  )
    return no('inclusionProof: expected { leafIndex, treeSize, hashes }');
  const rawHashes = Array.isArray(inclusionProof.hashes) ? inclusionProof.hashes : [undefined];
  const hashes = rawHashes.map(hash32);
  if (hashes.some((h) => h === undefined))
    return no('inclusionProof.hashes: expected a list of base64 SHA-256 hashes');
  const size = treeHead.size;
  const seq = entry.seq;

  // The entry: its body is what was hashed, and it is this promotion.
  const bodyHash = `sha256:${createHash('sha256').update(entry.body, 'utf8').digest('hex')}`;
  if (bodyHash !== entry.hash)
    return no(`entry #${seq}: its body hashes to ${bodyHash}, not to the entry hash ${entry.hash}`);
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(entry.body);
    if (!isJsonObject(parsed)) throw new Error('not an object');
    body = parsed;
  } catch {
    return no(`entry #${seq}: its body is not a JSON object`);
  }
  const says = (what: string, found: unknown, expected: unknown) =>
    no(`entry #${seq} is ${what} ${JSON.stringify(found)}, expected ${JSON.stringify(expected)}`);
  if (body.seq !== seq) return says('numbered', body.seq, seq);
  if (body.kind !== 'promotion') return says('of kind', body.kind, 'promotion');
  if (body.artifact !== options.digest) return says('about', body.artifact, options.digest);
  if (body.stage !== options.stage) return says('a promotion into', body.stage, options.stage);
  if (options.pipeline !== undefined && body.pipeline !== options.pipeline)
    return says('in pipeline', body.pipeline, options.pipeline);

  // The inclusion proof, against the tree head.
  if (inclusionProof.leafIndex !== seq - 1 || inclusionProof.treeSize !== size)
    return no(
      `inclusionProof is for leaf ${inclusionProof.leafIndex} of ${inclusionProof.treeSize}, expected leaf ${seq - 1} (entry #${seq}) of ${size}`,
    );
  if (!verifyInclusion(leafHash(entry.body), seq - 1, size, hashes as Buffer[], root))
    return no(
      `the inclusion proof of entry #${seq} does not lead to the root ${treeHead.rootHash} of the ${size}-entry tree`,
    );

  // The checkpoint: the same tree head, signed by the verifier's key.
  const head: LedgerHead = { origin: treeHead.origin, size, root, entry: { seq, hash: entry.hash } };
  if (checkpoint === undefined) {
    if (options.key.algorithm === 'ed25519')
      return no('no checkpoint: a VSA signed with an Ed25519 key carries the signed checkpoint of its tree');
    return { ok: true, head };
  }
  if (typeof checkpoint !== 'string') return no('checkpoint: expected the C2SP note as text');
  let note: SignedCheckpoint;
  try {
    note = parseCheckpoint(checkpoint, 'tollgateLedger.checkpoint');
  } catch (error) {
    return no((error as Error).message);
  }
  if (note.origin !== head.origin || note.size !== size || !note.root.equals(root))
    return no(
      `the checkpoint (${note.origin}, ${note.size} entries, root ${note.root.toString('base64')}) is not the tree head the proof is against (${head.origin}, ${size}, ${treeHead.rootHash})`,
    );
  if (options.key.algorithm !== 'ed25519')
    return no('the checkpoint is signed with Ed25519, but the given key is not an Ed25519 key');
  if (!verifyCheckpointSignature(note, options.key, 'the given key'))
    return no(`the checkpoint has no signature by ${note.origin} that verifies with the given key`);
  return { ok: true, head: { ...head, checkpoint: note } };
}

/** A tree head as kept by whoever checks: a stored checkpoint or a VSA's. */
export interface TreeHeadRef {
  origin: string;
  size: number;
  root: Buffer;
}

/**
 * Whether the VSA's tree and a checkpoint kept from earlier are one ledger: the same origin, and
 * the same root at the same size or, between different sizes, an RFC 9162 consistency proof from
 * the smaller tree to the larger (`proof`, from the ledger; it cannot be forged for two trees that
 * are not prefixes of each other). Returns why not, or undefined when they are consistent.
 */
export function inconsistency(
  kept: TreeHeadRef,
  vsa: TreeHeadRef,
  proof?: readonly Buffer[],
): string | undefined {
  if (kept.origin !== vsa.origin)
    return `the VSA's checkpoint is of ${vsa.origin}, the kept checkpoint of ${kept.origin}: another ledger`;
  if (kept.size === vsa.size)
    return kept.root.equals(vsa.root)
      ? undefined
      : `the VSA's ledger and the kept checkpoint both have ${vsa.size} entries but different roots: the ledger was forked or rewritten`;
  const [small, large] = kept.size < vsa.size ? [kept, vsa] : [vsa, kept];
  if (small.size === 0) return undefined;
  if (proof === undefined)
    return `a consistency proof from ${small.size} to ${large.size} entries is needed to compare the VSA's checkpoint with the kept one`;
  return verifyConsistency(small.size, large.size, proof, small.root, large.root)
    ? undefined
    : `the ledger's ${small.size}-entry tree is not a prefix of its ${large.size}-entry tree (the consistency proof does not verify): the ledger was forked, rewritten or truncated`;
}
