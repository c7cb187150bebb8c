/**
 * Checkpoints and proofs over the ledger's Merkle tree (docs/ledger.md): `ledger checkpoint`
 * signs the tree head as a C2SP checkpoint; `ledger verify --since` proves, with the entries
 * recomputed and an RFC 9162 consistency proof, that the ledger still extends a checkpoint;
 * `ledger prove` gives an entry's inclusion proof for a third party to check.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Contract } from '../contract/types.js';
import { TollgateError, unreadableFile } from '../errors.js';
import { verifyConsistency, verifyInclusion } from '../ledger/merkle.js';
import {
  checkpointText,
  parseCheckpoint,
  type SignedCheckpoint,
  signCheckpoint,
  verifyCheckpointSignature,
} from '../trust/checkpoint.js';
import { readPrivateKeyFile, readPublicKeyFile } from '../trust/keys.js';
import type { AppRequest } from './services.js';

/** The origin line of a pipeline's checkpoints unless `--origin` says otherwise. */
export function defaultOrigin(pipeline: string): string {
  return `tollgate/${pipeline.replace(/\s+/g, '-')}`;
}

export interface CheckpointOptions {
  /** Ed25519 private key (PEM) to sign with. */
  key: string;
  origin?: string;
}

/** `tollgate ledger checkpoint`: the signed tree head of the whole ledger, as a C2SP note. */
export async function ledgerCheckpoint(
  ctx: AppRequest,
  options: CheckpointOptions,
): Promise<{ note: string; origin: string; size: number; root: string }> {
  const key = readPrivateKeyFile(options.key);
  const origin = options.origin ?? defaultOrigin(ctx.contract.pipeline);
  checkpointText({ origin, size: 0, root: Buffer.alloc(32) });
  const store = await ctx.services.store();
  const head = await store.treeHead(ctx.contract.pipeline);
  const note = signCheckpoint({ origin, ...head }, key, options.key);
  return { note, origin, size: head.size, root: head.root.toString('base64') };
}

/** Reads and parses a checkpoint file, checking its signature when a public key is given. */
export function readCheckpoint(
  path: string,
  key?: string,
): { checkpoint: SignedCheckpoint; signature: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw unreadableFile(path, cause, { what: 'the checkpoint' });
  }
  const checkpoint = parseCheckpoint(text, path);
  if (key === undefined)
    return { checkpoint, signature: 'not checked (no --key, and the contract pins no verifier key)' };
  const publicKey = readPublicKeyFile(key);
  if (!verifyCheckpointSignature(checkpoint, publicKey, key))
    throw new TollgateError(
      'SIGNATURE_INVALID',
      `${path}: no signature line by ${checkpoint.origin} verifies with ${key} (name, key id and Ed25519 signature must all match)`,
    );
  return { checkpoint, signature: `verified with ${key}` };
}

/**
 * The file of the verifier key the contract pins (`trust.verifier.publicKey`, else the public half
 * of `trust.verifier.key`), or undefined when it names none.
 */
function contractVerifierKeyFile(contract: Contract): string | undefined {
  const verifier = contract.trust?.verifier;
  const file = verifier?.publicKey ?? verifier?.key;
  return file === undefined ? undefined : resolve(contract.root, file);
}

export type SinceVerdict =
  | {
      ok: true;
      pipeline: string;
      checkpoint: { origin: string; size: number; root: string };
      size: number;
      root: string;
      consistencyProof: string[];
      signature: string;
    }
  | { ok: false; pipeline: string; reason: string; seq?: number };

/**
 * `tollgate ledger verify --since CHECKPOINT`: the chain verifies, the tree recomputed from the
 * entries matches the stored tree, the first `size` entries still hash to the checkpoint's root
 * (nothing in them was edited, removed, reordered or rewritten with fresh hashes), and the stored
 * tree's RFC 9162 consistency proof from the checkpoint to today verifies. The checkpoint's
 * signature is checked with `key`, else with the verifier key the contract pins, when it names one.
 */
export async function verifySince(
  ctx: AppRequest,
  options: { since: string; key?: string },
): Promise<SinceVerdict> {
  // Without --key, the verifier key the contract pins: a checkpoint anyone could have written
  // proves nothing about the ledger someone kept, so it is checked whenever there is a key to check.
  const key = options.key ?? contractVerifierKeyFile(ctx.contract);
  const { checkpoint, signature } = readCheckpoint(options.since, key);
  const pipeline = ctx.contract.pipeline;
  const store = await ctx.services.store();
  const chain = await store.verify(pipeline);
  // A broken chain is named first; an evidence or artifacts row that no entry records comes after
  // the truncation check, since entries cut off the end leave their rows behind.
  const inTables = !chain.ok && (chain.evidence !== undefined || chain.artifact !== undefined);
  if (!chain.ok && !inTables)
    return { ok: false, pipeline, seq: chain.seq, reason: `entry #${chain.seq}: ${chain.reason}` };
  const tree = await store.recomputeTree(pipeline, checkpoint.size);
  if (tree.size < checkpoint.size)
    return {
      ok: false,
      pipeline,
      reason: `the ledger has ${tree.size} entries, but the checkpoint saw ${checkpoint.size}: entries were cut off its end`,
    };
  if (!chain.ok) return { ok: false, pipeline, reason: chain.reason };
  if (tree.mismatch) {
    const { ref, stored, computed } = tree.mismatch;
    return {
      ok: false,
      pipeline,
      reason: `the stored Merkle tree node ${ref.level}:${ref.index} is ${stored ?? 'missing'}, the entries give ${computed} (the entries or the tree table were changed)`,
    };
  }
  const rootAt = checkpoint.size === 0 ? tree.root : tree.rootAt;
  if (checkpoint.size > 0 && !rootAt?.equals(checkpoint.root))
    return {
      ok: false,
      pipeline,
      reason: `the first ${checkpoint.size} entries hash to ${rootAt?.toString('base64')}, but the checkpoint says ${checkpoint.root.toString('base64')}: they were edited, removed, reordered or rewritten since`,
    };
  const hashes: Buffer[] = [];
  if (checkpoint.size > 0) {
    const proof = await store.consistencyProof(pipeline, checkpoint.size, tree.size);
    if (!verifyConsistency(checkpoint.size, tree.size, proof.hashes, checkpoint.root, tree.root))
      return {
        ok: false,
        pipeline,
        reason: `the consistency proof from ${checkpoint.size} to ${tree.size} entries does not verify against the checkpoint`,
      };
    hashes.push(...proof.hashes);
  }
  return {
    ok: true,
    pipeline,
    checkpoint: {
      origin: checkpoint.origin,
      size: checkpoint.size,
      root: checkpoint.root.toString('base64'),
    },
    size: tree.size,
    root: tree.root.toString('base64'),
    consistencyProof: hashes.map((h) => h.toString('base64')),
    signature,
  };
}

/** An inclusion proof as `ledger prove` prints it: everything a third party needs, in base64. */
export interface InclusionDocument {
  pipeline: string;
  entry: number;
  /** 0-based leaf index (entry − 1). */
  leafIndex: number;
  treeSize: number;
  /** The entry's body; its leaf hash is SHA-256(0x00 || body). */
  body: string;
  leafHash: string;
  rootHash: string;
  /** RFC 9162 inclusion path, nearest the leaf first. */
  hashes: string[];
  /** The checkpoint the proof is against, when one was given. */
  checkpoint?: string;
}

/**
 * `tollgate ledger prove ENTRY`: the inclusion proof of entry `seq`, against the given checkpoint's
 * tree (which the ledger must still have) or the whole ledger.
 */
export async function proveEntry(
  ctx: AppRequest,
  seq: number,
  options: { checkpoint?: string; key?: string } = {},
): Promise<InclusionDocument> {
  const pipeline = ctx.contract.pipeline;
  const store = await ctx.services.store();
  const given =
    options.checkpoint === undefined ? undefined : readCheckpoint(options.checkpoint, options.key);
  const proof = await store.inclusionProof(pipeline, seq, given?.checkpoint.size);
  if (given && !proof.root.equals(given.checkpoint.root))
    throw new TollgateError(
      'LEDGER_CORRUPT',
      `the ledger's first ${given.checkpoint.size} entries no longer hash to the root of ${options.checkpoint}: run \`tollgate ledger verify --since ${options.checkpoint}\``,
    );
  // The proof is checked before it is handed out, with the verifier a third party would use.
  if (!verifyInclusion(proof.leaf, proof.index, proof.size, proof.hashes, proof.root))
    throw new TollgateError(
      'LEDGER_CORRUPT',
      `the stored Merkle tree gives entry #${seq} a proof that does not verify`,
    );
  return {
    pipeline,
    entry: seq,
    leafIndex: proof.index,
    treeSize: proof.size,
    body: proof.body,
    leafHash: proof.leaf.toString('base64'),
    rootHash: proof.root.toString('base64'),
    hashes: proof.hashes.map((h) => h.toString('base64')),
    ...(given ? { checkpoint: readFileSync(options.checkpoint!, 'utf8') } : {}),
  };
}
