/**
 * The ledger's hash chain. Each entry's body is canonical JSON (sorted keys, no whitespace) that
 * includes the previous entry's hash; the entry's hash is sha256 of that body. Editing, removing or
 * reordering any entry breaks every hash after it, and `verifyChain` names the first that breaks.
 */
import { hash } from 'node:crypto';
import { fastCanonicalJson } from '../evidence/canonical-json.js';

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

/** What every ledger entry says. `payload` is kind-specific. */
export interface EntryContent {
  pipeline: string;
  seq: number;
  kind: string;
  stage: string | null;
  artifact: string | null;
  actor: string;
  at: string;
  payload: Record<string, unknown>;
}

export interface ChainedEntry extends EntryContent {
  prevHash: string;
  hash: string;
  /** The exact bytes that were hashed. */
  body: string;
}

/** Builds the body and hash of the entry that follows `prevHash`. */
export function chainEntry(content: EntryContent, prevHash: string): ChainedEntry {
  const body = canonicalJson({ ...content, prev: prevHash });
  return { ...content, prevHash, hash: sha256(body), body };
}

/** A stored row as the verifier needs it: the indexed columns and the hashed body. */
export interface StoredEntry {
  pipeline: string;
  seq: number;
  actor: string;
  at: string;
  kind: string;
  stage: string | null;
  artifact: string | null;
  prevHash: string;
  hash: string;
  body: string;
}

export type ChainVerdict =
  | { ok: true; entries: number; head: string }
  | { ok: false; entries: number; seq: number; reason: string };

/**
 * Recomputes the chain over entries given oldest first. Checks each body's hash, its link to the
 * previous entry, the sequence, and that the queryable columns agree with the hashed body (so an
 * edit to a column the application reads cannot hide behind an intact body).
 */
export function verifyChain(entries: Iterable<StoredEntry>): ChainVerdict {
  let previous = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for (const entry of entries) {
    count++;
    const fail = (reason: string): ChainVerdict => ({ ok: false, entries: count, seq: entry.seq, reason });
    if (entry.seq !== expectedSeq)
      return fail(
        `expected entry #${expectedSeq}, found #${entry.seq} (an entry is missing or was inserted)`,
      );
    if (entry.prevHash !== previous)
      return fail(
        `its previous-hash ${entry.prevHash} does not match entry #${entry.seq - 1}'s hash ${previous}`,
      );
    const actual = sha256(entry.body);
    if (actual !== entry.hash)
      return fail(`its body hashes to ${actual}, but ${entry.hash} is recorded (the entry was edited)`);
    // The body is canonical JSON, so its keys are sorted: actor, artifact, at, kind, payload,
    // pipeline, prev, seq, stage. Rebuilding the parts around the payload from the columns checks
    // every column without parsing the body.
    const q = JSON.stringify;
    const prefix = `{"actor":${q(entry.actor)},"artifact":${q(entry.artifact)},"at":${q(entry.at)},"kind":${q(entry.kind)},"payload":`;
    const suffix = `,"pipeline":${q(entry.pipeline)},"prev":${q(entry.prevHash)},"seq":${entry.seq},"stage":${q(entry.stage)}}`;
    if (!entry.body.startsWith(prefix) || !entry.body.endsWith(suffix)) {
      return fail(
        'its columns (actor, artifact, at, kind, pipeline, seq, stage) disagree with its hashed body (a column was edited)',
      );
    }
    previous = entry.hash;
    expectedSeq++;
  }
  return { ok: true, entries: count, head: previous };
}
