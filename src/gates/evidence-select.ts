/** Picking the evidence records a gate reads. */
import { shortHash } from '../artifact/digest.js';
import type { EvidenceData, EvidenceRecord } from '../evidence/evidence.js';
import { ledgerRef } from '../ledger/ledger-view.js';
import { ownValue } from '../records.js';
import { byCodeUnits } from '../text/order.js';
import type { DecisionItem, SharedReport } from './gate.js';

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

/** When a record's report says it ran (`ranAt` of tests, scans and SBOMs), if it says. */
function ranAtOf(record: EvidenceRecord): string | undefined {
  const data = record.data as { ranAt?: unknown };
  return typeof data.ranAt === 'string' ? data.ranAt : undefined;
}

/** The run time a record is ordered by, and the words that say where it comes from. */
interface RunTime {
  time: string;
  ms: number;
  /** "says it ran T (unsigned)", or, when the stated time is after the record's ledger time, that. */
  says: string;
}

/**
 * The run time a record counts with: the time its report states, but never later than the time
 * the ledger recorded it. A report cannot have run after it was recorded, and the stated time is
 * the report's own word (unsigned unless it came inside a signed statement): a report stating
 * 2099 would otherwise require every later run, honest ones included, to be newer than 2099.
 */
function runTimeOf(record: EvidenceRecord): RunTime | undefined {
  const stated = ranAtOf(record);
  if (stated === undefined) return undefined;
  const statedMs = Date.parse(stated);
  const recordedMs = Date.parse(record.recordedAt);
  if (Number.isNaN(statedMs)) return undefined;
  const whose = record.signer === null ? 'unsigned' : `signed by ${record.signer.name}`;
  if (!Number.isNaN(recordedMs) && statedMs > recordedMs) {
    return {
      time: record.recordedAt,
      ms: recordedMs,
      says: `was recorded ${record.recordedAt} (its report, ${whose}, says it ran ${stated}, after that: the ledger time is used)`,
    };
  }
  return { time: stated, ms: statedMs, says: `says it ran ${stated} (${whose})` };
}

/**
 * What the reports' own run times say about the reports that count (one per source, as picked by
 * ledger order): a `required` line for each that states an earlier run than a report of its source
 * recorded before it (an old report replayed over a newer run: the newer run's result is what
 * stands, so a run newer than it is required), a remaining-risk line for each that replaced an
 * earlier report when either states no run time (the order could not be checked). A re-run stating
 * a later or equal time replaces as before. A stated time after the record's ledger time counts as
 * the ledger time (see {@link runTimeOf}), and the line says which time it used. Only ever adds lines: which report counts is unchanged,
 * so a report stating a far-future time cannot shield itself from a later failing one.
 * @example runOrderLines('tests', records, [latest], () => 'unit', () => 'suite unit', seq)
 */
export function runOrderLines<R extends EvidenceRecord>(
  gate: string,
  records: readonly R[],
  current: readonly R[],
  sourceOf: (record: R) => string,
  label: (record: R) => string,
  evidenceSeq?: EvidenceSeq,
): { required: DecisionItem[]; risks: DecisionItem[] } {
  const compare = byLedgerOrder(evidenceSeq);
  const where = (record: R) => {
    const seq = ownValue(evidenceSeq ?? {}, record.id);
    return seq === undefined ? `recorded ${record.recordedAt}` : ledgerRef(seq);
  };
  const required: DecisionItem[] = [];
  const risks: DecisionItem[] = [];
  for (const latest of current) {
    const source = sourceOf(latest);
    const replaced = records.filter(
      (record) => record !== latest && sourceOf(record) === source && compare(record, latest) < 0,
    );
    if (replaced.length === 0) continue;
    const ran = runTimeOf(latest);
    let newest: { record: R; run: RunTime } | undefined;
    for (const record of replaced) {
      const run = runTimeOf(record);
      if (run !== undefined && (newest === undefined || run.ms > newest.run.ms)) newest = { record, run };
    }
    if (ran !== undefined && newest !== undefined && newest.run.ms > ran.ms) {
      required.push({
        gate,
        text: `${label(latest)}: the report that counts (${where(latest)}) ${ran.says}, before the report recorded ahead of it (${where(newest.record)}) that ${newest.run.says}: an older run recorded over a newer one does not replace it; record a run newer than ${newest.run.time}`,
        evidence: [latest.id, newest.record.id],
      });
    } else if (ran === undefined || replaced.some((record) => ranAtOf(record) === undefined)) {
      const missing = ran === undefined ? 'it states' : 'a report it replaced states';
      risks.push({
        gate,
        text: `${label(latest)}: the report that counts (${where(latest)}) replaced ${replaced.length} recorded before it, and ${missing} no run time, so whether it is the newest run was not checked`,
        evidence: [latest.id],
      });
    }
  }
  return { required, risks };
}

/**
 * Lines for each unsigned record that counts whose very bytes were recorded for another artifact
 * of the pipeline before it: an unsigned report names no artifact, so it may be another build's
 * result attested for this digest. `refuse` (the default) makes each a `required` line, naming the
 * other artifact and the ledger entry; `allow` a remaining-risk line. Signed records are left
 * alone: their statement names this digest.
 * @example sharedReportLines('tests', [record], facts.sharedReports, 'refuse', () => 'suite unit', seq)
 */
export function sharedReportLines<R extends EvidenceRecord>(
  gate: string,
  current: readonly R[],
  shared: readonly SharedReport[] | undefined,
  policy: 'refuse' | 'allow',
  label: (record: R) => string,
  evidenceSeq?: EvidenceSeq,
): { required: DecisionItem[]; risks: DecisionItem[] } {
  const required: DecisionItem[] = [];
  const risks: DecisionItem[] = [];
  if (shared === undefined || shared.length === 0) return { required, risks };
  for (const record of current) {
    if (record.signer !== null) continue;
    const seq = ownValue(evidenceSeq ?? {}, record.id);
    const earlier = shared
      .filter(
        (other) =>
          other.source === record.sourceDigest &&
          other.artifact !== record.artifact &&
          (seq === undefined || other.seq < seq),
      )
      .sort((a, b) => a.seq - b.seq);
    const first = earlier[0];
    if (first === undefined) continue;
    const more = earlier.length > 1 ? ` (and ${earlier.length - 1} more)` : '';
    const here = seq === undefined ? '' : ` (${ledgerRef(seq)})`;
    const what = `${label(record)}: the same report bytes (${shortHash(record.sourceDigest)}…) were recorded for artifact ${first.artifact} at ${ledgerRef(first.seq)}${more} before this digest's${here}; an unsigned report names no artifact, so it may be that build's result`;
    const evidence = [record.id, first.id, ledgerRef(first.seq)];
    if (policy === 'allow') {
      risks.push({ gate, text: `${what} (counted: sharedReports: allow)`, evidence });
    } else {
      required.push({
        gate,
        text: `${what}: attest this digest's own run, or signed evidence naming it (sharedReports: allow counts one run for several images)`,
        evidence,
      });
    }
  }
  return { required, risks };
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
    risk: `${what} from ${record.format} names image ${manifests[0]!}${more}, not this artifact's ${record.artifact}: it may describe another build (a multi-platform image registered by its index names its platforms' manifests)`,
  };
}
