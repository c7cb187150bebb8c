/**
 * The time a report says it ran or was made (JUnit `timestamp`, SARIF `invocations[].endTimeUtc`,
 * CycloneDX `metadata.timestamp`, SPDX `creationInfo.created`). It is the report's own word, never
 * trusted as a clock: gates use it only to refuse an older run recorded over a newer one
 * (docs/evidence.md "Which report counts").
 */

// ISO 8601 date-time as reports write it: seconds and fraction optional, zone optional.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * A stated time as ISO 8601 UTC (`2026-12-06T10:00:00.000Z`), or undefined when the value is
 * absent or not an ISO 8601 date-time. A time without a zone (what surefire and pytest write) is
 * read as UTC: two reports of one CI system write their times the same way, and only their order
 * matters. A leap second (`23:59:60Z`) is read as the last millisecond of its minute.
 * @example statedTime('2026-12-06T11:00:00+01:00') // '2026-12-06T10:00:00.000Z'
 */
export function statedTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = DATE_TIME.exec(value.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s = '00', fraction = '', zone = 'Z'] = match;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  // A leap second (second 60, which RFC 3339 allows) has no instant of its own in JavaScript's
  // time, like POSIX time, and Date refuses it: read as nothing, the report's run order would go
  // unchecked. It came after :59 and before the next minute: its last millisecond says that.
  const leap = s === '60';
  const ms = Date.parse(
    `${y}-${mo}-${d}T${h}:${mi}:${leap ? '59.999' : `${s}${fraction.slice(0, 4)}`}${offset}`,
  );
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** The later of two stated times (ISO 8601 UTC strings order as text), either possibly absent. */
export function laterTime(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a >= b ? a : b;
}
