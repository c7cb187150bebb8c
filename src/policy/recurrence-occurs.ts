/**
 * Whether a checked RRULE ever occurs, known without a clock: a rule whose parts select nothing
 * together (`FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6`, `FREQ=YEARLY;BYWEEKNO=20;BYMONTH=1`,
 * `FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29` from 2001) or whose UNTIL comes before its
 * start is a freeze that never happens, or an allow window that never opens. Such a rule is found
 * by expanding it from its start on the wall clock (UTC: no zone rules are read), which costs
 * nothing for the rules that occur at once and is done only for rules with parts that can empty
 * every period.
 */
import { RRuleTemporal } from 'rrule-temporal';

/** No zone is more than 16 hours from UTC: a wall time read in one moves by less than this. */
const ZONE_MARGIN_MS = 48 * 3_600_000;

/** The expansion library's default budget of periods, named in the message. */
const PERIODS = 10_000;

/**
 * Parts with which a rule may select no time at all. Without them, an INTERVAL=1 rule occurs (the
 * month and month-day pairs, and positions past the fifth in a month, are checked in
 * recurrence.ts; a weekday at a position up to 5 comes in some month), so it is not expanded at
 * load: the common rules (`FREQ=MONTHLY;BYDAY=-1FR`, a few milliseconds each to expand) cost nothing.
 */
function mayBeEmpty(parts: Record<string, string>): boolean {
  return (
    parts.BYSETPOS !== undefined ||
    parts.BYYEARDAY !== undefined ||
    parts.BYWEEKNO !== undefined ||
    // The first Monday is never the 15th.
    (/\d/.test(parts.BYDAY ?? '') && parts.BYMONTHDAY !== undefined) ||
    (parts.INTERVAL ?? '1') !== '1'
  );
}

/** UNTIL as epoch milliseconds (a date alone: the end of that day, UTC, the latest any zone reads it). */
function untilMs(until: string): number {
  const [y, m, d] = [until.slice(0, 4), until.slice(4, 6), until.slice(6, 8)].map(Number) as [
    number,
    number,
    number,
  ];
  if (until.length === 8) return Date.UTC(y, m - 1, d + 1);
  return Date.UTC(
    y,
    m - 1,
    d,
    Number(until.slice(9, 11)),
    Number(until.slice(11, 13)),
    Number(until.slice(13, 15)),
  );
}

/** A local date-time `YYYY-MM-DDTHH:MM[:SS]` as the wall clock read in UTC. */
function wallMs(start: string): number {
  const [date, time = '00:00'] = start.split('T') as [string, string?];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm, ss = 0] = time.split(':').map(Number) as [number, number, number?];
  const at = new Date(0);
  at.setUTCFullYear(y, m - 1, d);
  at.setUTCHours(hh, mm, Math.floor(ss));
  return at.getTime();
}

/**
 * Why the rule never occurs from `start` (a checked local date-time), or undefined when it may.
 * `parts` are a rule `parseRecurrence` accepted.
 * @example neverOccurs({ FREQ: 'MONTHLY', BYDAY: 'MO', BYSETPOS: '6' }, '2001-01-01T00:00') // 'no occurrence in …'
 */
export function neverOccurs(parts: Record<string, string>, start: string): string | undefined {
  const startMs = wallMs(start);
  // Far before the start in any zone: no occurrence (each at or after the start) comes before it.
  if (parts.UNTIL !== undefined && untilMs(parts.UNTIL) + ZONE_MARGIN_MS < startMs)
    return `UNTIL=${parts.UNTIL} is before the rule's start (${start}), so the window never occurs: move UNTIL later, or give an earlier "start"`;
  if (!mayBeEmpty(parts)) return undefined;
  // COUNT and UNTIL only end the rule; whether it occurs at all is asked of the rest.
  const rest = Object.entries(parts)
    .filter(([key]) => key !== 'UNTIL' && key !== 'COUNT')
    .map(([key, value]) => `${key}=${value}`)
    .join(';');
  const iso = new Date(startMs).toISOString();
  const dtstart = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  let first: { epochMilliseconds: number } | null;
  try {
    const rule = new RRuleTemporal({
      rruleString: `DTSTART;TZID=UTC:${dtstart}\nRRULE:${rest}`,
      maxIterations: PERIODS,
    });
    first = rule.next(new Date(startMs), true);
  } catch {
    // The library gives up after PERIODS periods of the rule without an occurrence.
    return `no occurrence in the ${PERIODS.toLocaleString('en-US')} ${parts.FREQ} periods from its start (${start}): its parts select no time together, so the window never occurs; check BYSETPOS, BYYEARDAY, BYWEEKNO, positions in BYDAY and INTERVAL against the other parts`;
  }
  if (first === null)
    return `no occurrence from its start (${start}): its parts select no time together, so the window never occurs; check BYSETPOS, BYYEARDAY, BYWEEKNO, positions in BYDAY and INTERVAL against the other parts`;
  if (parts.UNTIL !== undefined && untilMs(parts.UNTIL) + ZONE_MARGIN_MS < first.epochMilliseconds)
    return `UNTIL=${parts.UNTIL} is before the rule's first occurrence (${new Date(first.epochMilliseconds).toISOString().slice(0, 16)} local time), so the window never occurs`;
  return undefined;
}
