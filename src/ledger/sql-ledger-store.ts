/**
 * LedgerStore over Kysely: the queries are written once here for both dialects.
 */
import { type CompiledQuery, type Kysely, Migrator, sql } from 'kysely';
import { type Lookalike, shortPrefixRange } from '../artifact/digest.js';
import type { Artifact } from '../contract/types.js';
import { TollgateError } from '../errors.js';
import type { EvidenceRecord, EvidenceSigner } from '../evidence/evidence.js';
import { type ChainedEntry, CLOCK_TOLERANCE_MS, ENTRY, isEntryKind, type NewEntry } from './entry.js';
import { checkEvidence, type EvidenceProblem } from './evidence-chain.js';
import { GroupCommit } from './group-commit.js';
import {
  type ChainVerdict,
  canonicalJson,
  chainEntry,
  GENESIS_HASH,
  joinSlices,
  rowProblem,
  type SliceVerdict,
  type StoredRow,
  verifyRows,
  withSeam,
} from './hash-chain.js';
import type { LedgerReader, LedgerStore, LedgerTransaction, OverviewIndex } from './ledger-store.js';
import { registeredArtifact } from './ledger-view.js';
import { nodeKey } from './merkle.js';
import { indexEntry, overviewQueries, sqlOverviewIndex } from './overview-index.js';
import { type Prepared, prepare, type SqlRunner } from './prepared-query.js';
import { ReadMemo } from './read-memo.js';
import { type RequestStore, requestMemory, sqlRequestQueries, sqlRequestStore } from './request-store.js';
import { type Database, type LedgerEntryTable, migrationProvider } from './schema.js';
import { type SessionStore, sqlSessionStore } from './session-store.js';
import { definitionChanged, ledgerDefinitionProblem } from './table-definition.js';
import { sqlTokenStore, type TokenStore } from './token-store.js';
import {
  type ConsistencyProof,
  type InclusionProof,
  type RecomputedTree,
  type TreeHead,
  TreeStore,
  treeQueries,
} from './tree-store.js';

/** What differs between databases, kept small. */
export interface DialectCapabilities {
  backend: 'sqlite' | 'postgres';
  /** Runs queries outside a write transaction. */
  runner: SqlRunner;
  /**
   * Runs `work` in one transaction holding the pipeline's write lock, taken by the database
   * (never by process memory); commits when it resolves, rolls back when it throws.
   */
  write<T>(pipeline: string, work: (runner: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * The schema the migration bookkeeping tables live in. Kysely looks for them in every schema
   * unless told, so on a PostgreSQL shared by several Tollgate schemas it would find another's.
   */
  migrationSchema?: string;
  /**
   * Verifies a slice of the chain (the compiled `chainSlice` query, starting at entry `from`)
   * somewhere other than this thread, so `verify` can split a long chain; absent where that is
   * not possible (PostgreSQL, an in-memory SQLite, running from source).
   */
  verifyElsewhere?(query: CompiledQuery, pipeline: string, from: number): Promise<SliceVerdict>;
  /**
   * A value that differs whenever any row of the database may have changed since it was last
   * asked (by this connection or any other); absent where the database cannot tell cheaply.
   * Verified reads are kept while it stays the same (src/ledger/read-memo.ts).
   */
  changeStamp?(): string | Promise<string>;
  /** See {@link LedgerStore.batchReads}; absent where there is no change stamp to share. */
  batchReads?(): void;
  /**
   * A number that moves whenever another connection (another process, `sqlite3` on the file, a
   * tamperer) commits, asked at once, also inside this connection's write transaction; absent
   * where the database cannot tell (PostgreSQL). Ranges found without a gap are kept while it
   * stays the same ({@link ContiguousRanges}).
   */
  othersVersion?(): number;
}

/**
 * Keeps one interval per pipeline: [from, to] merged into the kept one when they touch or
 * overlap, or in its place when they lie apart (the newest range is the one the next read extends).
 */
function mergeInterval(
  intervals: Map<string, { from: number; to: number }>,
  pipeline: string,
  from: number,
  to: number,
): void {
  const kept = intervals.get(pipeline);
  if (kept === undefined || to < kept.from - 1 || from > kept.to + 1) intervals.set(pipeline, { from, to });
  else intervals.set(pipeline, { from: Math.min(from, kept.from), to: Math.max(to, kept.to) });
}

/**
 * Per pipeline, a range of entries already counted without a gap, kept while no other connection
 * committed. Tollgate never deletes a ledger entry, so entries counted present stay present while
 * only this connection writes: its own writes are appends past the head, and a write that fails
 * (its transaction or its savepoint rolled back, which may take entries counted inside it) forgets
 * every range. A decision then counts only the entries appended since the last one, not the whole
 * range from its artifact's first entry to the head again (O(appends), not O(ledger)).
 */
class ContiguousRanges {
  private version: number | undefined;
  private readonly ranges = new Map<string, { from: number; to: number }>();

  constructor(private readonly othersVersion: () => number) {}

  /** The range of `pipeline` known without a gap now; everything is forgotten when another connection committed. */
  get(pipeline: string): { from: number; to: number } | undefined {
    const version = this.othersVersion();
    if (version !== this.version) {
      this.ranges.clear();
      this.version = version;
    }
    return this.ranges.get(pipeline);
  }

  /** [from, to] of `pipeline` was found without a gap (at the version {@link get} last saw). */
  add(pipeline: string, from: number, to: number): void {
    mergeInterval(this.ranges, pipeline, from, to);
  }

  forget(): void {
    this.ranges.clear();
    this.version = undefined;
  }
}

/** Chains at least this long are verified in two halves at once when the dialect can. */
export const SPLIT_VERIFY_MIN_ENTRIES = 20_000;

/**
 * A JSON object stored by Tollgate, read back. Text that does not parse, or is not an object, was
 * changed behind Tollgate's back: LEDGER_CORRUPT naming what, instead of a crash deep in a command.
 */
function parseStored<T extends object>(text: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw damaged(what);
  }
  if (value === null || typeof value !== 'object') throw damaged(what);
  return value as T;
}

function damaged(what: string): TollgateError {
  return new TollgateError(
    'LEDGER_CORRUPT',
    `${what} is damaged: it no longer holds what Tollgate wrote; run \`tollgate ledger verify\` to find the first damaged entry`,
  );
}

/**
 * The payload key under which an artifact's first entry records the contract entry in force when
 * it was written: `{ seq, hash }`, or null while the pipeline had none.
 */
export const CONTRACT_ANCHOR = 'contractInForce';

/**
 * The payload key under which every entry records the number of the contract entry in force when
 * it was written (null while the pipeline had none).
 */
export const CONTRACT_ENTRY = 'contractEntry';

/**
 * The payload key under which an artifact's first entry lists the digests of the look-alikes
 * (same short digest) registered before it, when there are any.
 */
export const LOOKALIKE_ANCHOR = 'lookalikesKnown';

/** The look-alikes `first` names; a malformed value inside a verified body: LEDGER_CORRUPT. */
function lookalikeAnchorOf(first: ChainedEntry): string[] {
  const value = first.payload[LOOKALIKE_ANCHOR];
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((digest) => typeof digest === 'string')) return value as string[];
  throw entryBroken(
    first.pipeline,
    first.seq,
    `its ${LOOKALIKE_ANCHOR} is ${JSON.stringify(value)}, not a list of digests (the entry was not written by Tollgate)`,
  );
}

/** The contract entry an artifact's first entry names. */
interface ContractAnchor {
  seq: number;
  hash: string;
}

/**
 * The contract entry `first` names, or null when it names none (nothing was pinned, or it was
 * written before entries named one). A malformed value inside a verified body was not written by
 * Tollgate: LEDGER_CORRUPT.
 */
function contractAnchorOf(first: ChainedEntry): ContractAnchor | null {
  const value = first.payload[CONTRACT_ANCHOR];
  if (value === undefined || value === null) return null;
  const { seq, hash } = value as Partial<ContractAnchor>;
  if (
    Number.isInteger(seq) &&
    (seq as number) >= 1 &&
    (seq as number) < first.seq &&
    typeof hash === 'string'
  )
    return { seq: seq as number, hash };
  throw entryBroken(
    first.pipeline,
    first.seq,
    `its ${CONTRACT_ANCHOR} is ${JSON.stringify(value)}, not the number and hash of an earlier contract entry (the entry was not written by Tollgate)`,
  );
}

/** A ledger row read for use, with what its neighbours say about it (see `linkedEntries`). */
interface LinkedEntryRow extends LedgerEntryTable {
  /** The hash of entry seq − 1, or null when there is none. */
  before_hash: string | null;
  /** The previous-hash entry seq + 1 names, or null when there is none (yet). */
  after_prev: string | null;
  /** The pipeline's newest entry number: an entry before it always has a successor. */
  head_seq: number | string | null;
}

function toEntry(row: LedgerEntryTable): ChainedEntry {
  const what = `ledger entry #${row.seq} of pipeline ${row.pipeline}`;
  const body = parseStored<{ payload?: unknown }>(row.body, what);
  if (body.payload === null || typeof body.payload !== 'object') throw damaged(what);
  // A kind this version never writes (a rewritten chain, or a newer Tollgate's ledger) is not
  // something a decision can read: stop rather than ignore it.
  if (!isEntryKind(row.kind))
    throw new TollgateError(
      'LEDGER_CORRUPT',
      `${what} is of kind "${row.kind}", which this version of Tollgate does not write; expected one of ${Object.values(ENTRY).join(', ')}`,
    );
  return {
    pipeline: row.pipeline,
    seq: Number(row.seq),
    kind: row.kind,
    stage: row.stage,
    artifact: row.artifact,
    actor: row.actor,
    at: row.at,
    payload: body.payload as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
    body: row.body,
  };
}

function toEvidenceRecord(row: Database['evidence']): EvidenceRecord {
  return {
    id: row.id,
    artifact: row.artifact,
    stage: row.stage,
    format: row.format,
    sourceDigest: row.source_digest,
    signer: row.signer === null ? null : parseStored<EvidenceSigner>(row.signer, `evidence ${row.id}`),
    actor: row.actor,
    recordedAt: row.recorded_at,
    data: parseStored(row.data, `evidence ${row.id}`),
    // The stored text, which the id is checked against (src/ledger/evidence-chain.ts).
    dataJson: row.data,
  };
}

/**
 * An entry read for use, verified first: its body hashes to its hash, its columns say what its
 * body says, it links to the entry before it, and the entry after it (if any) links to it. So an
 * edited row, a column edited behind an intact body, or a single entry rewritten with a fresh hash
 * stops the command (exit 4) before anything acts on it. Rewriting every entry from one onwards is
 * what only a checkpoint can show (docs/ledger.md).
 */
function toVerifiedEntry(row: LinkedEntryRow): ChainedEntry {
  const problem = linkProblem(row);
  if (problem !== undefined) throw entryBroken(row.pipeline, Number(row.seq), problem);
  return toEntry(row);
}

function linkProblem(row: LinkedEntryRow): string | undefined {
  const seq = Number(row.seq);
  const own = rowProblem(row.pipeline, [
    seq,
    row.kind,
    row.stage,
    row.artifact,
    row.actor,
    row.at,
    row.prev_hash,
    row.hash,
    row.body,
  ]);
  if (own !== undefined) return own;
  const before = seq === 1 ? GENESIS_HASH : row.before_hash;
  if (before === null) return `entry #${seq - 1} before it is missing (an entry was removed)`;
  if (row.prev_hash !== before)
    return `its previous-hash ${row.prev_hash} does not match entry #${seq - 1}'s hash ${before}`;
  if (row.after_prev !== null && row.after_prev !== row.hash)
    return `entry #${seq + 1} names ${row.after_prev} as its previous hash, but this entry's hash is ${row.hash} (the entry was rewritten)`;
  // No successor although newer entries exist: the one right after it was removed (a rejection or
  // a failed verification deleted so that a decision reading this entry would not see it).
  if (row.after_prev === null && row.head_seq !== null && Number(row.head_seq) > seq)
    return `entry #${seq + 1} after it is missing, though the ledger goes on to #${Number(row.head_seq)} (an entry was removed)`;
  return undefined;
}

/**
 * A catalogue object dropped under the migrator's scan by another client: PostgreSQL's
 * invalid_schema_name (3F000), undefined_table (42P01, from pg_get_serial_sequence on a table just
 * dropped) or a catalogue cache miss (XX000 "cache lookup failed").
 */
function droppedUnderScan(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code === '3F000' || code === '42P01') return true;
  return code === 'XX000' && typeof message === 'string' && message.startsWith('cache lookup failed');
}

/** LEDGER_CORRUPT (exit 4) naming the entry that failed verification and why. */
export function entryBroken(pipeline: string, seq: number, reason: string): TollgateError {
  return new TollgateError(
    'LEDGER_CORRUPT',
    `ledger entry #${seq} of pipeline ${pipeline} fails verification: ${reason}; nothing was decided or recorded; run \`tollgate ledger verify\``,
  );
}

/**
 * The stored tree node that would hold entry `head + 1`: the level-1 node over entries
 * 2i + 1 and 2i + 2, i = ⌊head / 2⌋. Nodes are written in the transaction that appends the entry
 * completing them, so a ledger ending at `head` has no such node unless it once went on past
 * `head`: entries were cut off its end (a rejection, a rollback or a failed verification at the
 * head deleted), which the chain alone cannot show. It finds every cut but one: a single entry at
 * an odd number, which no node covers alone until the next entry completes it.
 */
function pastHeadNode(head: number): number {
  return nodeKey({ level: 1, index: Math.floor(head / 2) });
}

/** Why a ledger ending at `head` whose stored tree holds {@link pastHeadNode} was cut. */
function cutReason(head: number): string {
  const first = 2 * Math.floor(head / 2) + 1;
  return `the ledger ends at entry #${head}, but the stored Merkle tree holds entry #${head + 1} (its node over entries #${first} and #${first + 1}, written when they were appended): entries were cut off the end of the ledger`;
}

/** LEDGER_CORRUPT: the stored tree holds entry `head + 1`, which the ledger no longer has. */
function cutOffTheEnd(pipeline: string, head: number): TollgateError {
  return new TollgateError(
    'LEDGER_CORRUPT',
    `pipeline ${pipeline}: ${cutReason(head)}; nothing was decided or recorded; run \`tollgate ledger verify\``,
  );
}

/**
 * Ledger rows with their neighbours' links: the hash of the entry before each one and the
 * previous-hash of the entry after it, both found by primary key in the same query.
 */
function linkedEntries(k: Kysely<Database>) {
  return k
    .selectFrom('ledger_entries as e')
    .leftJoin('ledger_entries as b', (j) =>
      j.onRef('b.pipeline', '=', 'e.pipeline').on(sql<boolean>`b.seq = e.seq - 1`),
    )
    .leftJoin('ledger_entries as n', (j) =>
      j.onRef('n.pipeline', '=', 'e.pipeline').on(sql<boolean>`n.seq = e.seq + 1`),
    )
    .selectAll('e')
    .select(['b.hash as before_hash', 'n.prev_hash as after_prev'])
    .select(
      sql<number>`(select max(h.seq) from ledger_entries h where h.pipeline = e.pipeline)`.as('head_seq'),
    );
}

/**
 * The queries, written once for both dialects and compiled once per store. The builder is a
 * Kysely instance of the store's dialect; execution goes to whichever connection is current (the
 * store's pool, or the connection holding the write transaction).
 */
function buildQueries(k: Kysely<Database>) {
  return {
    artifact: prepare(['pipeline', 'digest'], (p) =>
      k.selectFrom('artifacts').selectAll().where('pipeline', '=', p.pipeline).where('digest', '=', p.digest),
    ),
    // The register entries of the digests sharing a short digest: a range of the ledger_artifact
    // index (pipeline, artifact, seq), read from the hash chain rather than the artifacts table.
    lookalikes: prepare(['pipeline', 'low', 'high'], (p) =>
      linkedEntries(k)
        .where('e.pipeline', '=', p.pipeline)
        .where('e.artifact', '>=', p.low)
        .where('e.artifact', '<', p.high)
        .where('e.kind', '=', ENTRY.register)
        .orderBy('e.seq'),
    ),
    // The same range at append time, digests only: what a new artifact's first entry records.
    lookalikeDigests: prepare(['pipeline', 'low', 'high'], (p) =>
      k
        .selectFrom('ledger_entries')
        .select('artifact')
        .distinct()
        .where('pipeline', '=', p.pipeline)
        .where('artifact', '>=', p.low)
        .where('artifact', '<', p.high)
        .where('kind', '=', ENTRY.register),
    ),
    // The digest's first register entry: the hash-chained record of its registration.
    registration: prepare(['pipeline', 'digest'], (p) =>
      linkedEntries(k)
        .where('e.pipeline', '=', p.pipeline)
        .where('e.artifact', '=', p.digest)
        .where('e.kind', '=', ENTRY.register)
        .orderBy('e.seq')
        .limit(sql.lit(1)),
    ),
    registerEntries: prepare(['pipeline'], (p) =>
      k
        .selectFrom('ledger_entries')
        .selectAll()
        .where('pipeline', '=', p.pipeline)
        .where('kind', '=', ENTRY.register)
        .orderBy('seq'),
    ),
    allArtifacts: prepare(['pipeline'], (p) =>
      k.selectFrom('artifacts').selectAll().where('pipeline', '=', p.pipeline).orderBy('digest'),
    ),
    unstagedEntries: prepare(['pipeline', 'kind'], (p) =>
      linkedEntries(k)
        .where('e.pipeline', '=', p.pipeline)
        .where('e.stage', 'is', null)
        .where('e.kind', '=', p.kind)
        .orderBy('e.seq'),
    ),
    latestUnstaged: prepare(['pipeline', 'kind'], (p) =>
      linkedEntries(k)
        .where('e.pipeline', '=', p.pipeline)
        .where('e.stage', 'is', null)
        .where('e.kind', '=', p.kind)
        .orderBy('e.seq', 'desc')
        .limit(sql.lit(1)),
    ),
    evidence: prepare(['pipeline', 'artifact'], (p) =>
      k
        .selectFrom('evidence')
        .selectAll()
        .where('pipeline', '=', p.pipeline)
        .where('artifact', '=', p.artifact)
        .orderBy('recorded_at')
        .orderBy('id'),
    ),
    // Served by evidence_source (migration 0009).
    evidenceBySource: prepare(['pipeline', 'source'], (p) =>
      k
        .selectFrom('evidence')
        .select(['id', 'artifact'])
        .where('pipeline', '=', p.pipeline)
        .where('source_digest', '=', p.source)
        .orderBy('artifact')
        .orderBy('id'),
    ),
    entriesForArtifact: prepare(['pipeline', 'artifact'], (p) =>
      linkedEntries(k)
        .where('e.pipeline', '=', p.pipeline)
        .where('e.artifact', '=', p.artifact)
        .orderBy('e.seq'),
    ),
    // How many entries lie in [from, to]: with no gap, to − from + 1. The primary key's range.
    // `past`: whether the stored tree holds node `past` (the level-1 node past the head, see
    // `pastHeadNode`; -1, which no node is, when the range does not end at the head).
    entriesBetween: prepare(['pipeline', 'from', 'to', 'past'], (p) =>
      k
        .selectFrom('ledger_entries')
        .select(sql<number | string>`count(*)`.as('n'))
        .select((eb) =>
          eb
            .selectFrom('ledger_tree')
            .select(sql<number | string>`count(*)`.as('n'))
            .where('pipeline', '=', p.pipeline)
            .where('node', '=', p.past as unknown as number)
            .as('past'),
        )
        .where('pipeline', '=', p.pipeline)
        .where('seq', '>=', p.from as unknown as number)
        .where('seq', '<=', p.to as unknown as number),
    ),
    // Whether the stored tree holds one node: the level-1 node past an empty ledger's head.
    treeNode: prepare(['pipeline', 'node'], (p) =>
      k
        .selectFrom('ledger_tree')
        .select(sql<number | string>`count(*)`.as('n'))
        .where('pipeline', '=', p.pipeline)
        .where('node', '=', p.node as unknown as number),
    ),
    // The first entry in [from, to) whose successor is missing: where a gap begins.
    firstGap: prepare(['pipeline', 'from', 'to'], (p) =>
      k
        .selectFrom('ledger_entries as c')
        .leftJoin('ledger_entries as n', (j) =>
          j.onRef('n.pipeline', '=', 'c.pipeline').on(sql<boolean>`n.seq = c.seq + 1`),
        )
        .select('c.seq')
        .where('c.pipeline', '=', p.pipeline)
        .where('c.seq', '>=', p.from as unknown as number)
        .where('c.seq', '<', p.to as unknown as number)
        .where('n.seq', 'is', null)
        .orderBy('c.seq')
        .limit(sql.lit(1)),
    ),
    // Whether the artifact has an entry yet: one probe of ledger_artifact.
    artifactSeen: prepare(['pipeline', 'artifact'], (p) =>
      k
        .selectFrom('ledger_entries')
        .select('seq')
        .where('pipeline', '=', p.pipeline)
        .where('artifact', '=', p.artifact)
        .limit(sql.lit(1)),
    ),
    // The contract entry in force, as an artifact's first entry records it: one probe of ledger_stage.
    latestContract: prepare(['pipeline'], (p) =>
      k
        .selectFrom('ledger_entries')
        .select(['seq', 'hash'])
        .where('pipeline', '=', p.pipeline)
        .where('stage', 'is', null)
        .where('kind', '=', ENTRY.contract)
        .orderBy('seq', 'desc')
        .limit(sql.lit(1)),
    ),
    // One entry by primary key: the contract entry an artifact's first entry names.
    entryAt: prepare(['pipeline', 'seq'], (p) =>
      k
        .selectFrom('ledger_entries')
        .select(['kind', 'hash'])
        .where('pipeline', '=', p.pipeline)
        .where('seq', '=', p.seq as unknown as number),
    ),
    entriesForStage: prepare(['pipeline', 'stage'], (p) =>
      linkedEntries(k).where('e.pipeline', '=', p.pipeline).where('e.stage', '=', p.stage).orderBy('e.seq'),
    ),
    // The head as `append` reads it: the whole row, checked before anything is chained to it.
    // With `past`: whether the stored tree holds the level-1 node past it (`pastHeadNode`, in SQL:
    // integer division on both databases).
    headEntry: prepare(['pipeline'], (p) =>
      linkedEntries(k)
        .select(
          sql<
            number | string
          >`(select count(*) from ledger_tree t where t.pipeline = e.pipeline and t.node = (e.seq / 2) * 64 + 1)`.as(
            'past',
          ),
        )
        .where('e.pipeline', '=', p.pipeline)
        .orderBy('e.seq', 'desc')
        .limit(sql.lit(1)),
    ),
    latestInStage: prepare(['pipeline', 'stage', 'kind', 'after'], (p) =>
      linkedEntries(k)
        .where('e.pipeline', '=', p.pipeline)
        .where('e.stage', '=', p.stage)
        .where('e.kind', '=', p.kind)
        .where('e.seq', '>', p.after as unknown as number)
        .orderBy('e.seq', 'desc')
        .limit(sql.lit(1)),
    ),
    head: prepare(['pipeline'], (p) =>
      k
        .selectFrom('ledger_entries')
        .select(['seq', 'hash'])
        .where('pipeline', '=', p.pipeline)
        .orderBy('seq', 'desc')
        // A literal: SQLite runs `limit ?` more than twice as slowly, and this is on every append.
        .limit(sql.lit(1)),
    ),
    insertArtifact: prepare(['pipeline', 'digest', 'labels', 'source', 'registered_at', 'actor'], (p) =>
      k.insertInto('artifacts').values(p),
    ),
    insertEvidence: prepare(
      [
        'pipeline',
        'id',
        'artifact',
        'kind',
        'format',
        'stage',
        'source_digest',
        'signer',
        'actor',
        'recorded_at',
        'data',
      ],
      (p) =>
        k
          .insertInto('evidence')
          .values(p)
          .onConflict((c) => c.columns(['pipeline', 'id']).doNothing()),
    ),
    // The other columns are computed by the database from the body (src/ledger/schema.ts, 0010).
    insertEntry: prepare(['prev_hash', 'hash', 'body'], (p) =>
      k.insertInto('ledger_entries').values(p as unknown as LedgerEntryTable),
    ),
    // Both select the columns in the order `StoredRow` names them.
    chain: prepare(['pipeline'], (p) =>
      k
        .selectFrom('ledger_entries')
        .select(['seq', 'kind', 'stage', 'artifact', 'actor', 'at', 'prev_hash', 'hash', 'body'])
        .where('pipeline', '=', p.pipeline)
        .orderBy('seq'),
    ),
    entriesAfter: prepare(['pipeline', 'after', 'limit'], (p) =>
      linkedEntries(k)
        .where('e.pipeline', '=', p.pipeline)
        .where('e.seq', '>', p.after as unknown as number)
        .orderBy('e.seq')
        .limit(p.limit as unknown as number),
    ),
    // Newest first, by primary key: a page of the pipeline's timeline (the dashboard) reads only
    // the rows it shows, however long the ledger.
    entriesBefore: prepare(['pipeline', 'before', 'limit'], (p) =>
      linkedEntries(k)
        .where('e.pipeline', '=', p.pipeline)
        .where('e.seq', '<', p.before as unknown as number)
        .orderBy('e.seq', 'desc')
        .limit(p.limit as unknown as number),
    ),
    requests: sqlRequestQueries(k),
    tree: treeQueries(k),
    overview: overviewQueries(k),
    evidenceEntries: prepare(['pipeline'], (p) =>
      k
        .selectFrom('ledger_entries')
        .selectAll()
        .where('pipeline', '=', p.pipeline)
        .where('kind', 'in', [ENTRY.attest, ENTRY.verification])
        .orderBy('seq'),
    ),
    allEvidence: prepare(['pipeline'], (p) =>
      k
        .selectFrom('evidence')
        .selectAll()
        .where('pipeline', '=', p.pipeline)
        .orderBy('recorded_at')
        .orderBy('id'),
    ),
    chainSlice: prepare(['pipeline', 'from', 'to'], (p) =>
      k
        .selectFrom('ledger_entries')
        .select(['seq', 'kind', 'stage', 'artifact', 'actor', 'at', 'prev_hash', 'hash', 'body'])
        .where('pipeline', '=', p.pipeline)
        .where('seq', '>=', p.from as unknown as number)
        .where('seq', '<=', p.to as unknown as number)
        .orderBy('seq'),
    ),
  };
}

type Queries = ReturnType<typeof buildQueries>;

class SqlReader implements LedgerReader {
  /** In a read scope ({@link countOnce}): per pipeline, the range of entries found contiguous. */
  protected counted?: Map<string, { from: number; to: number }>;

  constructor(
    protected readonly runner: SqlRunner,
    protected readonly q: Queries,
    /** Ranges counted without a gap by earlier reads of this store (SQLite only). */
    protected readonly contiguous?: ContiguousRanges,
  ) {}

  protected async rows<R>(query: Prepared<string>, values: Record<string, unknown>): Promise<R[]> {
    return (await this.runner.execute<R>(query(values))).rows;
  }

  /**
   * Read from the look-alikes' verified register entries, not the artifacts table the chain does
   * not cover: deleting a look-alike's artifacts row cannot hide it from an approver. Deleting its
   * register entry is seen by the gap count (when it lies after the artifact's first entry) or by
   * {@link LOOKALIKE_ANCHOR} (when before): see `entriesForArtifact`.
   */
  async lookalikes(pipeline: string, digest: string): Promise<Lookalike[]> {
    const rows = await this.rows<LinkedEntryRow>(this.q.lookalikes, {
      pipeline,
      ...shortPrefixRange(digest),
    });
    const found = new Map<string, Lookalike>();
    for (const entry of rows.map(toVerifiedEntry)) {
      if (entry.artifact === null || entry.artifact === digest || found.has(entry.artifact)) continue;
      found.set(entry.artifact, {
        digest: entry.artifact,
        registeredBy: entry.actor,
        registeredAt: entry.at,
      });
    }
    return [...found.values()].sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  }

  /**
   * The artifact as its verified register entry recorded it. The artifacts row beside it is only
   * an index: a row with no register entry was inserted behind Tollgate's back (or its entry was
   * hidden by an edited column), and nothing may be decided on it, so it stops the read.
   */
  async getArtifact(pipeline: string, digest: string): Promise<Artifact | undefined> {
    const [entry] = await this.rows<LinkedEntryRow>(this.q.registration, { pipeline, digest });
    if (entry) {
      const registered = registeredArtifact([toVerifiedEntry(entry)]);
      if (registered) return registered;
      throw entryBroken(
        pipeline,
        Number(entry.seq),
        'its register payload has no labels and source (the entry was not written by Tollgate)',
      );
    }
    const [row] = await this.rows<Database['artifacts']>(this.q.artifact, { pipeline, digest });
    if (row === undefined) return undefined;
    throw new TollgateError(
      'LEDGER_CORRUPT',
      `the artifacts row of ${digest} in pipeline ${pipeline} has no register entry in the ledger (the row was inserted, or its entry removed or edited, behind Tollgate's back); nothing was decided or recorded; run \`tollgate ledger verify\``,
    );
  }

  async listEvidence(pipeline: string, digest: string): Promise<EvidenceRecord[]> {
    const rows = await this.rows<Database['evidence']>(this.q.evidence, { pipeline, artifact: digest });
    return rows.map(toEvidenceRecord);
  }

  async evidenceBySource(pipeline: string, source: string): Promise<Array<{ id: string; artifact: string }>> {
    return this.rows<{ id: string; artifact: string }>(this.q.evidenceBySource, { pipeline, source });
  }

  async unstagedEntries(pipeline: string, kind: string): Promise<ChainedEntry[]> {
    return (await this.rows<LinkedEntryRow>(this.q.unstagedEntries, { pipeline, kind })).map(toVerifiedEntry);
  }

  async latestUnstaged(pipeline: string, kind: string): Promise<ChainedEntry | undefined> {
    const [row] = await this.rows<LinkedEntryRow>(this.q.latestUnstaged, { pipeline, kind });
    return row && toVerifiedEntry(row);
  }

  async entriesForArtifact(pipeline: string, artifact: string): Promise<ChainedEntry[]> {
    return (await this.checkedArtifactEntries(pipeline, artifact)).entries;
  }

  async entriesAndLookalikes(
    pipeline: string,
    artifact: string,
  ): Promise<{ entries: ChainedEntry[]; lookalikes: () => Promise<Lookalike[]> }> {
    const { entries, lookalikes } = await this.checkedArtifactEntries(pipeline, artifact);
    return {
      entries,
      lookalikes: async () => lookalikes ?? (await this.lookalikes(pipeline, artifact)),
    };
  }

  async assertArtifactEntriesIntact(pipeline: string, artifact: string): Promise<void> {
    await this.checkedArtifactEntries(pipeline, artifact);
  }

  /**
   * The artifact's entries, each verified, once the gap count and the anchors of its first entry
   * stand; with the look-alikes when the look-alike check had to read them (else undefined).
   */
  private async checkedArtifactEntries(
    pipeline: string,
    artifact: string,
  ): Promise<{ entries: ChainedEntry[]; lookalikes: Lookalike[] | undefined }> {
    const rows = await this.rows<LinkedEntryRow>(this.q.entriesForArtifact, { pipeline, artifact });
    const entries = rows.map(toVerifiedEntry);
    await this.assertNoGapSince(pipeline, rows[0]);
    if (entries[0] === undefined) return { entries, lookalikes: undefined };
    await this.assertContractAnchorStands(entries[0]);
    return { entries, lookalikes: await this.assertLookalikesStand(entries[0]) };
  }

  /**
   * Every look-alike registered before the artifact's first entry is named in it
   * ({@link LOOKALIKE_ANCHOR}) and must still have its register entry: deleting it (with its
   * artifacts row) would let an approval skip confirming it, and the gap count starts after it.
   * One index range read, only for an artifact that had look-alikes when first recorded; the
   * look-alikes it read are returned (undefined when it read none), so a decision reads them once.
   */
  private async assertLookalikesStand(first: ChainedEntry): Promise<Lookalike[] | undefined> {
    const named = lookalikeAnchorOf(first);
    if (named.length === 0 || first.artifact === null) return undefined;
    const lookalikes = await this.lookalikes(first.pipeline, first.artifact);
    const present = new Set(lookalikes.map((l) => l.digest));
    const missing = named.filter((digest) => !present.has(digest));
    if (missing.length > 0)
      throw entryBroken(
        first.pipeline,
        first.seq,
        `the register entry of ${missing.join(', ')}, a look-alike registered before this artifact was first recorded, is missing (an entry was removed, which would let an approval skip confirming it)`,
      );
    return lookalikes;
  }

  /**
   * The contract entry in force when the artifact was first recorded (its first entry names it,
   * {@link CONTRACT_ANCHOR}) must still be there, with the hash it had. Deleting a `contract
   * update` puts the contract before it back in force, and the gap count above starts at the
   * artifact's first entry, after the update: this one primary-key read is what sees it. A later
   * contract entry lies inside the counted range; an earlier one is no longer in force. First
   * entries written before the anchor existed name none, and are read as before.
   */
  private async assertContractAnchorStands(first: ChainedEntry): Promise<void> {
    const anchor = contractAnchorOf(first);
    if (anchor === null) return;
    const [row] = await this.rows<{ kind: string; hash: string }>(this.q.entryAt, {
      pipeline: first.pipeline,
      seq: anchor.seq,
    });
    const named = `contract entry #${anchor.seq}, in force when this artifact was first recorded,`;
    if (row === undefined)
      throw entryBroken(
        first.pipeline,
        first.seq,
        `${named} is missing (a contract change was removed, which would put the contract before it back in force)`,
      );
    if (row.kind !== ENTRY.contract || row.hash !== anchor.hash)
      throw entryBroken(
        first.pipeline,
        first.seq,
        `${named} is now ${row.kind === ENTRY.contract ? '' : `a ${row.kind} entry `}with hash ${row.hash}, not ${anchor.hash} (the entry was replaced)`,
      );
  }

  /**
   * Every entry about an artifact lies at or after its first one, so an entry deleted anywhere
   * from there to the head (a rejection, a rollback, a failed verification between two other
   * artifacts' entries, whose neighbours this read never touches) leaves fewer rows in that range
   * than its numbers span. One count over the primary key's range, bounded by the head the read
   * saw (an append since is not a gap); the gap is located only when there is one. Entries cut off
   * the end are what checkpoints find (docs/ledger.md).
   */
  private async assertNoGapSince(pipeline: string, first: LinkedEntryRow | undefined): Promise<void> {
    if (first === undefined || first.head_seq === null) return;
    await this.assertNoGapBetween(
      pipeline,
      Number(first.seq),
      Number(first.head_seq),
      "after this artifact's first entry",
    );
  }

  /**
   * Throws LEDGER_CORRUPT when an entry numbered in [from, to] is missing. Inside a read scope
   * ({@link countOnce}) the part of the range a read of the same scope already counted is not
   * counted again: each entry is counted once per scope, so the reads of one decision (the
   * artifact's own entries, those of every other artifact sharing a report with it) pay for one
   * count over the union of their ranges, not one per read.
   */
  private async assertNoGapBetween(pipeline: string, from: number, to: number, where: string): Promise<void> {
    const counted = this.counted?.get(pipeline);
    let parts: Array<[number, number]> = [[from, to]];
    for (const known of [counted, this.contiguous?.get(pipeline)]) {
      if (known === undefined) continue;
      parts = parts.flatMap(
        ([low, high]): Array<[number, number]> => [
          ...(low < known.from ? [[low, Math.min(high, known.from - 1)] as [number, number]] : []),
          ...(high > known.to ? [[Math.max(low, known.to + 1), high] as [number, number]] : []),
        ],
      );
    }
    for (const [low, high] of parts) {
      if (low > high) continue;
      const [count] = await this.rows<{ n: number | string; past: number | string | null }>(
        this.q.entriesBetween,
        { pipeline, from: low, to: high, past: high === to ? pastHeadNode(to) : -1 },
      );
      if (Number(count?.past ?? 0) > 0) throw cutOffTheEnd(pipeline, to);
      if (Number(count?.n ?? 0) === high - low + 1) continue;
      // From the entry before a part that follows a counted range: its first entry may be the gap.
      const [gap] = await this.rows<{ seq: number | string }>(this.q.firstGap, {
        pipeline,
        from: low === from ? low : low - 1,
        to: high,
      });
      const missing = gap === undefined ? low : Number(gap.seq) + 1;
      throw entryBroken(
        pipeline,
        from,
        `entry #${missing} is missing, though the ledger goes on to #${to} (an entry was removed ${where})`,
      );
    }
    this.contiguous?.add(pipeline, from, to);
    // The ranges counted in this scope stay one interval: a range apart from it is counted on its own.
    if (this.counted !== undefined) mergeInterval(this.counted, pipeline, from, to);
  }

  /**
   * Runs `reads` on a reader of the same store or transaction whose gap counts are made once per
   * entry (see `assertNoGapBetween`). For the reads of one decision; a scope inside a scope is the
   * outer one.
   *
   * The scoped reader is a copy of this one's fields (all set once, in the constructors) on the
   * same class prototype, not an object whose prototype is this reader: V8 turns an object that
   * becomes a prototype into a prototype map, and a transaction is a new object every promotion,
   * so every property read in the decision's reads went through a fresh prototype chain (about a
   * tenth of a promotion's CPU, bench/notes.md).
   */
  async countOnce<T>(reads: (reader: LedgerReader) => Promise<T>): Promise<T> {
    if (this.counted !== undefined) return reads(this);
    const scoped = Object.assign(Object.create(Object.getPrototypeOf(this)) as SqlReader, this);
    scoped.counted = new Map();
    return reads(scoped);
  }

  async entriesForStage(
    pipeline: string,
    stage: string,
    kinds?: readonly string[],
    options: { countFrom?(entries: readonly ChainedEntry[]): number | undefined } = {},
  ): Promise<ChainedEntry[]> {
    const rows = await this.rows<LinkedEntryRow>(this.q.entriesForStage, { pipeline, stage });
    const wanted = kinds && kinds.length > 0 ? new Set(kinds) : undefined;
    // Every row is verified, also those of other kinds: an entry whose kind column was edited
    // (a rejection made to look like something else) must stop the read, not drop out of it.
    const all = rows.map(toVerifiedEntry);
    const entries = wanted ? all.filter((entry) => wanted.has(entry.kind)) : all;
    // The stage's entries of every digest are what `history`, a rollback's last known good and the
    // rollback gate's note read: an entry removed anywhere from the stage's first one to the head
    // (a rollback or failed verification between other stages' entries) stops the read. A caller
    // whose decision reads only the entries from a later one on (`countFrom`) counts from there:
    // never from before the stage's first entry, which would count more than the plain read.
    const [first] = rows;
    if (first !== undefined && first.head_seq !== null) {
      const from = Math.max(Number(first.seq), options.countFrom?.(entries) ?? 0);
      await this.assertNoGapBetween(
        pipeline,
        from,
        Number(first.head_seq),
        from === Number(first.seq)
          ? `after stage ${stage}'s first entry`
          : `after stage ${stage}'s entry #${from}`,
      );
    }
    return entries;
  }

  async latestInStage(
    pipeline: string,
    stage: string,
    kind: string,
    after = 0,
  ): Promise<ChainedEntry | undefined> {
    // Verified as every read is: `status` names the digest a rollback's payload targets, and a
    // promotion retried hands back the VSA in the stage's latest checkpoint entry.
    const [row] = await this.rows<LinkedEntryRow>(this.q.latestInStage, { pipeline, stage, kind, after });
    if (row === undefined) return undefined;
    const entry = toVerifiedEntry(row);
    // Newest of its kind only if none was removed after it: a later rollback or promotion deleted
    // would make `status` and the dashboard show this one as current.
    if (row.head_seq !== null)
      await this.assertNoGapBetween(
        pipeline,
        entry.seq,
        Number(row.head_seq),
        `after this ${kind} in stage ${stage}`,
      );
    return entry;
  }
}

class SqlTransaction extends SqlReader implements LedgerTransaction {
  readonly requests = requestMemory(this.q.requests, this.runner);

  constructor(
    runner: SqlRunner,
    q: Queries,
    readonly tree: TreeStore,
    /** What the writes before this one in the same transaction left (src/ledger/group-commit.ts). */
    private readonly shared?: Map<string, unknown>,
    contiguous?: ContiguousRanges,
  ) {
    super(runner, q, contiguous);
  }

  /**
   * The pipeline's latest contract entry is read once a transaction, not once a write: every write
   * of a group commit asks for it (the pin check, then `markedWithContract`), and under the
   * pipeline's lock only an append of this same transaction can change it, which records the new
   * one here (`append`). A write rolled back to its savepoint clears `shared` (group-commit.ts).
   */
  override async latestUnstaged(pipeline: string, kind: string): Promise<ChainedEntry | undefined> {
    if (kind !== ENTRY.contract || this.shared === undefined) return super.latestUnstaged(pipeline, kind);
    const key = `contract:${pipeline}`;
    if (this.shared.has(key)) return (this.shared.get(key) as ChainedEntry | null) ?? undefined;
    const entry = await super.latestUnstaged(pipeline, kind);
    this.remember(pipeline, entry);
    return entry;
  }

  /** Records the contract entry in force (or none) for the rest of the transaction. */
  private remember(pipeline: string, contract: ChainedEntry | undefined): void {
    this.shared?.set(`contract:${pipeline}`, contract ?? null);
    this.shared?.set(
      `contract-seq:${pipeline}`,
      contract === undefined ? null : { seq: contract.seq, hash: contract.hash },
    );
  }

  /** `seq` and `hash` of the contract entry in force, from `shared` when this transaction read it. */
  private async latestContract(
    pipeline: string,
  ): Promise<{ seq: number | string; hash: string } | undefined> {
    const key = `contract-seq:${pipeline}`;
    if (this.shared?.has(key))
      return (this.shared.get(key) as { seq: number; hash: string } | null) ?? undefined;
    const [contract] = await this.rows<{ seq: number | string; hash: string }>(this.q.latestContract, {
      pipeline,
    });
    this.shared?.set(key, contract ?? null);
    return contract;
  }

  async insertArtifact(pipeline: string, artifact: Artifact, actor: string): Promise<void> {
    await this.rows(this.q.insertArtifact, {
      pipeline,
      digest: artifact.digest,
      labels: JSON.stringify(artifact.labels),
      source: artifact.source,
      registered_at: artifact.registeredAt,
      actor,
    });
  }

  async insertEvidence(pipeline: string, records: readonly EvidenceRecord[]): Promise<EvidenceRecord[]> {
    const inserted: EvidenceRecord[] = [];
    for (const record of records) {
      const result = await this.runner.execute(
        this.q.insertEvidence({
          pipeline,
          id: record.id,
          artifact: record.artifact,
          kind: record.data.kind,
          format: record.format,
          stage: record.stage,
          source_digest: record.sourceDigest,
          signer: record.signer === null ? null : JSON.stringify(record.signer),
          actor: record.actor,
          recorded_at: record.recordedAt,
          data: record.dataJson ?? JSON.stringify(record.data),
        }),
      );
      if (result.affected > 0) inserted.push(record);
    }
    return inserted;
  }

  async append(pipeline: string, next: NewEntry): Promise<ChainedEntry> {
    // Nothing is chained to a head that does not verify (edited, or not linked to its predecessor).
    // A head this transaction appended itself (an earlier write of the same batch, under the
    // same lock) is known without reading it back.
    const headKey = `head:${pipeline}`;
    let last = this.shared?.get(headKey) as Pick<LinkedEntryRow, 'seq' | 'hash' | 'body' | 'at'> | undefined;
    if (!last) {
      const [stored] = await this.rows<LinkedEntryRow & { past: number | string }>(this.q.headEntry, {
        pipeline,
      });
      if (stored) {
        const problem = linkProblem(stored);
        if (problem !== undefined) throw entryBroken(pipeline, Number(stored.seq), problem);
        if (Number(stored.past) > 0) throw cutOffTheEnd(pipeline, Number(stored.seq));
      } else {
        const [tree] = await this.rows<{ n: number | string }>(this.q.treeNode, {
          pipeline,
          node: pastHeadNode(0),
        });
        if (Number(tree?.n ?? 0) > 0) throw cutOffTheEnd(pipeline, 0);
      }
      last = stored;
    }
    const entry = await this.markedWithContract(pipeline, next, last);
    if (last) assertClockForward(pipeline, last, entry);
    const chained = chainEntry(
      { pipeline, seq: last ? Number(last.seq) + 1 : 1, ...entry },
      last?.hash ?? GENESIS_HASH,
    );
    await this.rows(this.q.insertEntry, {
      prev_hash: chained.prevHash,
      hash: chained.hash,
      body: chained.body,
    });
    await this.tree.extend(pipeline, chained.seq, chained.body, last?.body);
    // The dashboard's listing index moves with the entry, in the same transaction.
    await indexEntry(this, this.runner, this.q.overview, chained);
    this.shared?.set(headKey, { seq: chained.seq, hash: chained.hash, body: chained.body, at: chained.at });
    if (chained.artifact !== null) this.shared?.set(seenKey(pipeline, chained.artifact), true);
    if (chained.kind === ENTRY.contract) this.remember(pipeline, chained);
    return chained;
  }

  /**
   * Every entry records the number of the contract entry in force when it was written
   * ({@link CONTRACT_ENTRY}), and an artifact's first entry (whatever its kind) also its hash
   * ({@link CONTRACT_ANCHOR}), so a decision about the artifact can tell when that entry was
   * deleted later (`entriesForArtifact`). Before an artifact's first entry names a contract entry,
   * the head's number is held against it: a newer contract entry the head saw and the index no
   * longer finds was deleted, and the new artifact would be recorded under the contract before it.
   * One index probe per append, a second per entry that names an artifact.
   */
  private async markedWithContract(
    pipeline: string,
    entry: NewEntry,
    head: Pick<LinkedEntryRow, 'seq' | 'body'> | undefined,
  ): Promise<NewEntry> {
    const contract = await this.latestContract(pipeline);
    const inForce = contract === undefined ? null : Number(contract.seq);
    const payload = { ...entry.payload, [CONTRACT_ENTRY]: inForce };
    if (entry.artifact === null) return { ...entry, payload };
    // An artifact this transaction appended an entry for has been seen (`append` remembers it).
    if (this.shared?.has(seenKey(pipeline, entry.artifact))) return { ...entry, payload };
    const [seen] = await this.rows<{ seq: number }>(this.q.artifactSeen, {
      pipeline,
      artifact: entry.artifact,
    });
    if (seen !== undefined) return { ...entry, payload };
    if (head !== undefined) assertContractNotRemoved(pipeline, head, inForce);
    const anchor: ContractAnchor | null =
      contract === undefined ? null : { seq: Number(contract.seq), hash: contract.hash };
    const lookalikes = (
      await this.rows<{ artifact: string }>(this.q.lookalikeDigests, {
        pipeline,
        ...shortPrefixRange(entry.artifact),
      })
    )
      .map((row) => row.artifact)
      .filter((digest) => digest !== entry.artifact)
      .sort();
    return {
      ...entry,
      payload: {
        ...payload,
        [CONTRACT_ANCHOR]: anchor,
        ...(lookalikes.length > 0 ? { [LOOKALIKE_ANCHOR]: lookalikes } : {}),
      },
    };
  }

  async inclusionProof(pipeline: string, seq: number, size: number): Promise<InclusionProof> {
    if (!(Number.isInteger(seq) && Number.isInteger(size) && seq >= 1 && seq <= size))
      throw new TollgateError(
        'USAGE',
        `no entry #${seq} in a tree of ${size} entries of pipeline ${pipeline}`,
      );
    return this.tree.inclusion(pipeline, seq, size);
  }
}

/** The key under which a transaction remembers that `artifact` has an entry (`shared`). */
function seenKey(pipeline: string, artifact: string): string {
  return `seen:${pipeline}\u0000${artifact}`;
}

/**
 * Refuses to record an artifact's first entry under an older contract entry than the one the head
 * says was in force: the newer one was deleted (a `contract update` removed behind Tollgate's
 * back). A head written before entries recorded it says nothing.
 * @throws TollgateError LEDGER_CORRUPT naming both entries
 */
function assertContractNotRemoved(
  pipeline: string,
  head: Pick<LinkedEntryRow, 'seq' | 'body'>,
  inForce: number | null,
): void {
  const payload = (parseStored<{ payload?: Record<string, unknown> }>(head.body, 'ledger head').payload ??
    {}) as Record<string, unknown>;
  const named = payload[CONTRACT_ENTRY];
  if (typeof named !== 'number' || (inForce !== null && named <= inForce)) return;
  throw entryBroken(
    pipeline,
    Number(head.seq),
    `it was written under contract entry #${named}, but the newest contract entry is ${inForce === null ? 'none' : `#${inForce}`}: contract entry #${named} was removed, which would put the contract before it back in force`,
  );
}

/**
 * Refuses an entry dated earlier than the pipeline's newest entry by more than
 * `CLOCK_TOLERANCE_MS`. Soak counts from an entry's time, so a recorder whose clock was set back
 * could date a promotion days in the past and have its soak already served. A demo pipeline's
 * entries at a set clock (`clockSet`, on either side) may go anywhere in time.
 * @throws TollgateError CLOCK_BACKWARDS naming both times
 */
function assertClockForward(
  pipeline: string,
  last: Pick<LinkedEntryRow, 'seq' | 'body' | 'at'>,
  entry: NewEntry,
): void {
  const lastMs = Date.parse(last.at);
  const atMs = Date.parse(entry.at);
  if (!(atMs < lastMs - CLOCK_TOLERANCE_MS)) return;
  if (entry.payload.clockSet === true) return;
  const lastPayload = (parseStored<{ payload?: { clockSet?: unknown } }>(last.body, 'ledger head').payload ??
    {}) as { clockSet?: unknown };
  if (lastPayload.clockSet === true) return;
  throw new TollgateError(
    'CLOCK_BACKWARDS',
    `the clock of this recorder reads ${entry.at}, but ledger entry #${Number(last.seq)} of pipeline ${pipeline} was recorded at ${last.at}: time would run backwards by ${Math.round((lastMs - atMs) / 1000)} s (more than the ${CLOCK_TOLERANCE_MS / 60_000} minutes allowed between machines). Nothing was recorded; set this machine's clock right (NTP) and run the command again.`,
  );
}

/** `size` when it is a tree size the ledger has (1 … head); a USAGE error otherwise. */
function sizeWithin(size: number, head: number, what: string): number {
  if (!(Number.isInteger(size) && size >= 0 && size <= head))
    throw new TollgateError('USAGE', `${what} of ${size} entries: the ledger has ${head}`);
  return size;
}

export class SqlLedgerStore extends SqlReader implements LedgerStore {
  readonly backend: 'sqlite' | 'postgres';
  readonly tokens: TokenStore;
  readonly sessions: SessionStore;
  readonly requests: RequestStore;
  readonly overview: OverviewIndex;
  private readonly memo: ReadMemo;
  /** Writes to one pipeline waiting at once are made in one transaction (src/ledger/group-commit.ts). */
  readonly writes: GroupCommit;

  private constructor(
    private readonly kysely: Kysely<Database>,
    private readonly capabilities: DialectCapabilities,
    readonly location: string,
    queries: Queries = buildQueries(kysely),
  ) {
    const contiguous = capabilities.othersVersion
      ? new ContiguousRanges(capabilities.othersVersion.bind(capabilities))
      : undefined;
    super(capabilities.runner, queries, contiguous);
    this.memo = new ReadMemo(capabilities.changeStamp?.bind(capabilities));
    this.writes = new GroupCommit(
      (pipeline, body) => this.forgettingOnFailure(capabilities.write(pipeline, body)),
      undefined,
      capabilities.backend === 'postgres',
    );
    this.backend = capabilities.backend;
    this.tokens = sqlTokenStore(kysely, capabilities.runner, this.memo);
    this.sessions = sqlSessionStore(kysely, capabilities.runner);
    this.requests = sqlRequestStore(queries.requests, capabilities.runner);
    this.overview = sqlOverviewIndex({
      runner: capabilities.runner,
      q: queries.overview,
      write: (pipeline, work) =>
        this.writes.run(pipeline, (runner, shared) =>
          this.forgettingOnFailure(
            work(
              new SqlTransaction(
                runner,
                queries,
                new TreeStore(kysely, runner, queries.tree, shared),
                shared,
                contiguous,
              ),
              runner,
            ),
          ),
        ),
    });
  }

  /**
   * Opens the store and brings its schema up to date.
   * @param options.upToDate the caller has seen every migration recorded as applied (and none
   *   other): Kysely's migrator, which reads every table's columns to find nothing to do, is skipped
   */
  static async open(
    kysely: Kysely<Database>,
    capabilities: DialectCapabilities,
    location: string,
    options: { upToDate?: boolean } = {},
  ) {
    if (options.upToDate) return SqlLedgerStore.checked(kysely, capabilities, location);
    const migrator = new Migrator({
      db: kysely,
      provider: migrationProvider,
      ...(capabilities.migrationSchema ? { migrationTableSchema: capabilities.migrationSchema } : {}),
    });
    let { error, results } = await migrator.migrateToLatest();
    // Kysely's migrator looks for its tables across every schema of the database; a schema another
    // client drops at that moment (tests, tenants) fails the look-up ("schema … does not exist",
    // "relation … does not exist") although nothing of ours is wrong. Migrations run in a transaction, so try again (up to 10 times).
    for (let attempt = 1; error && droppedUnderScan(error) && attempt < 10; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
      ({ error, results } = await migrator.migrateToLatest());
    }
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      await kysely.destroy();
      throw new TollgateError(
        'STORE_UNAVAILABLE',
        `cannot prepare the ledger at ${location}${failed ? ` (migration ${failed})` : ''}: ${(error as Error).message ?? error}`,
        { cause: error },
      );
    }
    return SqlLedgerStore.checked(kysely, capabilities, location);
  }

  /**
   * The store, once the ledger table is found to be the one Tollgate made (one catalogue query,
   * src/ledger/table-definition.ts); LEDGER_CORRUPT, the connection closed, otherwise.
   */
  private static async checked(
    kysely: Kysely<Database>,
    capabilities: DialectCapabilities,
    location: string,
  ): Promise<SqlLedgerStore> {
    const problem = await ledgerDefinitionProblem(capabilities.runner, capabilities.backend);
    if (problem === undefined) return new SqlLedgerStore(kysely, capabilities, location);
    await kysely.destroy();
    throw definitionChanged(location, problem);
  }

  async write<T>(pipeline: string, work: (tx: LedgerTransaction) => Promise<T>): Promise<T> {
    return this.writes.run(pipeline, (runner, shared) =>
      this.forgettingOnFailure(
        work(
          new SqlTransaction(
            runner,
            this.q,
            new TreeStore(this.kysely, runner, this.q.tree, shared),
            shared,
            this.contiguous,
          ),
        ),
      ),
    );
  }

  /**
   * `work`, forgetting every kept gap-free range when it fails: its transaction's or savepoint's
   * rollback may take entries a read inside it counted.
   */
  private forgettingOnFailure<T>(work: Promise<T>): Promise<T> {
    return work.catch((error: unknown) => {
      this.contiguous?.forget();
      throw error;
    });
  }

  whileUnchanged<T>(key: readonly unknown[], load: () => Promise<T>): Promise<T> {
    return this.memo.read(JSON.stringify(key), load);
  }

  keptNow<T>(key: readonly unknown[]): { value: T } | undefined {
    return this.memo.keptNow<T>(JSON.stringify(key));
  }

  batchReads(): void {
    this.capabilities.batchReads?.();
  }

  async head(pipeline: string): Promise<number> {
    const [last] = await this.rows<{ seq: number }>(this.q.head, { pipeline });
    return last ? Number(last.seq) : 0;
  }

  /**
   * Runs `work` on the pipeline's tree under its write lock, with the ledger's size: a proof is
   * about one size, and a missing node is rebuilt in the same transaction.
   */
  private onTree<T>(pipeline: string, work: (tree: TreeStore, size: number) => Promise<T>): Promise<T> {
    return this.capabilities.write(pipeline, async (runner) => {
      const { rows } = await runner.execute<{ seq: number }>(this.q.head({ pipeline }));
      const size = rows[0] ? Number(rows[0].seq) : 0;
      // A checkpoint or proof of a ledger cut back would vouch for the cut.
      const { rows: past } = await runner.execute<{ n: number | string }>(
        this.q.treeNode({ pipeline, node: pastHeadNode(size) }),
      );
      if (Number(past[0]?.n ?? 0) > 0) throw cutOffTheEnd(pipeline, size);
      return work(new TreeStore(this.kysely, runner, this.q.tree), size);
    });
  }

  async treeHead(pipeline: string, size?: number): Promise<TreeHead> {
    return this.onTree(pipeline, (tree, head) =>
      tree.head(pipeline, sizeWithin(size ?? head, head, 'the tree')),
    );
  }

  async inclusionProof(pipeline: string, seq: number, size?: number): Promise<InclusionProof> {
    return this.onTree(pipeline, (tree, head) => {
      const at = sizeWithin(size ?? head, head, 'the tree');
      if (!(Number.isInteger(seq) && seq >= 1 && seq <= at))
        throw new TollgateError(
          'USAGE',
          `no entry #${seq} in a tree of ${at} entries of pipeline ${pipeline}`,
        );
      return tree.inclusion(pipeline, seq, at);
    });
  }

  async consistencyProof(pipeline: string, first: number, second?: number): Promise<ConsistencyProof> {
    return this.onTree(pipeline, (tree, head) => {
      const to = sizeWithin(second ?? head, head, 'the newer tree');
      if (!(Number.isInteger(first) && first >= 1 && first <= to))
        throw new TollgateError(
          'USAGE',
          `the ledger of pipeline ${pipeline} has ${to} entries; it cannot extend a tree of ${first}`,
        );
      return tree.consistency(pipeline, first, to);
    });
  }

  async recomputeTree(pipeline: string, at?: number): Promise<RecomputedTree> {
    return new TreeStore(this.kysely, this.runner, this.q.tree).recompute(pipeline, at);
  }

  entriesAfter(pipeline: string, seq: number, limit: number): Promise<ChainedEntry[]> {
    // Every live event stream asks this at every poll; with nothing new, the database says so.
    return this.whileUnchanged(['entriesAfter', pipeline, seq, limit], async () =>
      (await this.rows<LinkedEntryRow>(this.q.entriesAfter, { pipeline, after: seq, limit })).map(
        toVerifiedEntry,
      ),
    );
  }

  async entriesBefore(pipeline: string, seq: number, limit: number): Promise<ChainedEntry[]> {
    return (await this.rows<LinkedEntryRow>(this.q.entriesBefore, { pipeline, before: seq, limit })).map(
      toVerifiedEntry,
    );
  }

  async pipelines(): Promise<string[]> {
    const query = this.kysely
      .selectFrom('ledger_entries')
      .select('pipeline')
      .distinct()
      .orderBy('pipeline')
      .compile();
    const { rows } = await this.runner.execute<{ pipeline: string }>(query);
    return rows.map((r) => r.pipeline);
  }

  /**
   * The chain, then the evidence table against it: every row's content must hash to its id, and
   * be recorded (with its signer, actor and time) by an entry, and every id the entries record
   * must have its row.
   */
  async verify(pipeline: string): Promise<ChainVerdict> {
    const chain = await this.verifyChain(pipeline);
    if (!chain.ok) return chain;
    const [tree] = await this.rows<{ n: number | string }>(this.q.treeNode, {
      pipeline,
      node: pastHeadNode(chain.entries),
    });
    if (Number(tree?.n ?? 0) > 0)
      return { ok: false, entries: chain.entries, seq: chain.entries, reason: cutReason(chain.entries) };
    const problem = await this.evidenceProblem(pipeline);
    if (problem !== undefined)
      return {
        ok: false,
        entries: chain.entries,
        seq: problem.seq ?? 0,
        evidence: problem.id,
        reason: `evidence ${problem.id}: ${problem.reason}`,
      };
    const unregistered = await this.artifactProblem(pipeline);
    if (unregistered === undefined) return chain;
    return {
      ok: false,
      entries: chain.entries,
      seq: unregistered.seq,
      artifact: unregistered.digest,
      reason: `the artifacts row of ${unregistered.digest}: ${unregistered.reason}`,
    };
  }

  /**
   * The artifacts table against the register entries: each row must say what its digest's first
   * register entry says (labels, source, time, actor), and each registered digest must have its
   * row, so a row inserted or edited behind Tollgate's back is named here as well as refused
   * where it is read (`getArtifact`).
   */
  private async artifactProblem(
    pipeline: string,
  ): Promise<{ digest: string; seq: number; reason: string } | undefined> {
    const { rows: entries } = await this.runner.execute<LedgerEntryTable>(
      this.q.registerEntries({ pipeline }),
    );
    const { rows } = await this.runner.execute<Database['artifacts']>(this.q.allArtifacts({ pipeline }));
    const registered = new Map<string, ChainedEntry>();
    for (const row of entries) {
      if (row.artifact !== null && !registered.has(row.artifact)) registered.set(row.artifact, toEntry(row));
    }
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.digest);
      const entry = registered.get(row.digest);
      if (entry === undefined)
        return {
          digest: row.digest,
          seq: 0,
          reason: "no register entry records it (the row was inserted behind Tollgate's back)",
        };
      const recorded = registeredArtifact([entry]);
      let labels: unknown;
      try {
        labels = JSON.parse(row.labels);
      } catch {
        labels = undefined;
      }
      if (recorded === undefined)
        return {
          digest: row.digest,
          seq: entry.seq,
          reason: `register entry #${entry.seq} records no labels and source (it was not written by Tollgate)`,
        };
      const differs =
        labels === undefined || canonicalJson(labels) !== canonicalJson(recorded.labels)
          ? 'labels'
          : row.source !== recorded.source
            ? 'source'
            : row.registered_at !== recorded.registeredAt
              ? 'registration time'
              : row.actor !== entry.actor
                ? 'actor'
                : undefined;
      if (differs !== undefined)
        return {
          digest: row.digest,
          seq: entry.seq,
          reason: `register entry #${entry.seq} records another ${differs} (the row was edited)`,
        };
    }
    for (const [digest, entry] of registered)
      if (!seen.has(digest))
        return {
          digest,
          seq: entry.seq,
          reason: `register entry #${entry.seq} records it, but its row is missing from the artifacts table`,
        };
    return undefined;
  }

  private async evidenceProblem(pipeline: string): Promise<EvidenceProblem | undefined> {
    const { rows: recording } = await this.runner.execute<LedgerEntryTable>(
      this.q.evidenceEntries({ pipeline }),
    );
    const { rows: stored } = await this.runner.execute<Database['evidence']>(
      this.q.allEvidence({ pipeline }),
    );
    const byArtifact = new Map<string, { entries: ChainedEntry[]; records: EvidenceRecord[] }>();
    const of = (artifact: string) => {
      let group = byArtifact.get(artifact);
      if (!group) {
        group = { entries: [], records: [] };
        byArtifact.set(artifact, group);
      }
      return group;
    };
    for (const row of recording) if (row.artifact !== null) of(row.artifact).entries.push(toEntry(row));
    for (const row of stored) of(row.artifact).records.push(toEvidenceRecord(row));
    for (const group of byArtifact.values()) {
      const checked = checkEvidence(group.records, group.entries);
      if ('problem' in checked) return checked.problem;
    }
    return undefined;
  }

  private async verifyChain(pipeline: string): Promise<ChainVerdict> {
    const { iterateRaw } = this.runner;
    const rawRows =
      iterateRaw && ((query: CompiledQuery) => iterateRaw.call(this.runner, query) as Iterable<StoredRow>);
    const elsewhere = this.capabilities.verifyElsewhere;
    if (rawRows && elsewhere) {
      const [head] = await this.rows<{ seq: number }>(this.q.head, { pipeline });
      const last = head ? Number(head.seq) : 0;
      if (last >= SPLIT_VERIFY_MIN_ENTRIES) {
        // Entries appended after `last` while this runs are not part of this verdict.
        // This thread is already running; the worker starts cold, so it takes the smaller share.
        const middle = Math.floor(last * 0.55);
        const farQuery = this.q.chainSlice({ pipeline, from: middle + 1, to: last });
        // A worker that cannot start (thread limits, a damaged install) only costs time: the far
        // part is then verified here, after the near part.
        const far = elsewhere(farQuery, pipeline, middle + 1).catch(() =>
          verifyRows(rawRows(farQuery), pipeline, { seq: middle + 1 }),
        );
        const near = verifyRows(rawRows(this.q.chainSlice({ pipeline, from: 1, to: middle })), pipeline);
        // Where the slices meet, time order is checked on the two rows themselves.
        return withSeam(
          joinSlices(near, middle, await far),
          rawRows(this.q.chainSlice({ pipeline, from: middle, to: middle + 1 })),
        );
      }
    }
    const query = this.q.chain({ pipeline });
    if (rawRows) return verifyRows(rawRows(query), pipeline);
    const { rows } = await this.runner.execute<LedgerEntryTable>(query);
    return verifyRows(
      rows.map((r) => [r.seq, r.kind, r.stage, r.artifact, r.actor, r.at, r.prev_hash, r.hash, r.body]),
      pipeline,
    );
  }

  async close(): Promise<void> {
    this.memo.clear();
    await this.kysely.destroy();
  }
}
