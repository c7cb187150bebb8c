/**
 * Evidence is content-addressed and chained by reference: its id is the sha256 of its content
 * (artifact, data, format, source digest, stage), and the `attest` (or `verification`) ledger entry
 * that recorded it names that id together with its signer. The evidence table is where the content
 * lives; the chain is what vouches for it. `verifyEvidence` holds the two together before any
 * decision reads evidence, so an edited, inserted or deleted row, or a signer set behind the
 * ledger's back, stops the command (LEDGER_CORRUPT, exit 4) instead of changing a verdict.
 */
import { TollgateError } from '../errors.js';
import type { EvidenceRecord, EvidenceSigner } from '../evidence/evidence.js';
import { type ChainedEntry, ENTRY } from './entry.js';
import { canonicalJson, sha256 } from './hash-chain.js';

/** What the content-addressed id of an evidence record covers. */
export interface EvidenceContent {
  stage: string | null;
  format: string;
  sourceDigest: string;
}

/**
 * canonicalJson({ artifact, stage, format, sourceDigest, data }) given the canonical JSON of
 * `data`: the members in sorted order around it, so the largest part is serialised only once.
 */
export function evidenceContentJson(artifact: string, input: EvidenceContent, dataJson: string): string {
  const q = JSON.stringify;
  return `{"artifact":${q(artifact)},"data":${dataJson},"format":${q(input.format)},"sourceDigest":${q(input.sourceDigest)},"stage":${input.stage === null ? 'null' : q(input.stage)}}`;
}

/** The id of an evidence record: sha256 of its content's canonical JSON. */
export function evidenceId(artifact: string, input: EvidenceContent, dataJson: string): string {
  return sha256(evidenceContentJson(artifact, input, dataJson));
}

/** How an `attest` entry lists one evidence record it recorded. */
export interface EvidenceReference {
  id: string;
  kind: string;
  format: string;
  source: string;
  /**
   * The verified signer, or null. Entries written before the signer was chained (issue 12) have
   * no such member: their records count as unsigned, since nothing vouches for the column.
   */
  signer?: EvidenceSigner | null;
}

/** The ledger's word on one evidence record: the entry that recorded it and the signer it names. */
interface Vouched {
  entry: ChainedEntry;
  /** Undefined for entries that predate chained signers. */
  signer: EvidenceSigner | null | undefined;
}

/** Every evidence id the given (verified) entries record, with the first entry that recorded it. */
function vouchedEvidence(entries: readonly ChainedEntry[]): Map<string, Vouched> {
  const vouched = new Map<string, Vouched>();
  for (const entry of entries) {
    if (entry.kind === ENTRY.attest) {
      const listed = entry.payload.evidence;
      if (!Array.isArray(listed)) continue;
      for (const item of listed as EvidenceReference[]) {
        if (item === null || typeof item !== 'object' || typeof item.id !== 'string') continue;
        if (!vouched.has(item.id))
          vouched.set(item.id, {
            entry,
            signer: Object.hasOwn(item, 'signer') ? (item.signer ?? null) : undefined,
          });
      }
    } else if (entry.kind === ENTRY.verification) {
      const id = entry.payload.evidence;
      if (typeof id === 'string' && !vouched.has(id)) vouched.set(id, { entry, signer: null });
    }
  }
  return vouched;
}

/** LEDGER_CORRUPT naming the evidence record (and the entry that recorded it, when there is one). */
export function evidenceBroken(pipeline: string, id: string, reason: string, seq?: number): TollgateError {
  const recorded = seq === undefined ? '' : ` (recorded by ledger entry #${seq})`;
  return new TollgateError(
    'LEDGER_CORRUPT',
    `evidence ${id} of pipeline ${pipeline}${recorded} fails verification: ${reason}; nothing was decided or recorded; run \`tollgate ledger verify\``,
  );
}

/** The first evidence record that fails verification, and why. */
export interface EvidenceProblem {
  id: string;
  reason: string;
  /** The ledger entry that recorded it, when one does. */
  seq?: number;
}

/**
 * The artifact's evidence as the chain vouches for it, in the order given. `entries` are the
 * artifact's ledger entries, already verified; `records` are its evidence rows as stored. Throws
 * LEDGER_CORRUPT when a row's content no longer hashes to its id, when no entry records a row (an
 * inserted row), when an entry records an id with no row (a deleted row), or when a row's signer,
 * actor or time differ from what the recording entry says. A signer that only the column claims
 * (entries written before signers were chained) is dropped: the record counts as unsigned.
 */
export function verifyEvidence(
  pipeline: string,
  records: readonly EvidenceRecord[],
  entries: readonly ChainedEntry[],
): EvidenceRecord[] {
  const checked = checkEvidence(records, entries);
  if ('problem' in checked) {
    const { id, reason, seq } = checked.problem;
    throw evidenceBroken(pipeline, id, reason, seq);
  }
  return checked.records;
}

/** `verifyEvidence` as a value: the vouched records, or the first problem. */
export function checkEvidence(
  records: readonly EvidenceRecord[],
  entries: readonly ChainedEntry[],
): { records: EvidenceRecord[] } | { problem: EvidenceProblem } {
  const vouched = vouchedEvidence(entries);
  const out: EvidenceRecord[] = [];
  for (const record of records) {
    const word = vouched.get(record.id);
    if (!word)
      return { problem: { id: record.id, reason: 'no ledger entry records it (the row was inserted)' } };
    const seq = word.entry.seq;
    const broken = (reason: string) => ({ problem: { id: record.id, reason, seq } });
    const dataJson = record.dataJson ?? canonicalJson(record.data);
    let actual = evidenceId(record.artifact, record, dataJson);
    // Text stored by an older version may be JSON in another key order: hash the content itself.
    if (actual !== record.id && record.dataJson !== undefined)
      actual = evidenceId(record.artifact, record, canonicalJson(record.data));
    if (actual !== record.id) return broken(`its content hashes to ${actual} (the row was edited)`);
    if (record.artifact !== word.entry.artifact)
      return broken('it names another artifact than the entry that recorded it');
    if (record.actor !== word.entry.actor || record.recordedAt !== word.entry.at)
      return broken(
        `its actor or time (${record.actor}, ${record.recordedAt}) differ from the entry's (${word.entry.actor}, ${word.entry.at}) (a column was edited)`,
      );
    let signer = record.signer;
    if (word.signer === undefined) signer = null;
    else if (canonicalJson(record.signer) !== canonicalJson(word.signer))
      return broken(
        `its signer column says ${record.signer === null ? 'unsigned' : record.signer.name}, the entry that recorded it says ${word.signer === null ? 'unsigned' : word.signer.name} (a column was edited)`,
      );
    vouched.delete(record.id);
    out.push(signer === record.signer ? record : { ...record, signer });
  }
  // Whatever is left was recorded by the chain but has no row: a deleted report still counts
  // against the artifact, so no decision is made without it.
  for (const [id, word] of vouched)
    return {
      problem: {
        id,
        reason: 'its row is missing from the evidence table (the row was deleted)',
        seq: word.entry.seq,
      },
    };
  return { records: out };
}
