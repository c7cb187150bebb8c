/**
 * One read of what the ledger holds about one artifact: its registration, its evidence and its
 * entries, with the view the gates see. Every use case that looks at an artifact (check, promote,
 * approve, explain, status, history) reads it this way, in one place.
 */
import type { Lookalike } from '../artifact/digest.js';
import type { Artifact } from '../contract/types.js';
import { TollgateError } from '../errors.js';
import type { EvidenceRecord } from '../evidence/evidence.js';
import type { SharedReport } from '../gates/gate.js';
import type { ChainedEntry } from '../ledger/entry.js';
import { verifyEvidence } from '../ledger/evidence-chain.js';
import type { LedgerReader } from '../ledger/ledger-store.js';
import { buildLedgerView, type LedgerView, registeredArtifact } from '../ledger/ledger-view.js';
import { ownValue } from '../records.js';

export interface ArtifactFacts {
  artifact: Artifact;
  evidence: EvidenceRecord[];
  /** The artifact's ledger entries, oldest first. */
  entries: ChainedEntry[];
  ledger: LedgerView;
  /** Other registered artifacts whose digest looks the same to a person (same short digest). */
  lookalikes: Lookalike[];
}

/**
 * The artifact as its hash-chained register entry recorded it (its artifacts row only for a ledger
 * whose register entry is missing or damaged), so a label edited in the artifacts table behind the
 * ledger's back changes nothing a decision, `status`, `history` or `explain` says, and labels come
 * in one order everywhere. Undefined when the pipeline never registered the digest.
 */
export async function artifactOf(
  reader: LedgerReader,
  pipeline: string,
  digest: string,
  entries: readonly ChainedEntry[],
): Promise<Artifact | undefined> {
  return registeredArtifact(entries) ?? (await reader.getArtifact(pipeline, digest));
}

/** Reads everything the ledger holds about `digest` from `reader` (the store, or a write transaction). */
export async function readArtifactFacts(
  reader: LedgerReader,
  pipeline: string,
  digest: string,
): Promise<ArtifactFacts | undefined> {
  const [evidence, history] = await Promise.all([
    reader.listEvidence(pipeline, digest),
    readArtifactHistory(reader, pipeline, digest),
  ]);
  const { artifact, entries, ledger } = history;
  if (!artifact) return undefined;
  // After the artifact's own entries, so a break among them is what a decision names first; the
  // look-alikes are read from their verified register entries (src/ledger/sql-ledger-store.ts),
  // once: the entries' look-alike check hands over the ones it read.
  const lookalikes = await history.lookalikes();
  return { artifact, evidence: verifyEvidence(pipeline, evidence, entries), entries, ledger, lookalikes };
}

/** Kinds whose gates judge one report as the artifact's result (tests, scans, SBOMs). */
const REPORT_KINDS = new Set(['tests', 'vulnerabilities', 'sbom']);

/**
 * The records of other artifacts of the pipeline made from the same input bytes as one of
 * `evidence`'s unsigned reports, each with the ledger entry that recorded it. Only rows that the
 * other artifact's verified entries vouch for count. One indexed read per unsigned report, and one
 * read of each other artifact's entries when there is any.
 */
export async function readSharedReports(
  reader: LedgerReader,
  pipeline: string,
  digest: string,
  evidence: readonly EvidenceRecord[],
): Promise<SharedReport[]> {
  const sources = new Set(
    evidence
      .filter((record) => record.signer === null && REPORT_KINDS.has(record.data.kind))
      .map((record) => record.sourceDigest),
  );
  const shared: SharedReport[] = [];
  const seqOf = new Map<string, Readonly<Record<string, number>>>();
  for (const source of sources) {
    for (const row of await reader.evidenceBySource(pipeline, source)) {
      if (row.artifact === digest) continue;
      let seqs = seqOf.get(row.artifact);
      if (seqs === undefined) {
        seqs = buildLedgerView(await reader.entriesForArtifact(pipeline, row.artifact)).evidenceSeq ?? {};
        seqOf.set(row.artifact, seqs);
      }
      const seq = ownValue(seqs, row.id);
      if (seq !== undefined) shared.push({ source, artifact: row.artifact, id: row.id, seq });
    }
  }
  return shared;
}

/**
 * The artifact's entries and ledger view without its evidence (`status`, `history`), and its
 * look-alikes to read after them (read once, with the entries' look-alike check, when it reads them).
 */
export async function readArtifactHistory(
  reader: LedgerReader,
  pipeline: string,
  digest: string,
): Promise<{
  artifact: Artifact | undefined;
  entries: ChainedEntry[];
  ledger: LedgerView;
  lookalikes: () => Promise<Lookalike[]>;
}> {
  const { entries, lookalikes } = await reader.entriesAndLookalikes(pipeline, digest);
  const artifact = await artifactOf(reader, pipeline, digest, entries);
  return { artifact, entries, ledger: buildLedgerView(entries), lookalikes };
}

/** The error for a digest the pipeline has never registered (exit 3): it says what to run. */
export function artifactNotRegistered(pipeline: string, digest: string): TollgateError {
  return new TollgateError(
    'ARTIFACT_NOT_FOUND',
    `artifact ${digest} is not registered in pipeline ${pipeline}: run \`tollgate register --digest ${digest}\` first`,
  );
}
