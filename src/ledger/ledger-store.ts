/**
 * The one storage interface. Two backends (SQLite, PostgreSQL) implement it with the same queries
 * (sql-ledger-store.ts) and differ only in a small capability object (how to take the write lock).
 * The ledger is append-only: promotions, rollbacks, approvals, verifications are entries; the state
 * of a promotion is derived from the entries after it, never updated in place.
 */
import type { Lookalike } from '../artifact/digest.js';
import type { Artifact } from '../contract/types.js';
import type { EvidenceRecord } from '../evidence/evidence.js';
import type { ChainedEntry, EntryKind, NewEntry } from './entry.js';
import type { ChainVerdict } from './hash-chain.js';
import type { PromotionStatus } from './ledger-view.js';
import type { RequestMemory, RequestStore } from './request-store.js';
import type { SessionStore } from './session-store.js';
import type { TokenStore } from './token-store.js';
import type { ConsistencyProof, InclusionProof, RecomputedTree, TreeHead } from './tree-store.js';

export interface LedgerReader {
  getArtifact(pipeline: string, digest: string): Promise<Artifact | undefined>;
  /**
   * Other artifacts of the pipeline whose digest shares `digest`'s short form (`shortDigest`): one
   * index range read of the artifacts table, ordered by digest; usually empty.
   */
  lookalikes(pipeline: string, digest: string): Promise<Lookalike[]>;
  /** Ledger entries of one kind that belong to no stage (registrations, copies), oldest first. */
  unstagedEntries(pipeline: string, kind: EntryKind): Promise<ChainedEntry[]>;
  /**
   * The newest entry of one kind that belongs to no stage (the pipeline's contract in force), one
   * indexed read, verified as every read for a decision is; undefined when there is none.
   */
  latestUnstaged(pipeline: string, kind: EntryKind): Promise<ChainedEntry | undefined>;
  /** Every evidence record for a digest, oldest first. */
  listEvidence(pipeline: string, digest: string): Promise<EvidenceRecord[]>;
  /**
   * The evidence rows of any artifact of the pipeline whose input bytes have digest `source` (the
   * record's `sourceDigest`), by artifact: where one raw report was attested for several digests.
   * Rows as stored, not yet held against the chain.
   */
  evidenceBySource(pipeline: string, source: string): Promise<Array<{ id: string; artifact: string }>>;
  /**
   * Every ledger entry that names `artifact`, oldest first, each verified; stops (LEDGER_CORRUPT)
   * when an entry from the artifact's first to the head is missing, or an anchor of its first entry
   * (the contract in force, the look-alikes registered before it) no longer stands.
   */
  entriesForArtifact(pipeline: string, artifact: string): Promise<ChainedEntry[]>;
  /**
   * {@link entriesForArtifact}, with the artifact's look-alikes ({@link lookalikes}) to read after
   * them: answered from the read the look-alike check already made, when it made one.
   */
  entriesAndLookalikes(
    pipeline: string,
    artifact: string,
  ): Promise<{ entries: ChainedEntry[]; lookalikes: () => Promise<Lookalike[]> }>;
  /**
   * The checks of {@link entriesForArtifact} alone (every entry verified, the gap count, the
   * anchors), for a caller that needs to know the artifact's entries are intact, not the entries.
   */
  assertArtifactEntriesIntact(pipeline: string, artifact: string): Promise<void>;
  /**
   * Ledger entries in a stage, oldest first, optionally only of some kinds; every entry of the
   * stage verified. Counted for gaps from the stage's first entry to the head the read saw (a
   * deleted one stops the read, LEDGER_CORRUPT). `countFrom`, handed the entries of `kinds`, may
   * name a later entry: the one from which on everything the caller decides from lies (the rollback
   * section's oldest possible target), and the count starts there instead.
   */
  entriesForStage(
    pipeline: string,
    stage: string,
    kinds?: readonly EntryKind[],
    options?: { countFrom?(entries: readonly ChainedEntry[]): number | undefined },
  ): Promise<ChainedEntry[]>;
  /**
   * The newest entry of one kind in a stage (one indexed read), or undefined when there is none
   * (after entry `after`, when given). Counted for gaps from it to the head: a newer one deleted
   * stops the read (LEDGER_CORRUPT) rather than let it pass as the newest.
   */
  latestInStage(
    pipeline: string,
    stage: string,
    kind: EntryKind,
    after?: number,
  ): Promise<ChainedEntry | undefined>;
  /**
   * Runs `reads` on a reader of the same store or transaction that counts each entry once for
   * gaps: the reads of one decision or one page, each of which counts from its first entry to the
   * head, then pay for one count over the union of their ranges. Optional: a reader without it
   * counts every read (see {@link readOnce}).
   */
  countOnce?<T>(reads: (reader: LedgerReader) => Promise<T>): Promise<T>;
}

/** `reads` in one gap-counting scope of `reader` when it has one ({@link LedgerReader.countOnce}). */
export function readOnce<T>(reader: LedgerReader, reads: (reader: LedgerReader) => Promise<T>): Promise<T> {
  return reader.countOnce ? reader.countOnce(reads) : reads(reader);
}

/** A row of the index: a stage's current digest and its promotion's status. */
export interface IndexedStage {
  pipeline: string;
  stage: string;
  digest: string;
  seq: number;
  /** Null when the rows it is derived from could not be read (a damaged ledger). */
  status: PromotionStatus | null;
  rolledBack: boolean;
}

/** A pipeline with a contract recorded in the ledger, and the digest of the one in force. */
export interface IndexedPipeline {
  pipeline: string;
  /** `sha256:` of the contract its latest contract entry pins; null if that entry names none. */
  contract: string | null;
}

/** The dashboard's listing index (src/ledger/overview-index.ts). */
export interface OverviewIndex {
  /**
   * Every row, and the pipelines with a recorded contract (with its digest), sorted by name; the index is rebuilt
   * first when it is not built (a ledger from before it). A few thousand rows for 500 pipelines.
   */
  read(): Promise<{ pipelines: IndexedPipeline[]; stages: IndexedStage[] }>;
  /** Recomputes one pipeline's rows from its verified entries, under its write lock. */
  rebuild(pipeline: string): Promise<void>;
}

export interface LedgerTransaction extends LedgerReader {
  insertArtifact(pipeline: string, artifact: Artifact, actor: string): Promise<void>;
  /** Inserts records not already stored (same id = same fact); returns the ones inserted. */
  insertEvidence(pipeline: string, records: readonly EvidenceRecord[]): Promise<EvidenceRecord[]>;
  append(pipeline: string, entry: NewEntry): Promise<ChainedEntry>;
  /**
   * RFC 9162 inclusion proof of entry `seq` in the tree of the first `size` entries, read in this
   * transaction: after an append, the proof of the new entry in the tree it completes.
   */
  inclusionProof(pipeline: string, seq: number, size: number): Promise<InclusionProof>;
  /** Keyed writes of a server's callers, remembered in the same transaction (src/ledger/request-store.ts). */
  readonly requests: RequestMemory;
}

export interface LedgerStore extends LedgerReader {
  readonly backend: 'sqlite' | 'postgres';
  /** Where the data lives, for messages (a file path, or the URL without its password). */
  readonly location: string;
  /**
   * Runs `work` in one transaction holding the pipeline's write lock. The lock is the database's
   * (SQLite `BEGIN IMMEDIATE`, a PostgreSQL advisory transaction lock), never process memory, so
   * any number of processes and server replicas append in a single order.
   */
  write<T>(pipeline: string, work: (tx: LedgerTransaction) => Promise<T>): Promise<T>;
  /** Pipelines that have entries. */
  pipelines(): Promise<string[]>;
  /** Recomputes one pipeline's hash chain. */
  verify(pipeline: string): Promise<ChainVerdict>;
  /** A server's API tokens, kept in the same database (src/ledger/token-store.ts). */
  readonly tokens: TokenStore;
  /** A server's sessions of signed-in people (src/ledger/session-store.ts). */
  readonly sessions: SessionStore;
  /** A server's keyed writes and the answers sent (src/ledger/request-store.ts). */
  readonly requests: RequestStore;
  /**
   * The dashboard's listing index (src/ledger/overview-index.ts): each stage's current digest and
   * status, kept with every append; for listing and filtering only, never for a decision.
   */
  readonly overview: OverviewIndex;
  /**
   * The result of `load` (reads of this store, verified as every read is), kept and answered again
   * while the database is unchanged: when no row changed since, reading and verifying the same rows
   * would give the same result. Any change, by any process, forgets everything kept; a backend that
   * cannot tell (PostgreSQL) runs `load` every time. The result is frozen and shared: callers must
   * not change it. `key` names the read and everything it depends on besides the database.
   * See src/ledger/read-memo.ts.
   */
  whileUnchanged<T>(key: readonly unknown[], load: () => Promise<T>): Promise<T>;
  /**
   * What {@link whileUnchanged} keeps for `key`, when the database says without waiting that
   * nothing changed since it was kept (the same rule, asked the same way); undefined when nothing
   * is kept for it, something changed, a write of this store is under way, or the backend keeps
   * nothing (PostgreSQL). Then ask {@link whileUnchanged}. A server answers its hottest read
   * from it without a turn of the event loop; optional, so a store of your own need not have it.
   */
  keptNow?<T>(key: readonly unknown[]): { value: T } | undefined;
  /**
   * Opens a batch of reads that ends with this turn of the event loop: until then, whether another
   * process committed is asked once, not before every {@link whileUnchanged} read (this store's
   * own writes still show at the next read). A socket server calls it as each request arrives, so
   * the requests that arrived together are answered from one look at the database, taken after
   * they arrived; nobody else needs it. Does nothing where nothing is kept (PostgreSQL); optional, so
   * a store of your own need not have it.
   */
  batchReads?(): void;
  /** The sequence number of the pipeline's last entry (0 when it has none). */
  head(pipeline: string): Promise<number>;
  /** The Merkle tree over the pipeline's first `size` entries (default: all of them). */
  treeHead(pipeline: string, size?: number): Promise<TreeHead>;
  /** RFC 9162 inclusion proof of entry `seq` in the tree of `size` entries (default: all). */
  inclusionProof(pipeline: string, seq: number, size?: number): Promise<InclusionProof>;
  /** RFC 9162 consistency proof from the tree of `first` entries to that of `second` (default: all). */
  consistencyProof(pipeline: string, first: number, second?: number): Promise<ConsistencyProof>;
  /** The tree recomputed from the entries' bodies, compared with the stored nodes. */
  recomputeTree(pipeline: string, at?: number): Promise<RecomputedTree>;
  /** Up to `limit` entries after `seq`, oldest first (live events). */
  entriesAfter(pipeline: string, seq: number, limit: number): Promise<ChainedEntry[]>;
  /** Up to `limit` entries before `seq`, newest first (a page of the dashboard's timeline). */
  entriesBefore(pipeline: string, seq: number, limit: number): Promise<ChainedEntry[]>;
  close(): Promise<void>;
}
