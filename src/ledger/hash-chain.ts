/**
 * The ledger's hash chain. Each entry's body is canonical JSON (sorted keys, no whitespace) that
 * includes the previous entry's hash; the entry's hash is sha256 of that body. Editing, removing or
 * reordering any entry breaks every hash after it, and `verifyChain` names the first that breaks.
 */
import { hash } from 'node:crypto';
import { fastCanonicalJson } from '../evidence/canonical-json.js';
import { type ChainedEntry, CLOCK_TOLERANCE_MS, type EntryContent, type StoredEntry } from './entry.js';

export const GENESIS_HASH = `sha256:${'0'.repeat(64)}`;

/**
 * JSON with object keys sorted at every level, so the same value always hashes the same. Computed
 * by the engine's JSON.stringify with a key-sorting replacer; `canonicalJsonReference` is the
 * definition, and the fast path falls back to it for values it cannot render identically.
 */
export function canonicalJson(value: unknown): string {
  return fastCanonicalJson(value, canonicalJsonReference);
}

/** The reference definition of canonical JSON: recursive, obvious, slower. */
export function canonicalJsonReference(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new TypeError('non-finite number in ledger entry');
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJsonReference).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJsonReference(v)}`).join(',')}}`;
}

export function sha256(text: string | Uint8Array): string {
  // One-shot crypto.hash (Node 20.12+) is about twice as fast as a Hash object for small inputs.
  return `sha256:${hash('sha256', text, 'hex')}`;
}

/** Builds the body and hash of the entry that follows `prevHash`. */
export function chainEntry(content: EntryContent, prevHash: string): ChainedEntry {
  const body = canonicalJson({ ...content, prev: prevHash });
  return { ...content, prevHash, hash: sha256(body), body };
}

/**
 * A stored entry dated earlier than the entry before it by more than `CLOCK_TOLERANCE_MS`: an
 * append would be refused that (CLOCK_BACKWARDS), so it was written by a version from before the
 * check, or the ledger was edited and chained again. Entries at a set clock (`clockSet`, on either
 * side) are exempt, as they are when appended.
 */
export interface TimeBackwards {
  seq: number;
  at: string;
  /** The entry before it, and its time. */
  previousSeq: number;
  previousAt: string;
}

/** At most this many time-order findings are listed in a verdict (the count is exact). */
export const MAX_TIME_BACKWARDS_LISTED = 20;

export type ChainVerdict =
  | {
      ok: true;
      entries: number;
      head: string;
      /**
       * Entries whose time runs backwards (the first {@link MAX_TIME_BACKWARDS_LISTED}), and how
       * many there are; absent when none do. The chain is intact: this is a warning, since an
       * append-only ledger cannot be repaired, but it is not a ledger to count soak from blindly.
       */
      timeBackwards?: { count: number; first: TimeBackwards[] };
    }
  | {
      ok: false;
      entries: number;
      /** The first entry that fails (for an evidence row, the entry that recorded it, or 0). */
      seq: number;
      reason: string;
      /** The evidence record that fails, when it is the evidence table that was changed. */
      evidence?: string;
      /** The digest whose artifacts row fails, when it is the artifacts table that was changed. */
      artifact?: string;
    };

/**
 * One stored row in the order the store selects it for verification:
 * seq, kind, stage, artifact, actor, at, prev_hash, hash, body (the pipeline is the query's).
 */
export type StoredRow = [
  seq: number | bigint | string,
  kind: string,
  stage: string | null,
  artifact: string | null,
  actor: string,
  at: string,
  prevHash: string,
  hash: string,
  body: string,
];

/**
 * Recomputes the chain over entries given oldest first. Checks each body's hash, its link to the
 * previous entry, the sequence, and that the queryable columns agree with the hashed body (so an
 * edit to a column the application reads cannot hide behind an intact body).
 */
export function verifyChain(entries: Iterable<StoredEntry>): ChainVerdict {
  const verifier = new ChainVerifier();
  for (const entry of entries) {
    const reason = verifier.check(entry.pipeline, toStoredRow(entry));
    if (reason !== undefined) return verifier.broken(reason);
  }
  return verifier.verdict();
}

/** A stored entry as the row the store selects for verification. */
export function toStoredRow(e: StoredEntry): StoredRow {
  return [e.seq, e.kind, e.stage, e.artifact, e.actor, e.at, e.prevHash, e.hash, e.body];
}

/** `verifyChain` over rows as the store reads them, without building an entry object per row. */
export function verifyRows(rows: Iterable<StoredRow>, pipeline: string, from?: ChainStart): SliceVerdict {
  const verifier = new ChainVerifier(from);
  let verdict: SliceVerdict | undefined;
  for (const row of rows) {
    const reason = verifier.check(pipeline, row);
    if (reason !== undefined) {
      verdict = verifier.broken(reason);
      break;
    }
  }
  verdict ??= verifier.verdict();
  if (from === undefined) return verdict;
  // A slice also says where it starts, for `joinSlices` to check the seam.
  return {
    ...verdict,
    ...(verifier.first === undefined ? {} : { first: verifier.first }),
    ...(verifier.linkedTo === undefined ? {} : { linkedTo: verifier.linkedTo }),
  };
}

/**
 * A verdict over part of a chain: `first` is the sequence number of its first entry, `linkedTo`
 * the previous-hash that entry names.
 */
export type SliceVerdict = ChainVerdict & { first?: number; linkedTo?: string };

/**
 * Joins the verdicts of two consecutive slices, `near` (entries 1…nearLast) and `far` (from
 * nearLast + 1), into the verdict one pass over the whole chain gives, naming the same first
 * broken entry.
 */
export function joinSlices(near: ChainVerdict, nearLast: number, far: SliceVerdict): ChainVerdict {
  if (!near.ok) return near;
  if (near.entries !== nearLast) {
    // The near slice ended early: its last entries are missing, and the far slice's first entry
    // is where one pass would have noticed.
    const expected = near.entries + 1;
    const found = far.first;
    return {
      ok: false,
      entries: expected,
      seq: found ?? expected,
      reason: `expected entry #${expected}, found ${found === undefined ? 'none' : `#${found}`} (an entry is missing or was inserted)`,
    };
  }
  if (far.linkedTo !== undefined && far.linkedTo !== near.head) {
    const seq = nearLast + 1;
    return {
      ok: false,
      entries: seq,
      seq,
      reason: `its previous-hash ${far.linkedTo} does not match entry #${nearLast}'s hash ${near.head}`,
    };
  }
  if (!far.ok) return { ok: false, entries: nearLast + far.entries, seq: far.seq, reason: far.reason };
  // The seam itself (entry nearLast + 1 against nearLast) is for the caller, which has both rows.
  const time = new TimeOrder();
  time.add(near.timeBackwards);
  time.add(far.timeBackwards);
  const timeBackwards = time.result();
  return {
    ok: true,
    entries: nearLast + far.entries,
    head: far.entries > 0 ? far.head : near.head,
    ...(timeBackwards === undefined ? {} : { timeBackwards }),
  };
}

/**
 * `verdict` with the time-order findings of `seam` (the two rows where verified slices meet, in
 * order) added where they belong, in chain order.
 */
export function withSeam(verdict: ChainVerdict, seam: Iterable<StoredRow>): ChainVerdict {
  if (!verdict.ok) return verdict;
  const found = new TimeOrder();
  for (const row of seam) found.observe(row);
  if (found.count === 0) return verdict;
  const time = new TimeOrder();
  const seamSeq = found.first[0]!.seq;
  const before = verdict.timeBackwards?.first.filter((t) => t.seq < seamSeq) ?? [];
  const after = verdict.timeBackwards?.first.filter((t) => t.seq > seamSeq) ?? [];
  time.add({ count: before.length, first: before });
  time.add(found.result());
  time.add({ count: (verdict.timeBackwards?.count ?? 0) - before.length, first: after });
  return { ...verdict, timeBackwards: time.result()! };
}

/**
 * Where a verification starts: at the genesis (the default), or at entry `seq` of a chain whose
 * earlier part someone else checks; then the first entry's previous-hash is taken as given and
 * reported as `linkedTo`, for the caller to match against that part's head.
 */
export interface ChainStart {
  seq: number;
}

/**
 * What is wrong with one stored row on its own, or undefined: its body must hash to its recorded
 * hash, and its columns must say what the body says. Every read of an entry for a decision runs
 * this (src/ledger/sql-ledger-store.ts), so an edited row is never acted on.
 */
export function rowProblem(pipeline: string, row: StoredRow): string | undefined {
  const actual = sha256(row[8]);
  if (actual !== row[7])
    return `its body hashes to ${actual}, but ${row[7]} is recorded (the entry was edited)`;
  if (!columnsMatchBody(row, Number(row[0]), JSON.stringify(pipeline))) return COLUMNS_EDITED;
  return undefined;
}

const COLUMNS_EDITED =
  'its columns (actor, artifact, at, kind, pipeline, seq, stage) disagree with its hashed body (a column was edited)';

function atSetClock(body: string): boolean {
  // Parsed only for an entry that goes backwards: rare, so the common path stays parse-free.
  if (!body.includes('"clockSet":true')) return false;
  try {
    return (JSON.parse(body) as { payload?: { clockSet?: unknown } }).payload?.clockSet === true;
  } catch {
    return false;
  }
}

/** Collects the entries of a chain, seen oldest first, whose time runs backwards. */
export class TimeOrder {
  private previous: { seq: number; at: string; ms: number; body: string } | undefined;
  count = 0;
  readonly first: TimeBackwards[] = [];

  /** Notes one row (already verified); rows must come in chain order. */
  observe(row: StoredRow): void {
    const seq = Number(row[0]);
    const at = row[5];
    const ms = Date.parse(at);
    const previous = this.previous;
    this.previous = { seq, at, ms, body: row[8] };
    if (previous === undefined || !(ms < previous.ms - CLOCK_TOLERANCE_MS)) return;
    if (atSetClock(row[8]) || atSetClock(previous.body)) return;
    this.add({ count: 1, first: [{ seq, at, previousSeq: previous.seq, previousAt: previous.at }] });
  }

  /** Adds findings made elsewhere (another slice of the chain). */
  add(found: { count: number; first: TimeBackwards[] } | undefined): void {
    if (found === undefined) return;
    this.count += found.count;
    for (const item of found.first) if (this.first.length < MAX_TIME_BACKWARDS_LISTED) this.first.push(item);
  }

  /** The findings as a verdict carries them, or undefined when there are none. */
  result(): { count: number; first: TimeBackwards[] } | undefined {
    return this.count === 0 ? undefined : { count: this.count, first: [...this.first] };
  }
}

/** Walks a chain one row at a time; `check` returns why the row breaks it, or undefined. */
class ChainVerifier {
  private previous: string | undefined;
  private expectedSeq: number;
  private count = 0;
  private lastSeq = 0;
  first: number | undefined;
  private quotedPipeline = '';
  private pipeline: string | undefined;
  private readonly time = new TimeOrder();
  linkedTo: string | undefined;

  constructor(from?: ChainStart) {
    this.expectedSeq = from?.seq ?? 1;
    this.previous = from ? undefined : GENESIS_HASH;
  }

  check(pipeline: string, row: StoredRow): string | undefined {
    const seq = Number(row[0]);
    const prevHash = row[6];
    const hash = row[7];
    const body = row[8];
    this.count++;
    this.lastSeq = seq;
    this.first ??= seq;
    if (seq !== this.expectedSeq)
      return `expected entry #${this.expectedSeq}, found #${seq} (an entry is missing or was inserted)`;
    if (this.previous === undefined) this.linkedTo = prevHash;
    else if (prevHash !== this.previous)
      return `its previous-hash ${prevHash} does not match entry #${seq - 1}'s hash ${this.previous}`;
    const actual = sha256(body);
    if (actual !== hash)
      return `its body hashes to ${actual}, but ${hash} is recorded (the entry was edited)`;
    if (pipeline !== this.pipeline) {
      this.pipeline = pipeline;
      this.quotedPipeline = JSON.stringify(pipeline);
    }
    if (!columnsMatchBody(row, seq, this.quotedPipeline)) return COLUMNS_EDITED;
    this.time.observe(row);
    this.previous = hash;
    this.expectedSeq++;
    return undefined;
  }

  broken(reason: string): ChainVerdict {
    return { ok: false, entries: this.count, seq: this.lastSeq, reason };
  }

  verdict(): ChainVerdict {
    const timeBackwards = this.time.result();
    return {
      ok: true,
      entries: this.count,
      head: this.previous ?? this.linkedTo ?? GENESIS_HASH,
      ...(timeBackwards === undefined ? {} : { timeBackwards }),
    };
  }
}

/**
 * The body is canonical JSON, so its keys are sorted: actor, artifact, at, kind, payload, pipeline,
 * prev, seq, stage. Matching the parts around the payload against the columns, in place, checks
 * every column without parsing the body or building strings the size of it.
 */
function columnsMatchBody(row: StoredRow, seq: number, quotedPipeline: string): boolean {
  const body = row[8];
  let at = literal(body, 0, '{"actor":');
  at = jsonString(body, at, row[4]);
  at = literal(body, at, ',"artifact":');
  at = jsonString(body, at, row[3]);
  at = literal(body, at, ',"at":');
  at = jsonString(body, at, row[5]);
  at = literal(body, at, ',"kind":');
  at = jsonString(body, at, row[1]);
  at = literal(body, at, ',"payload":');
  if (at < 0) return false;
  // After the payload: ,"pipeline":P,"prev":H,"seq":N,"stage":S}. Inside a JSON string every quote
  // is escaped, so the last `,"pipeline":` is the top-level key, not text inside the payload.
  let end = body.lastIndexOf(',"pipeline":');
  if (end < at) return false;
  end = literal(body, end + 12, quotedPipeline);
  end = literal(body, end, ',"prev":');
  end = jsonString(body, end, row[6]);
  end = literal(body, end, ',"seq":');
  end = literal(body, end, String(seq));
  end = literal(body, end, ',"stage":');
  end = jsonString(body, end, row[2]);
  return end === body.length - 1 && body.charCodeAt(end) === 125; // }
}

/** The position after `part` when `body` has it at `at`; -1 otherwise (and once anything differed). */
function literal(body: string, at: number, part: string): number {
  return at >= 0 && body.startsWith(part, at) ? at + part.length : -1;
}

/** The position after the JSON text of `value` (a string or null) when `body` has it at `at`; else -1. */
function jsonString(body: string, at: number, value: string | null): number {
  if (at < 0) return -1;
  if (value === null) return literal(body, at, 'null');
  // Without a quote or backslash in the value, "value" in the body can only be that value; this
  // avoids building the quoted text for every column of every row. Anything else (control
  // characters, lone surrogates, quotes) is compared as JSON.stringify writes it.
  if (
    value.indexOf('"') < 0 &&
    value.indexOf('\\') < 0 &&
    body.charCodeAt(at) === 34 &&
    body.startsWith(value, at + 1) &&
    body.charCodeAt(at + 1 + value.length) === 34
  )
    return at + value.length + 2;
  return literal(body, at, JSON.stringify(value));
}
