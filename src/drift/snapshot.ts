/**
 * What of a drift report is stored with a promotion: the report itself (same shape, so the same
 * renderers show it later) with large values replaced by a short hash. Secret values were never in
 * the report; this keeps promotion entries small as well.
 */

import { createHash } from 'node:crypto';
import { toOneLineText as oneLine } from '../text/terminal-text.js';
import type { DriftDifference, DriftReport } from './report.js';
import type { ConfigValue } from './types.js';

/** `sha256:` and the first 12 hex digits of a (non-secret) value's JSON, for values too long to keep. */
export function shortHash(value: ConfigValue): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 12)}`;
}

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

/**
 * A few lines per stored report, for `tollgate explain DIGEST`: the budget use per class and each
 * difference's path, class and status (values left out). Accepts the stored `snapshots.drift`.
 */
export function renderDriftSnapshotText(snapshot: unknown): string {
  const reports = (snapshot as { reports?: DriftReport[] } | undefined)?.reports;
  if (!Array.isArray(reports)) return 'no drift report stored';
  if (reports.length === 0) return 'no upstream stage: no drift compared';
  const lines: string[] = [];
  for (const report of reports) {
    const over = report.classes.filter((use) => use.over).map((use) => use.class);
    lines.push(
      `drift ${report.upstream.stage} → ${report.downstream.stage} at ${report.generatedAt}: ` +
        `${report.differences.length} difference(s), ${over.length === 0 ? 'within budget' : `over budget in ${over.join(', ')}`}`,
    );
    lines.push(`  ${report.classes.map((use) => `${use.class} ${use.undeclared}/${use.budget}`).join(', ')}`);
    for (const difference of report.differences) {
      const status = difference.declared ? `declared: ${difference.reason}` : 'undeclared';
      lines.push(`  ${difference.kind} ${oneLine(difference.path)} [${difference.class}] ${oneLine(status)}`);
    }
    for (const stale of report.stale)
      lines.push(`  stale declaration ${oneLine(stale.path)} (${stale.class}): ${oneLine(stale.reason)}`);
  }
  return lines.join('\n');
}
