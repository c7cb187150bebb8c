/** Picking the evidence records a gate reads. */
import type { EvidenceData, EvidenceRecord } from '../evidence/evidence.js';
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

/**
 * The latest record per source (as named by `sourceOf`): a re-run of the same scanner or SBOM tool
 * replaces its earlier result, while different tools add up. Ties on time go to the later id.
 */
export function latestPerSource<R extends EvidenceRecord>(
  records: readonly R[],
  sourceOf: (record: R) => string,
): R[] {
  const latest = new Map<string, R>();
  for (const record of records) {
    const key = sourceOf(record);
    const current = latest.get(key);
    if (
      !current ||
      record.recordedAt > current.recordedAt ||
      (record.recordedAt === current.recordedAt && record.id > current.id)
    ) {
      latest.set(key, record);
    }
  }
  return [...latest.values()].sort((a, b) => byCodeUnits(a.recordedAt, b.recordedAt));
}

/** "a, b, c and 4 more" for lists in decision lines. */
export function listSome(items: readonly string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
