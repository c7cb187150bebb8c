/**
 * The ledger's Merkle tree, hashed as RFC 6962 / RFC 9162 define it (Certificate Transparency,
 * Sigstore's Rekor): a leaf is SHA-256(0x00 || entry body), a node SHA-256(0x01 || left || right),
 * and the tree over n leaves splits at the largest power of two below n.
 *
 * The tree is never recomputed for a checkpoint or a proof: the store keeps the hash of every
 * perfect subtree of two or more leaves (a node at `level` ≥ 1 and `index`, covering leaves
 * [index·2^level, (index+1)·2^level)), written as entries are appended. Any range the RFC's
 * recursion asks for is a handful of those nodes, combined right to left; a proof needs O(log n)
 * of them. Leaves (level 0) are the entries' bodies, hashed when needed.
 *
 * This module is pure: hashing, the shape of proofs, and their verification.
 */
import { hash } from 'node:crypto';

/** One perfect subtree: the leaves [index·2^level, (index+1)·2^level). */
export interface NodeRef {
  level: number;
  index: number;
}

/** The key a node is stored under: unique per (level, index), and ordered so a tree's size is findable. */
export function nodeKey(ref: NodeRef): number {
  return ref.index * 64 + ref.level;
}

export function leafHash(body: string | Uint8Array): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return hash('sha256', Buffer.concat([LEAF_PREFIX, bytes]), 'buffer');
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([NODE_PREFIX, left, right]), 'buffer');
}

const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);

/** The largest power of two strictly below `n` (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The perfect subtrees that make up the range [a, b) of leaves, left to right, as the RFC's
 * recursion splits it (a is aligned to the largest of them). MTH of the range is their hashes
 * combined right to left: H(p1, H(p2, … pm)).
 */
export function rangeNodes(a: number, b: number): NodeRef[] {
  const out: NodeRef[] = [];
  let at = a;
  while (at < b) {
    let level = 0;
    while ((at % 2 ** (level + 1) === 0 || at === 0) && at + 2 ** (level + 1) <= b) level++;
    out.push({ level, index: at / 2 ** level });
    at += 2 ** level;
  }
  return out;
}

/** MTH of a range from the hashes of its `rangeNodes`, left to right. */
export function combineRange(hashes: readonly Uint8Array[]): Buffer {
  if (hashes.length === 0) throw new RangeError('empty range');
  let root: Buffer = Buffer.from(hashes[hashes.length - 1]!);
  for (let i = hashes.length - 2; i >= 0; i--) root = nodeHash(hashes[i]!, root);
  return root;
}

/** A range of leaves [a, b) whose MTH is one hash of a proof. */
export type LeafRange = readonly [a: number, b: number];

/**
 * RFC 9162 §2.1.3.1: the ranges whose MTH make the inclusion proof of leaf `m` in a tree of `n`
 * leaves, in the order the proof lists them (nearest the leaf first).
 */
export function inclusionRanges(m: number, n: number): LeafRange[] {
  if (!(m >= 0 && m < n)) throw new RangeError(`leaf ${m} is not in a tree of ${n}`);
  const path: LeafRange[] = [];
  const walk = (m: number, start: number, size: number) => {
    if (size <= 1) return;
    const k = splitPoint(size);
    if (m < k) {
      walk(m, start, k);
      path.push([start + k, start + size]);
    } else {
      walk(m - k, start + k, size - k);
      path.push([start, start + k]);
    }
  };
  walk(m, 0, n);
  return path;
}

/**
 * RFC 9162 §2.1.4.1: the ranges whose MTH make the consistency proof from a tree of `m` leaves to
 * one of `n` (0 < m ≤ n).
 */
export function consistencyRanges(m: number, n: number): LeafRange[] {
  if (!(m > 0 && m <= n)) throw new RangeError(`no consistency proof from ${m} to ${n} leaves`);
  const proof: LeafRange[] = [];
  const sub = (m: number, start: number, size: number, whole: boolean) => {
    if (m === size) {
      if (!whole) proof.push([start, start + size]);
      return;
    }
    const k = splitPoint(size);
    if (m <= k) {
      sub(m, start, k, whole);
      proof.push([start + k, start + size]);
    } else {
      sub(m - k, start + k, size - k, false);
      proof.push([start, start + k]);
    }
  };
  sub(m, 0, n, true);
  return proof;
}

const equal = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

/** RFC 9162 §2.1.3.2: whether `proof` shows leaf `index` with hash `leaf` in the tree of `size` with `root`. */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!(index >= 0 && index < size)) return false;
  let fn = index;
  let sn = size - 1;
  let r: Uint8Array = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}

/** RFC 9162 §2.1.4.2: whether `proof` shows the tree of `second` leaves extends the tree of `first`. */
export function verifyConsistency(
  first: number,
  second: number,
  proof: readonly Uint8Array[],
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
): boolean {
  if (!(first > 0 && first <= second)) return false;
  if (first === second) return proof.length === 0 && equal(firstRoot, secondRoot);
  const path = [...proof];
  if ((first & (first - 1)) === 0) path.unshift(firstRoot);
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(fr, firstRoot) && equal(sr, secondRoot);
}

/**
 * The nodes of level ≥ 1 that appending leaf `index` completes, bottom up, and for each the
 * left sibling it is made from (level 0 siblings are the previous entry's leaf).
 */
export function completedBy(index: number): Array<{ node: NodeRef; left: NodeRef }> {
  const out: Array<{ node: NodeRef; left: NodeRef }> = [];
  let i = index;
  let level = 0;
  while (i % 2 === 1) {
    out.push({ node: { level: level + 1, index: (i - 1) / 2 }, left: { level, index: i - 1 } });
    i = (i - 1) / 2;
    level++;
  }
  return out;
}

/**
 * Computes a tree over leaves given one at a time, keeping only the right edge (one hash per
 * level), as `ledger verify --since` does over the whole chain: each completed node of level ≥ 1
 * is reported, so the stored tree can be compared with what the entries say.
 */
export class StreamingTree {
  private readonly edge: Array<Buffer | undefined> = [];
  size = 0;

  constructor(private readonly onNode?: (ref: NodeRef, hash: Buffer) => void) {}

  push(leaf: Buffer): void {
    let h = leaf;
    let level = 0;
    let index = this.size;
    while (this.edge[level] !== undefined) {
      h = nodeHash(this.edge[level]!, h);
      this.edge[level] = undefined;
      level++;
      index = (index - 1) / 2;
      this.onNode?.({ level, index }, h);
    }
    this.edge[level] = h;
    this.size++;
  }

  /** MTH of the leaves pushed so far (RFC 6962: the empty tree hashes to SHA-256 of nothing). */
  root(): Buffer {
    let root: Buffer | undefined;
    for (const h of this.edge) if (h !== undefined) root = root === undefined ? h : nodeHash(h, root);
    return root ?? hash('sha256', Buffer.alloc(0), 'buffer');
  }
}
