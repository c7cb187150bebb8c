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
  let quotedPipeline = '';
  let pipeline: string | undefined;
  for (const entry of entries) {
    count++;
    let reason: string | undefined;
    const { body } = entry;
    if (entry.seq !== expectedSeq) {
      reason = `expected entry #${expectedSeq}, found #${entry.seq} (an entry is missing or was inserted)`;
    } else if (entry.prevHash !== previous) {
      reason = `its previous-hash ${entry.prevHash} does not match entry #${entry.seq - 1}'s hash ${previous}`;
    } else {
      const actual = sha256(body);
      if (actual !== entry.hash) {
        reason = `its body hashes to ${actual}, but ${entry.hash} is recorded (the entry was edited)`;
      } else {
        if (entry.pipeline !== pipeline) {
          pipeline = entry.pipeline;
          quotedPipeline = JSON.stringify(pipeline);
        }
        if (!columnsMatchBody(entry, body, quotedPipeline)) {
          reason =
            'its columns (actor, artifact, at, kind, pipeline, seq, stage) disagree with its hashed body (a column was edited)';
        }
      }
    }
    if (reason !== undefined) return { ok: false, entries: count, seq: entry.seq, reason };
    previous = entry.hash;
    expectedSeq++;
  }
  return { ok: true, entries: count, head: previous };
}

/** Characters JSON.stringify escapes in a string (and any surrogate, to be safe). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify for a string or null, without its per-call cost in the common case. */
function quoteJson(value: string | null): string {
  if (value === null) return 'null';
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/**
 * The body is canonical JSON, so its keys are sorted: actor, artifact, at, kind, payload, pipeline,
 * prev, seq, stage. Matching the parts around the payload against the columns, in place, checks
 * every column without parsing the body or building strings the size of it.
 */
function columnsMatchBody(entry: StoredEntry, body: string, quotedPipeline: string): boolean {
  // Each step checks one literal part at `at` and moves past it; -1 once anything differs.
  const next = (at: number, part: string) => (at >= 0 && body.startsWith(part, at) ? at + part.length : -1);
  let at = next(0, '{"actor":');
  at = next(at, quoteJson(entry.actor));
  at = next(at, ',"artifact":');
  at = next(at, quoteJson(entry.artifact));
  at = next(at, ',"at":');
  at = next(at, quoteJson(entry.at));
  at = next(at, ',"kind":');
  at = next(at, quoteJson(entry.kind));
  at = next(at, ',"payload":');
  if (at < 0) return false;
  const prev = quoteJson(entry.prevHash);
  const seq = String(entry.seq);
  const stage = quoteJson(entry.stage);
  // ,"pipeline":P,"prev":H,"seq":N,"stage":S}
  const tailLength = 12 + quotedPipeline.length + 8 + prev.length + 7 + seq.length + 9 + stage.length + 1;
  let end = body.length - tailLength;
  if (end < at) return false;
  end = next(end, ',"pipeline":');
  end = next(end, quotedPipeline);
  end = next(end, ',"prev":');
  end = next(end, prev);
  end = next(end, ',"seq":');
  end = next(end, seq);
  end = next(end, ',"stage":');
  end = next(end, stage);
  end = next(end, '}');
  return end === body.length;
}
