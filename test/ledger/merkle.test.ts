/**
 * The ledger's Merkle tree against RFC 6962 / RFC 9162 as others implement it: the Certificate
 * Transparency reference leaves, roots and proofs (as published by transparency-dev/merkle,
 * testonly/constants.go), and Sigstore's own inclusion verifier (@sigstore/verify
 * dist/tlog/merkle.js, which checks Rekor's proofs) over every leaf of every tree up to 37 leaves.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  combineRange,
  completedBy,
  consistencyRanges,
  inclusionRanges,
  type LeafRange,
  leafHash,
  type NodeRef,
  nodeHash,
  rangeNodes,
  StreamingTree,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/merkle.js';

const require = createRequire(import.meta.url);
const sigstoreMerkle = require('@sigstore/verify/dist/tlog/merkle.js') as {
  verifyMerkleInclusion(
    entry: { canonicalizedBody: Buffer; inclusionProof: { logIndex: string; hashes: Buffer[] } },
    checkpoint: { logSize: bigint; logHash: Buffer },
  ): void;
};

const unhex = (s: string) => Buffer.from(s, 'hex');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const CT_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(unhex);
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** The hash of a perfect subtree, straight from the leaves (the definition, for the tests). */
function perfect(leaves: readonly Buffer[], ref: NodeRef): Buffer {
  if (ref.level === 0) return leaves[ref.index]!;
  const left = perfect(leaves, { level: ref.level - 1, index: ref.index * 2 });
  const right = perfect(leaves, { level: ref.level - 1, index: ref.index * 2 + 1 });
  return nodeHash(left, right);
}

/** A proof's hashes, each range computed from stored-style nodes as the store does. */
const hashesOf = (leaves: readonly Buffer[], ranges: readonly LeafRange[]) =>
  ranges.map(([a, b]) => combineRange(rangeNodes(a, b).map((ref) => perfect(leaves, ref))));

const rootOf = (leaves: readonly Buffer[]) =>
  combineRange(rangeNodes(0, leaves.length).map((r) => perfect(leaves, r)));

describe('RFC 6962 hashing', () => {
  const leaves = CT_LEAVES.map((l) => leafHash(l));

  it('gives the Certificate Transparency roots for every size 1–8, streamed and from stored nodes', () => {
    const tree = new StreamingTree();
    for (let n = 1; n <= 8; n++) {
      tree.push(leaves[n - 1]!);
      expect(hex(tree.root()), `size ${n}`).toBe(CT_ROOTS[n - 1]);
      expect(hex(rootOf(leaves.slice(0, n))), `size ${n}`).toBe(CT_ROOTS[n - 1]);
    }
    expect(hex(new StreamingTree().root())).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('gives the reference inclusion proofs', () => {
    expect(hashesOf(leaves, inclusionRanges(0, 8)).map(hex)).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect(hashesOf(leaves, inclusionRanges(5, 8)).map(hex)).toEqual([
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
  });

  it('gives the reference consistency proofs', () => {
    expect(hashesOf(leaves, consistencyRanges(2, 8)).map(hex)).toEqual([
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect(hashesOf(leaves, consistencyRanges(6, 8)).map(hex)).toEqual([
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
    expect(hashesOf(leaves, consistencyRanges(2, 5)).map(hex)).toEqual([
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ]);
  });
});

describe('proofs over every tree up to 37 leaves', () => {
  const bodies = Array.from({ length: 37 }, (_, i) => Buffer.from(`{"seq":${i + 1}}`));
  const leaves = bodies.map((b) => leafHash(b));

  it('every inclusion proof verifies here and in Sigstore’s verifier; a wrong leaf, index or root does not', () => {
    for (let n = 1; n <= leaves.length; n++) {
      const tree = leaves.slice(0, n);
      const root = rootOf(tree);
      for (let i = 0; i < n; i++) {
        const proof = hashesOf(tree, inclusionRanges(i, n));
        expect(verifyInclusion(tree[i]!, i, n, proof, root), `${i} of ${n}`).toBe(true);
        sigstoreMerkle.verifyMerkleInclusion(
          { canonicalizedBody: bodies[i]!, inclusionProof: { logIndex: String(i), hashes: proof } },
          { logSize: BigInt(n), logHash: root },
        );
        if (n > 1) {
          expect(verifyInclusion(tree[(i + 1) % n]!, i, n, proof, root)).toBe(false);
          expect(verifyInclusion(tree[i]!, (i + 1) % n, n, proof, root)).toBe(false);
          expect(() =>
            sigstoreMerkle.verifyMerkleInclusion(
              {
                canonicalizedBody: bodies[(i + 1) % n]!,
                inclusionProof: { logIndex: String(i), hashes: proof },
              },
              { logSize: BigInt(n), logHash: root },
            ),
          ).toThrow();
        }
        expect(verifyInclusion(tree[i]!, i, n, proof, leaves[36]!)).toBe(false);
      }
    }
  });

  it('every consistency proof verifies; a changed, removed or swapped leaf does not', () => {
    for (let n = 1; n <= leaves.length; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = hashesOf(leaves.slice(0, n), consistencyRanges(m, n));
        const oldRoot = rootOf(leaves.slice(0, m));
        const newRoot = rootOf(leaves.slice(0, n));
        expect(verifyConsistency(m, n, proof, oldRoot, newRoot), `${m} → ${n}`).toBe(true);
        // The old tree with leaf 0 edited, or two leaves swapped: the new tree does not extend it.
        const edited = [leafHash('{"seq":"edited"}'), ...leaves.slice(1, m)];
        expect(verifyConsistency(m, n, proof, rootOf(edited), newRoot)).toBe(false);
        if (m >= 2) {
          const swapped = [leaves[1]!, leaves[0]!, ...leaves.slice(2, m)];
          expect(verifyConsistency(m, n, proof, rootOf(swapped), newRoot)).toBe(false);
        }
        if (m < n) expect(verifyConsistency(m, n, proof.slice(1), oldRoot, newRoot)).toBe(false);
      }
    }
  });

  it('appending completes exactly the perfect subtrees the streaming tree completes', () => {
    const seen: string[] = [];
    const tree = new StreamingTree((ref) => seen.push(`${ref.level}:${ref.index}`));
    const expected: string[] = [];
    for (let i = 0; i < leaves.length; i++) {
      tree.push(leaves[i]!);
      for (const { node } of completedBy(i)) expected.push(`${node.level}:${node.index}`);
    }
    expect(seen).toEqual(expected);
    expect(seen.length).toBe(leaves.length - 3); // 37 = 32 + 4 + 1: 31 + 3 + 0 nodes
  });
});
