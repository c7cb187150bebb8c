/**
 * The ledger entry: its kinds and its shape, defined once. Every other view of an entry (the row
 * the store selects, the entry to append, what the ledger view reads) is derived from these.
 */

/** The ledger entry kinds Tollgate writes. */
export const ENTRY = {
  register: 'register',
  attest: 'attest',
  promotion: 'promotion',
  rollback: 'rollback',
  verification: 'verification',
  approval: 'approval',
  /** An image copied by digest to another registry or repository (`tollgate copy`). */
  copy: 'copy',
  /** Signed verdicts and evidence published next to an image in its registry (`tollgate publish`). */
  publish: 'publish',
  /**
   * The signed checkpoint of the tree ending with a promotion, and the VSA that carries it with the
   * promotion's inclusion proof (written right after the promotion, src/app/vsa.ts).
   */
  checkpoint: 'checkpoint',
  /**
   * The contract in force for the pipeline: recorded by its first promotion and by every
   * `tollgate contract update` (or server upload), with the contract's text and what changed.
   */
  contract: 'contract',
} as const;

export type EntryKind = (typeof ENTRY)[keyof typeof ENTRY];

const KINDS: ReadonlySet<string> = new Set(Object.values(ENTRY));

/** True for a kind Tollgate writes; an entry of any other kind was not written by this version. */
export function isEntryKind(kind: string): kind is EntryKind {
  return KINDS.has(kind);
}

/** What every ledger entry says. `payload` is kind-specific. */
export interface EntryContent {
  pipeline: string;
  seq: number;
  kind: EntryKind;
  stage: string | null;
  artifact: string | null;
  actor: string;
  at: string;
  payload: Record<string, unknown>;
}

/** An entry in the chain: its content, the hash it links to, its own hash and the hashed bytes. */
export interface ChainedEntry extends EntryContent {
  prevHash: string;
  hash: string;
  /** The exact bytes that were hashed. */
  body: string;
}

/**
 * An entry as it travels: what the server's events stream sends (described for the API by
 * `entryEventSchema` in src/server/schemas.ts) and what `tollgate watch --server`, CDEvents and the
 * dashboard's timeline read. The chained entry without its hashed bytes; its kind is any text, since
 * a newer version may write kinds this one does not know.
 */
export type WireEntry = Omit<ChainedEntry, 'body' | 'kind'> & { kind: string };

/**
 * How far an entry's time may fall behind its predecessor's (and a promotion's time lie ahead of
 * a decision's) before a clock counts as wrong: clocks of CI runners and server replicas differ by
 * seconds, and a request's time is taken when it starts, not when it appends.
 */
export const CLOCK_TOLERANCE_MS = 5 * 60_000;

/** An entry to append; the store assigns `seq`, `prevHash` and `hash`. */
export type NewEntry = Omit<EntryContent, 'pipeline' | 'seq'>;

/** What the ledger view reads of an entry. */
export type ViewEntry = Omit<EntryContent, 'pipeline'>;

/**
 * A stored row as the verifier needs it: the indexed columns and the hashed body. Its kind is any
 * text, as read from a database someone may have edited; the verifier compares it with the body.
 */
export type StoredEntry = Omit<ChainedEntry, 'payload' | 'kind'> & { kind: string };
