/**
 * The ledger's Merkle tree as stored (src/ledger/merkle.ts has the hashing): table `ledger_tree`
 * holds the hash of every perfect subtree of two or more entries, keyed by `nodeKey`. Appending
 * entry n writes the nodes it completes (one on average) in the same transaction, so a checkpoint
 * reads O(log n) stored nodes and a proof O(log n) more; nothing is recomputed. A ledger written
 * before the tree existed (or whose tree rows are missing) gets its tree rebuilt from the entries'
 * bodies the first time a node is needed.
 */
import type { Kysely } from 'kysely';
import {
  combineRange,
  completedBy,
  consistencyRanges,
  inclusionRanges,
  type LeafRange,
  leafHash,
  type NodeRef,
  nodeHash,
  nodeKey,
  rangeNodes,
  StreamingTree,
} from './merkle.js';
import { prepare, type SqlRunner } from './prepared-query.js';
import type { Database } from './schema.js';

/** The tree over a ledger's first `size` entries. */
export interface TreeHead {
  size: number;
  root: Buffer;
}

export interface InclusionProof extends TreeHead {
  /** The entry's 0-based index in the tree (its seq − 1). */
  index: number;
  /** The entry's body: its leaf hash is SHA-256(0x00 || body). */
  body: string;
  leaf: Buffer;
  hashes: Buffer[];
}

export interface ConsistencyProof {
  first: number;
  second: number;
  hashes: Buffer[];
  firstRoot: Buffer;
  secondRoot: Buffer;
}

/** What the entries themselves say the tree is, against what is stored. */
export interface RecomputedTree extends TreeHead {
  /** The root over the first `at` entries, when asked and the ledger has that many. */
  rootAt?: Buffer;
  /** The first stored node that disagrees with the entries (or is missing). */
  mismatch?: { ref: NodeRef; stored: string | undefined; computed: string };
}

/** Tree nodes stored: a node already there (written by an earlier append or rebuild) is kept. */
function insertNodes(
  k: Kysely<Database>,
  rows: ReadonlyArray<Record<'pipeline' | 'node' | 'hash', unknown>>,
) {
  return k
    .insertInto('ledger_tree')
    .values(rows as unknown as Array<Database['ledger_tree']>)
    .onConflict((c) => c.columns(['pipeline', 'node']).doNothing());
}

export function treeQueries(k: Kysely<Database>) {
  return {
    node: prepare(['pipeline', 'node'], (p) =>
      k
        .selectFrom('ledger_tree')
        .select('hash')
        .where('pipeline', '=', p.pipeline)
        .where('node', '=', p.node as unknown as number),
    ),
    insertNode: prepare(['pipeline', 'node', 'hash'], (p) => insertNodes(k, [p])),
  };
}

type TreeQueries = ReturnType<typeof treeQueries>;

/** The key of a node in a transaction's memory of the nodes it wrote. */
function writtenKey(pipeline: string, ref: NodeRef): string {
  return `tree:${pipeline}\u0000${ref.level}:${ref.index}`;
}

/** Tree operations over one connection (the store's, or a write transaction's). */
export class TreeStore {
  constructor(
    private readonly k: Kysely<Database>,
    private readonly runner: SqlRunner,
    private readonly q: TreeQueries,
    /**
     * A write transaction's memory (src/ledger/group-commit.ts): the nodes its appends wrote, so
     * the next append in the same batch finds its left node without reading it back.
     */
    private readonly written?: Map<string, unknown>,
  ) {}

  /**
   * Records the nodes that appending entry `seq` (with `body`) completes. `previousBody` is entry
   * seq − 1's, which the append has just read and verified.
   */
  async extend(pipeline: string, seq: number, body: string, previousBody: string | undefined): Promise<void> {
    const completed = completedBy(seq - 1);
    if (completed.length === 0) return;
    let hash = leafHash(body);
    const rows: Array<{ ref: NodeRef; hash: Buffer }> = [];
    for (const { node, left } of completed) {
      let leftHash =
        left.level === 0 && previousBody !== undefined
          ? leafHash(previousBody)
          : ((this.written?.get(writtenKey(pipeline, left)) as Buffer | undefined) ??
            (await this.node(pipeline, left)));
      if (leftHash === undefined) {
        // A ledger from before the tree: build it over the entries already there, then go on.
        await this.rebuild(pipeline, seq - 1);
        leftHash = await this.node(pipeline, left);
        if (leftHash === undefined)
          throw new Error(`tree node ${left.level}:${left.index} missing after rebuild`);
      }
      hash = nodeHash(leftHash, hash);
      rows.push({ ref: node, hash });
    }
    // Every node this entry completes in one statement (one round trip under the pipeline's lock).
    const values = rows.map((row) => ({ pipeline, node: nodeKey(row.ref), hash: row.hash.toString('hex') }));
    await this.runner.execute(
      values.length === 1 ? this.q.insertNode(values[0]!) : insertNodes(this.k, values).compile(),
    );
    for (const row of rows) this.written?.set(writtenKey(pipeline, row.ref), row.hash);
  }

  private async node(pipeline: string, ref: NodeRef): Promise<Buffer | undefined> {
    if (ref.level === 0) return (await this.leaves(pipeline, [ref.index])).get(ref.index);
    const { rows } = await this.runner.execute<{ hash: string }>(
      this.q.node({ pipeline, node: nodeKey(ref) }),
    );
    return rows[0] ? Buffer.from(rows[0].hash, 'hex') : undefined;
  }

  /** Leaf hashes of the entries at the given 0-based indexes, by index. */
  private async leaves(pipeline: string, indexes: readonly number[]): Promise<Map<number, Buffer>> {
    const out = new Map<number, Buffer>();
    if (indexes.length === 0) return out;
    const { rows } = await this.runner.execute<{ seq: number; body: string }>(
      this.k
        .selectFrom('ledger_entries')
        .select(['seq', 'body'])
        .where('pipeline', '=', pipeline)
        .where(
          'seq',
          'in',
          indexes.map((i) => i + 1),
        )
        .compile(),
    );
    for (const row of rows) out.set(Number(row.seq) - 1, leafHash(row.body));
    return out;
  }

  /** Writes every node over the first `size` entries that is not stored yet. */
  async rebuild(pipeline: string, size: number): Promise<void> {
    const nodes: Array<{ ref: NodeRef; hash: Buffer }> = [];
    const tree = new StreamingTree((ref, hash) => nodes.push({ ref, hash }));
    await this.stream(pipeline, size, (leaf) => tree.push(leaf));
    for (const { ref, hash } of nodes)
      await this.runner.execute(
        this.q.insertNode({ pipeline, node: nodeKey(ref), hash: hash.toString('hex') }),
      );
  }

  /** The leaf hash of each of the first `size` entries (all when undefined), in order, to `visit`. */
  private async stream(
    pipeline: string,
    size: number | undefined,
    visit: (leaf: Buffer) => void,
  ): Promise<void> {
    let query = this.k
      .selectFrom('ledger_entries')
      .select(['seq', 'body'])
      .where('pipeline', '=', pipeline)
      .orderBy('seq');
    if (size !== undefined) query = query.where('seq', '<=', size);
    const compiled = query.compile();
    const rows: Iterable<unknown[]> = this.runner.iterateRaw
      ? this.runner.iterateRaw(compiled)
      : (await this.runner.execute<{ seq: number; body: string }>(compiled)).rows.map((r) => [r.seq, r.body]);
    let expected = 1;
    for (const row of rows) {
      if (Number(row[0]) !== expected) break;
      visit(leafHash(row[1] as string));
      expected++;
    }
  }

  /** The hash of each range, from stored nodes (rebuilding the tree once if one is missing). */
  async rangeHashes(pipeline: string, size: number, ranges: readonly LeafRange[]): Promise<Buffer[]> {
    const refs = ranges.map(([a, b]) => rangeNodes(a, b));
    let found = await this.fetch(pipeline, refs.flat());
    if (refs.flat().some((ref) => !found.has(keyOf(ref)))) {
      await this.rebuild(pipeline, size);
      found = await this.fetch(pipeline, refs.flat());
    }
    return refs.map((nodes) =>
      combineRange(
        nodes.map((ref) => {
          const hash = found.get(keyOf(ref));
          if (hash === undefined) throw new Error(`the ledger has fewer than ${size} entries`);
          return hash;
        }),
      ),
    );
  }

  private async fetch(pipeline: string, refs: readonly NodeRef[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    const leafIndexes = refs.filter((r) => r.level === 0).map((r) => r.index);
    for (const [index, hash] of await this.leaves(pipeline, leafIndexes)) out.set(`0:${index}`, hash);
    const inner = refs.filter((r) => r.level > 0);
    if (inner.length > 0) {
      const { rows } = await this.runner.execute<{ node: number | string; hash: string }>(
        this.k
          .selectFrom('ledger_tree')
          .select(['node', 'hash'])
          .where('pipeline', '=', pipeline)
          .where(
            'node',
            'in',
            inner.map((r) => nodeKey(r)),
          )
          .compile(),
      );
      for (const row of rows) {
        const key = Number(row.node);
        out.set(`${key % 64}:${Math.floor(key / 64)}`, Buffer.from(row.hash, 'hex'));
      }
    }
    return out;
  }

  async head(pipeline: string, size: number): Promise<TreeHead> {
    if (size === 0) return { size, root: new StreamingTree().root() };
    const [root] = await this.rangeHashes(pipeline, size, [[0, size]]);
    return { size, root: root! };
  }

  async inclusion(pipeline: string, seq: number, size: number): Promise<InclusionProof> {
    const index = seq - 1;
    const ranges = inclusionRanges(index, size);
    const [root, ...hashes] = await this.rangeHashes(pipeline, size, [[0, size], ...ranges]);
    const { rows } = await this.runner.execute<{ body: string }>(
      this.k
        .selectFrom('ledger_entries')
        .select('body')
        .where('pipeline', '=', pipeline)
        .where('seq', '=', seq)
        .compile(),
    );
    const body = rows[0]!.body;
    return { size, root: root!, index, body, leaf: leafHash(body), hashes };
  }

  async consistency(pipeline: string, first: number, second: number): Promise<ConsistencyProof> {
    const ranges = consistencyRanges(first, second);
    const [firstRoot, secondRoot, ...hashes] = await this.rangeHashes(pipeline, second, [
      [0, first],
      [0, second],
      ...ranges,
    ]);
    return { first, second, hashes, firstRoot: firstRoot!, secondRoot: secondRoot! };
  }

  /**
   * The tree as the entries' bodies give it, compared node by node with the stored tree: what
   * `ledger verify --since` trusts, since stored nodes could have been edited with the entries.
   */
  async recompute(pipeline: string, at?: number): Promise<RecomputedTree> {
    const stored = new Map<number, string>();
    const { rows } = await this.runner.execute<{ node: number | string; hash: string }>(
      this.k.selectFrom('ledger_tree').select(['node', 'hash']).where('pipeline', '=', pipeline).compile(),
    );
    for (const row of rows) stored.set(Number(row.node), row.hash);
    let mismatch: RecomputedTree['mismatch'];
    let rootAt: Buffer | undefined;
    const tree = new StreamingTree((ref, hash) => {
      const computed = hash.toString('hex');
      const kept = stored.get(nodeKey(ref));
      if (mismatch === undefined && kept !== computed) mismatch = { ref, stored: kept, computed };
    });
    await this.stream(pipeline, undefined, (leaf) => {
      tree.push(leaf);
      if (tree.size === at) rootAt = tree.root();
    });
    return {
      size: tree.size,
      root: tree.root(),
      ...(rootAt ? { rootAt } : {}),
      ...(mismatch ? { mismatch } : {}),
    };
  }
}

const keyOf = (ref: NodeRef) => `${ref.level}:${ref.index}`;
