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

/** Periods of one rule expanded at most: a rule with no occurrence in them never occurs. */
const PERIODS = 10_000;

/**
 * Periods that prove a rule never occurs when none of them has an occurrence (one more than the
 * cycle, for a first period cut by the start). The Gregorian calendar repeats every 400 years
 * (146,097 days, a whole number of weeks: weekdays, leap days and week numbers all repeat), so a
 * YEARLY rule every `n` years meets every kind of year within 400 / gcd(n, 400) periods and a
 * MONTHLY one every kind of month within 4,800 / gcd(n, 4,800); a rule of those with no occurrence
 * there has none at all. Other frequencies take the plain limit.
 */
function periodLimit(freq: string | undefined, interval: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  if (freq === 'YEARLY') return 400 / gcd(interval, 400) + 1;
  if (freq === 'MONTHLY') return 4_800 / gcd(interval, 4_800) + 1;
  return PERIODS;
}

/**
 * The expansion work the checks of one contract's windows may do together, in periods: a contract
 * with thousands of windows that never occur (each costing its whole limit) would otherwise hold a
 * server's CPU for an hour. Passed with the call (one per contract load), spent by `neverOccurs`.
 */
export interface ExpansionBudget {
  /** Periods still to spend. */
  remaining: number;
  /** Set when a rule was refused because the periods left could not judge it. */
  exhausted?: boolean;
}

/**
 * Periods one contract load may expand: the limit of a few rules that never occur, or of
 * hundreds of ordinary ones (those occur within a period or two).
 */
export const DEFAULT_EXPANSION_PERIODS = 30_000;

/** The periods from the start to an occurrence at `ms`, of the rule's frequency, counting both ends. */
function periodsUntil(freq: string | undefined, interval: number, startMs: number, ms: number): number {
  const from = new Date(startMs);
  const to = new Date(ms);
  const months = (to.getUTCFullYear() - from.getUTCFullYear()) * 12 + to.getUTCMonth() - from.getUTCMonth();
  const hours = Math.ceil((ms - startMs) / 3_600_000);
  const count =
    freq === 'YEARLY'
      ? to.getUTCFullYear() - from.getUTCFullYear()
      : freq === 'MONTHLY'
        ? months
        : freq === 'WEEKLY'
          ? Math.ceil(hours / 168)
          : freq === 'DAILY'
            ? Math.ceil(hours / 24)
            : hours;
  return Math.floor(Math.max(0, count) / interval) + 1;
}

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
 * `parts` are a rule `parseRecurrence` accepted. The periods expanded are taken from `budget`;
 * when it runs out before the rule is judged, the rule is refused as too costly to check (fail
 * closed: a window nobody checked is not let through).
 * @example neverOccurs({ FREQ: 'MONTHLY', BYDAY: 'MO', BYSETPOS: '6' }, '2001-01-01T00:00', { remaining: 30_000 }) // 'no occurrence in …'
 */
export function neverOccurs(
  parts: Record<string, string>,
  start: string,
  budget: ExpansionBudget,
): string | undefined {
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
  const interval = Number(parts.INTERVAL ?? '1');
  const limit = periodLimit(parts.FREQ, interval);
  const allowed = Math.min(limit, budget.remaining);
  const tooCostly = `the windows of this contract are too costly to check: expanding this rule from its start (${start}) to find whether it ever occurs would pass the budget of periods one contract load may expand; a window nobody checked is not let through: remove the windows that never occur, or give fewer rules with BYSETPOS, BYYEARDAY, BYWEEKNO, positions in BYDAY or an INTERVAL`;
  if (allowed <= 0) {
    budget.exhausted = true;
    return tooCostly;
  }
  let first: { epochMilliseconds: number } | null;
  try {
    const rule = new RRuleTemporal({
      rruleString: `DTSTART;TZID=UTC:${dtstart}\nRRULE:${rest}`,
      maxIterations: allowed,
    });
    first = rule.next(new Date(startMs), true);
  } catch {
    // The library gives up after `allowed` periods of the rule without an occurrence.
    budget.remaining -= allowed;
    if (allowed < limit) {
      budget.exhausted = true;
      return tooCostly;
    }
    return `no occurrence in the ${limit.toLocaleString('en-US')} ${parts.FREQ} periods from its start (${start})${limit < PERIODS ? ', which meet every kind of period the calendar has (it repeats every 400 years)' : ''}: its parts select no time together, so the window never occurs; check BYSETPOS, BYYEARDAY, BYWEEKNO, positions in BYDAY and INTERVAL against the other parts`;
  }
  // An end found without an occurrence may have walked every period allowed: it is charged them all.
  budget.remaining -=
    first === null
      ? allowed
      : Math.min(allowed, periodsUntil(parts.FREQ, interval, startMs, first.epochMilliseconds));
  if (first === null)
    return `no occurrence from its start (${start}): its parts select no time together, so the window never occurs; check BYSETPOS, BYYEARDAY, BYWEEKNO, positions in BYDAY and INTERVAL against the other parts`;
  if (parts.UNTIL !== undefined && untilMs(parts.UNTIL) + ZONE_MARGIN_MS < first.epochMilliseconds)
    return `UNTIL=${parts.UNTIL} is before the rule's first occurrence (${new Date(first.epochMilliseconds).toISOString().slice(0, 16)} local time), so the window never occurs`;
  return undefined;
}
