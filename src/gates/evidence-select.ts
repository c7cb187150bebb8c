/** Picking the evidence records a gate reads. */
import { shortDigest } from '../artifact/digest.js';
import type { EvidenceData, EvidenceRecord } from '../evidence/evidence.js';
import { ownValue } from '../records.js';
import { byCodeUnits } from '../text/order.js';

export type RecordOf<K extends EvidenceData['kind']> = EvidenceRecord & {
  data: Extract<EvidenceData, { kind: K }>;
};

/** Every record of one evidence kind. */
export function recordsOfKind<K extends EvidenceData['kind']>(
  evidence: readonly EvidenceRecord[],
  kind: K,
): RecordOf<K>[] {
  return evidence.filter((record): record is RecordOf<K> => record.data.kind === kind);
}

/** Evidence id → the seq of the ledger entry that recorded it (`LedgerView.evidenceSeq`). */
export type EvidenceSeq = Readonly<Record<string, number>>;

/**
 * Orders evidence records oldest first by ledger order: the seq of the entry that recorded each,
 * which no recorder's clock moves. A record the ledger does not place sorts after the placed ones,
 * by time; records of one entry (or both unplaced at one time) by id.
 */
export function byLedgerOrder(
  evidenceSeq: EvidenceSeq = {},
): (a: Pick<EvidenceRecord, 'id' | 'recordedAt'>, b: Pick<EvidenceRecord, 'id' | 'recordedAt'>) => number {
  const order = (record: Pick<EvidenceRecord, 'id'>) =>
    ownValue(evidenceSeq, record.id) ?? Number.MAX_SAFE_INTEGER;
  return (a, b) => order(a) - order(b) || byCodeUnits(a.recordedAt, b.recordedAt) || byCodeUnits(a.id, b.id);
}

/**
 * The latest record per source (as named by `sourceOf`): a re-run of the same scanner or SBOM tool
 * replaces its earlier result, while different tools add up. "Latest" is ledger order
 * (`byLedgerOrder`), never the recorder's clock: a failing report attested after a passing one
 * replaces it even when its recordedAt reads earlier. Returned oldest first.
 */
export function latestPerSource<R extends EvidenceRecord>(
  records: readonly R[],
  sourceOf: (record: R) => string,
  evidenceSeq?: EvidenceSeq,
): R[] {
  const compare = byLedgerOrder(evidenceSeq);
  const latest = new Map<string, R>();
  for (const record of records) {
    const key = sourceOf(record);
    const current = latest.get(key);
    if (!current || compare(record, current) > 0) latest.set(key, record);
  }
  return [...latest.values()].sort(compare);
}

/** "a, b, c and 4 more" for lists in decision lines. */
export function listSome(items: readonly string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** What a scan's or SBOM's own image naming adds to its gate's lines. */
export interface ImageNaming {
  /** Appended to the record's validated line: says the document names this digest, or nothing. */
  suffix: string;
  /** A remaining-risk line when the document names another image's manifest. */
  risk?: string;
}

/**
 * Compares a scan's or SBOM's own `describes` with the record's artifact: a suffix for its
 * validated line when the document names the artifact's digest among its images, a remaining-risk
 * line naming the first other manifest it names, neither when it names none. Such a document is
 * never refused: a multi-platform image registered by its index digest is scanned as one platform's
 * manifest. An image id (config digest, Trivy's only name for a scanned tarball) never raises it.
 * @example imageNaming('scan', record) // { suffix: '', risk: 'scan from trivy names image sha256:0b5e4a6fd7a1… …' }
 * @example imageNaming('SBOM', record) // { suffix: '; it names this digest' }
 */
export function imageNaming(
  what: 'scan' | 'SBOM',
  record: EvidenceRecord & { data: { describes?: string[]; imageIds?: string[] } },
): ImageNaming {
  const describes = record.data.describes ?? [];
  if (describes.includes(record.artifact)) {
    return { suffix: `; ${what === 'scan' ? 'the report' : 'it'} names this digest` };
  }
  // An image id (config digest) is never what an image is registered by: it cannot contradict.
  const ids = record.data.imageIds ?? [];
  const manifests = describes.filter((digest) => !ids.includes(digest));
  if (manifests.length === 0) return { suffix: '' };
  const more = manifests.length > 1 ? ` (and ${manifests.length - 1} more)` : '';
  return {
    suffix: '',
    risk: `${what} from ${record.format} names image ${shortDigest(manifests[0]!)}…${more}, not this artifact's ${shortDigest(record.artifact)}…: it may describe another build (a multi-platform image registered by its index names its platforms' manifests)`,
  };
}
