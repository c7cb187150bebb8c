/**
 * `rollback check` results for people: one block per condition with the current value, the
 * threshold, how long it has held and the verdict, then the overall verdict in a sentence.
 */

import { formatDuration } from '../policy/duration.js';
import type { RollbackCheck } from './check.js';

const MARK = { healthy: 'ok', tripped: 'TRIPPED', inconclusive: '??' } as const;

export function formatRollbackCheck(check: RollbackCheck): string {
  const lines: string[] = [];
  lines.push(`rollback check ${check.pipeline}/${check.stage} ${check.digest} at ${check.evaluatedAt}`);
  lines.push(`  metrics: ${check.source}`);
  if (check.promotedAt) {
    lines.push(
      `  promoted ${check.promotedAt}; watched until ${check.watchEndsAt}${check.watching ? '' : ' (watch ended: results are informational)'}`,
    );
  }
  for (const c of check.conditions) {
    lines.push('');
    lines.push(`  [${MARK[c.verdict]}] ${c.name}: ${c.verdict}`);
    lines.push(
      `      value ${c.current}${c.series === undefined ? '' : ` in ${c.series}`}, threshold ${c.threshold}${c.forMs > 0 ? ` for ${formatDuration(c.forMs)}` : ''}`,
    );
    if (!c.error) {
      lines.push(
        `      held ${formatDuration(c.heldMs)}; ${c.failures} failed, ${c.inconclusives} inconclusive of ${c.measured} measurement(s) every ${formatDuration(c.intervalMs)}; failureLimit ${c.failureLimit}`,
      );
    }
    lines.push(`      ${c.reason}`);
    for (const warning of c.warnings) lines.push(`      warning from the metrics source: ${warning}`);
  }
  lines.push('');
  lines.push(summaryLine(check));
  return `${lines.join('\n')}\n`;
}

function summaryLine(check: RollbackCheck): string {
  const tripped = check.conditions.filter((c) => c.verdict === 'tripped').map((c) => c.name);
  if (check.clockSet && check.verdict === 'healthy' && check.exitCode !== 0)
    return `WHAT IF: healthy at the set time ${check.evaluatedAt} (--now / TOLLGATE_NOW), which says nothing about now; exit 2.`;
  switch (check.exitCode) {
    case 1:
      return `TRIPPED: ${tripped.join(', ')}. Roll back with: tollgate rollback ${check.stage}`;
    case 3:
      return 'INCONCLUSIVE: a query could not be run as written; fix the condition (see above).';
    case 4:
      return 'INCONCLUSIVE: metrics are unreachable, so the conditions are unknown, not healthy.';
    case 2:
      return 'INCONCLUSIVE: some measurements had no data; no data is never read as healthy.';
    default:
      return 'HEALTHY: no condition tripped.';
  }
}
