/**
 * What of a drift report is stored with a promotion: the report itself (same shape, so the same
 * renderers show it later) with large values replaced by a short hash. Secret values were never in
 * the report; this keeps promotion entries small as well.
 */
import type { DriftDifference, DriftReport } from './report.js';
import { shortHash } from './secrets.js';
import type { ConfigValue } from './types.js';

/** Values whose JSON is longer than this are stored as a hash. */
export const SNAPSHOT_VALUE_LIMIT = 200;

function trim(difference: DriftDifference): DriftDifference {
  const copy: DriftDifference = { ...difference };
  for (const side of ['before', 'after'] as const) {
    const value = copy[side];
    if (value === undefined) continue;
    if (JSON.stringify(value).length > SNAPSHOT_VALUE_LIMIT) {
      delete copy[side];
      copy[side === 'before' ? 'beforeHash' : 'afterHash'] = shortHash(value as ConfigValue);
    }
  }
  return copy;
}

/** The report as stored with a promotion. */
export function snapshotDriftReport(report: DriftReport): DriftReport {
  return { ...report, differences: report.differences.map(trim) };
}
