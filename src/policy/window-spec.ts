/**
 * Promotion windows as the contract writes them, and the rules a `windows` section must follow.
 * Checking is separate from compiling (window-compile.ts) and evaluating (window-timeline.ts): the
 * contract's compilation checks a section once, reports every problem with its path, and compiles
 * it only when there are none.
 */
import { Temporal } from 'temporal-polyfill';
import { DURATION_EXAMPLES, parseCalendarDuration } from './duration.js';
import { parseRecurrence } from './recurrence.js';
import { DEFAULT_EXPANSION_PERIODS, type ExpansionBudget, neverOccurs } from './recurrence-occurs.js';
import { describeTimeZoneProblem, isTimeZone } from './time-zone.js';

/** One window as the contract writes it: `rrule` + `duration` (recurring) or `from` + `until` (one-off). */
export interface WindowSpec {
  /** A name for people: "weekend freeze". */
  name?: string;
  /** An RRULE (RFC 5545), e.g. `FREQ=WEEKLY;BYDAY=FR;BYHOUR=15`. */
  rrule?: string;
  /** How long each occurrence lasts, e.g. `65h` or `2d17h`. */
  duration?: string;
  /** The rule's DTSTART as a local date-time; default 2001-01-01T00:00 (a Monday). */
  start?: string;
  /** Start of a one-off window: a local date or date-time, or an instant with `Z` or an offset. */
  from?: string;
  /** End of a one-off window, exclusive; a date alone means 00:00 of that day. */
  until?: string;
  /** IANA time zone; default the set's `tz`, else UTC. */
  tz?: string;
}

/** A rule without `start` is anchored here: a Monday, the first of a month and of a year. */
export const DEFAULT_WINDOW_START = '2001-01-01T00:00:00';

export interface WindowsSpec {
  /** Default time zone for every window of the set. */
  tz?: string;
  allow?: WindowSpec[];
  deny?: WindowSpec[];
}

/** A problem in a window spec, at a path relative to the `windows` section. */
export interface WindowIssue {
  path: (string | number)[];
  message: string;
}

export type WindowKind = 'allow' | 'deny';

/**
 * Every problem in a `windows` section, each with its path, without stopping at the first. Rules
 * that may never occur are expanded to find out (`occurrenceIssues`) when `budget` is given: a
 * contract load leaves them out here and checks every section's with one budget afterwards.
 * @example checkWindows({ deny: [{ rrule: 'FREQ=WEEKLY;BYDAY=FR', duration: '3d', tz: 'Europe/Berlin' }] }, { remaining: 30_000 }) // []
 */
export function checkWindows(spec: WindowsSpec, budget?: ExpansionBudget): WindowIssue[] {
  const issues = shapeIssues(spec);
  return issues.length > 0 || budget === undefined ? issues : occurrenceIssues(spec, budget);
}

/** A fresh budget of the periods one contract load may expand (see `ExpansionBudget`). */
export function expansionBudget(periods = DEFAULT_EXPANSION_PERIODS): ExpansionBudget {
  return { remaining: periods };
}

/**
 * The recurring windows of a section `checkWindows` found no other problem in that never occur
 * (a deny window that never occurs is a freeze that never happens: refused now, not found out at
 * the freeze that did not come), or that `budget` runs out on, each with its path.
 */
export function occurrenceIssues(spec: WindowsSpec, budget: ExpansionBudget): WindowIssue[] {
  const issues: WindowIssue[] = [];
  for (const kind of ['allow', 'deny'] as const)
    for (const [index, window] of (spec[kind] ?? []).entries()) {
      if (window.rrule === undefined) continue;
      const parsed = parseRecurrence(window.rrule);
      if (!parsed.ok) continue;
      const never = neverOccurs(parsed.value.parts, window.start ?? DEFAULT_WINDOW_START, budget);
      if (never === undefined) continue;
      issues.push({
        path: [kind, index, 'rrule'],
        message: `invalid RRULE ${JSON.stringify(window.rrule)}: ${never}`,
      });
      // Spent: the contract is refused, and the windows after this one would each say so again.
      if (budget.exhausted) return issues;
    }
  return issues;
}

function shapeIssues(spec: WindowsSpec): WindowIssue[] {
  const issues: WindowIssue[] = [];
  const tzProblem = spec.tz === undefined ? undefined : describeTimeZoneProblem(spec.tz);
  if (tzProblem !== undefined) issues.push({ path: ['tz'], message: tzProblem });
  for (const kind of ['allow', 'deny'] as const) {
    (spec[kind] ?? []).forEach((window, index) => {
      for (const issue of checkWindow(window, spec.tz))
        issues.push({ ...issue, path: [kind, index, ...issue.path] });
    });
  }
  // An allow window open at all times restricts nothing; without a freeze beside it, the gate
  // would show "promotion window open" as validated and check nothing.
  if (issues.length === 0 && spec.deny === undefined)
    (spec.allow ?? []).forEach((window, index) => {
      const always = alwaysOpen(window);
      if (always !== undefined)
        issues.push({
          path: ['allow', index, 'duration'],
          message: `${always}, so \`allow\` restricts nothing and, with no \`deny\`, this gate checks nothing: give the window a shorter duration, or remove \`windows\``,
        });
    });
  return issues;
}

/** The longest a period of each frequency lasts: in calendar days, else in exact time (a day is at most 25 hours). */
const PERIODS: Record<string, { days?: number; maxMs: number }> = {
  HOURLY: { maxMs: 3_600_000 },
  DAILY: { days: 1, maxMs: 25 * 3_600_000 },
  WEEKLY: { days: 7, maxMs: 7 * 25 * 3_600_000 },
  MONTHLY: { days: 31, maxMs: 31 * 25 * 3_600_000 },
  YEARLY: { days: 366, maxMs: 366 * 25 * 3_600_000 },
};

/**
 * Why a checked recurring window is open at every moment from its start, or undefined: a rule that
 * occurs once in every period (no BY part with a list, none that skips periods, no end) whose
 * duration lasts at least the longest period. Only without its own `start`, from 2001: a later
 * start is closed until then, which only a clock can tell.
 */
function alwaysOpen(window: WindowSpec): string | undefined {
  if (window.rrule === undefined || window.start !== undefined) return undefined;
  const parsed = parseRecurrence(window.rrule);
  const duration = parseCalendarDuration(window.duration ?? '');
  if (!parsed.ok || duration === undefined) return undefined;
  const { parts } = parsed.value;
  const once = Object.entries(parts).every(
    ([key, value]) =>
      ['FREQ', 'INTERVAL', 'WKST', 'BYHOUR', 'BYMINUTE', 'BYSECOND'].includes(key) ||
      (key === 'BYDAY' && parts.FREQ === 'WEEKLY' && /^(MO|TU|WE|TH|FR|SA|SU)$/.test(value)),
  );
  if (!once || Object.values(parts).some((value) => value.includes(','))) return undefined;
  const period = PERIODS[parts.FREQ ?? ''];
  if (period === undefined) return undefined;
  const every = Number(parts.INTERVAL ?? '1');
  // A calendar day lasts at least 23 hours.
  const covers =
    (period.days !== undefined && duration.days >= period.days * every) ||
    duration.days * 23 * 3_600_000 + duration.exactMs >= period.maxMs * every;
  return covers
    ? `the window is open all the time: ${parts.FREQ}${every > 1 ? ` every ${every}` : ''}, each occurrence lasting ${duration.text}, runs into the next`
    : undefined;
}

function checkWindow(window: WindowSpec, defaultTz: string | undefined): WindowIssue[] {
  const issues: WindowIssue[] = [];
  const tz = window.tz ?? defaultTz ?? 'UTC';
  const tzProblem = window.tz === undefined ? undefined : describeTimeZoneProblem(window.tz);
  if (tzProblem !== undefined) issues.push({ path: ['tz'], message: tzProblem });
  const recurring = window.rrule !== undefined || window.duration !== undefined || window.start !== undefined;
  const range = window.from !== undefined || window.until !== undefined;
  if (recurring && range) {
    issues.push({
      path: [],
      message: 'a window is either recurring (rrule + duration) or one-off (from + until), not both',
    });
    return issues;
  }
  if (!recurring && !range) {
    issues.push({
      path: [],
      message: 'expected a recurring window (rrule + duration) or a one-off window (from + until)',
    });
    return issues;
  }
  if (recurring) {
    if (window.rrule === undefined)
      issues.push({
        path: [],
        message: 'a recurring window needs "rrule", e.g. FREQ=WEEKLY;BYDAY=FR;BYHOUR=15',
      });
    else {
      const parsed = parseRecurrence(window.rrule);
      if (!parsed.ok) issues.push({ path: ['rrule'], message: parsed.message });
      else if (parsed.value.parts.COUNT !== undefined && window.start === undefined) {
        issues.push({ path: ['rrule'], message: 'COUNT counts from DTSTART: give the window a "start"' });
      }
    }
    if (window.duration === undefined)
      issues.push({ path: [], message: 'a recurring window needs "duration", e.g. 65h or 2d17h' });
    else {
      const duration = parseCalendarDuration(window.duration);
      if (!duration)
        issues.push({
          path: ['duration'],
          message: `invalid duration ${JSON.stringify(window.duration)}; expected ${DURATION_EXAMPLES}`,
        });
      else if (duration.days === 0 && duration.exactMs === 0)
        issues.push({ path: ['duration'], message: 'duration must be longer than 0s' });
    }
    if (window.start !== undefined && !isLocalDateTime(window.start)) {
      issues.push({
        path: ['start'],
        message: `invalid start ${JSON.stringify(window.start)}; expected a local date-time such as 2026-01-05T08:00`,
      });
    }
  } else {
    if (window.from === undefined) issues.push({ path: [], message: 'a one-off window needs "from"' });
    if (window.until === undefined) issues.push({ path: [], message: 'a one-off window needs "until"' });
    if (window.from !== undefined && window.until !== undefined && isTimeZone(tz)) {
      // Far apart, their order is their wall clocks' order in any zone, and no zone's rules (ICU's
      // first DateTimeFormat, ~20 ms) are needed to load the contract (`orderedWithoutZone`).
      const ordered = orderedWithoutZone(window.from, window.until);
      const from = ordered ? 0 : toInstantMs(window.from, tz);
      const until = ordered ? ordered.until : toInstantMs(window.until, tz);
      if (from === undefined) issues.push({ path: ['from'], message: badDateTime('from', window.from) });
      if (until === undefined) issues.push({ path: ['until'], message: badDateTime('until', window.until) });
      if (from !== undefined && until !== undefined && until <= from) {
        issues.push({
          path: ['until'],
          message: `until (${window.until}) must be after from (${window.from})`,
        });
      }
    }
  }
  return issues;
}

function badDateTime(key: string, value: string): string {
  if (HOUR_24.test(value)) return `invalid ${key} ${JSON.stringify(value)}: ${HOUR_24_PROBLEM}`;
  if (LEAP_SECOND.test(value))
    return `invalid ${key} ${JSON.stringify(value)}: a leap second (:60) has no instant of its own on this clock (JavaScript's time, like POSIX time, has no leap seconds, and would read it as :59); write :59 or the next minute's :00`;
  return `invalid ${key} ${JSON.stringify(value)}; expected a date (2026-12-20), a local date-time (2026-12-20T18:00) or an instant (2026-12-20T17:00:00Z)`;
}

/** No zone's offset from UTC has ever passed ±16 hours (Manila's before 1845: +15:56), so two differ by < 32 h. */
const ZONE_ORDER_MARGIN_MS = 48 * 3_600_000;

/**
 * The order of a one-off window's `from` and `until` without reading either in a zone: `until` as
 * a number that is after 0 exactly when `until` is after `from`, when the two read as UTC wall
 * clocks (an instant's own) lie more than `ZONE_ORDER_MARGIN_MS` apart: no offset, and no
 * daylight-saving gap, can reverse that. Undefined when they are closer, or either does not parse
 * (then `toInstantMs` in the zone decides, and names what is wrong).
 */
function orderedWithoutZone(from: string, until: string): { until: number } | undefined {
  const fromMs = utcWallMs(from);
  const untilMs = utcWallMs(until);
  if (fromMs === undefined || untilMs === undefined) return undefined;
  const apart = untilMs - fromMs;
  return Math.abs(apart) > ZONE_ORDER_MARGIN_MS ? { until: apart } : undefined;
}

/** An instant's time, or a local date-time's wall clock read as if in UTC; undefined when it does not parse. */
function utcWallMs(text: string): number | undefined {
  if (LEAP_SECOND.test(text)) return undefined;
  try {
    if (ABSOLUTE.test(text)) return Temporal.Instant.from(text).epochMilliseconds;
    if (!LOCAL.test(text)) return undefined;
    const t = Temporal.PlainDateTime.from(text, { overflow: 'reject' });
    // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0–99 as 1900–1999.
    const wall = new Date(0);
    wall.setUTCFullYear(t.year, t.month - 1, t.day);
    wall.setUTCHours(t.hour, t.minute, t.second, t.millisecond);
    return wall.getTime();
  } catch {
    return undefined;
  }
}

/**
 * A second of 60 (`23:59:60Z`, RFC 3339's leap second). Temporal reads it as :59, so a freeze
 * written to end at a leap second would end one second early, and `12:00:60` on a day without
 * one would load: refused instead, as `--now` refuses it.
 */
const LEAP_SECOND = /T\d{2}:\d{2}:60/i;

/**
 * Hour 24 (`T24:00`, ISO 8601's end of a day). Temporal refuses it, JavaScript's Date reads it as
 * the next day's midnight: one wording for windows and `--now` (src/app/actor.ts), so a time a
 * window refuses is not quietly accepted as the clock.
 */
export const HOUR_24 = /T24:/i;
export const HOUR_24_PROBLEM =
  "hour 24 is not a time of day here (JavaScript's Date reads it as the next day's 00:00, windows refuse it): write the next day's T00:00";

const LOCAL = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?$/;
const ABSOLUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

export function isLocalDateTime(text: string): boolean {
  if (!LOCAL.test(text) || LEAP_SECOND.test(text)) return false;
  try {
    Temporal.PlainDateTime.from(text, { overflow: 'reject' });
    return true;
  } catch {
    return false;
  }
}

/**
 * An instant from a date, a local date-time (read in `tz`) or an instant with an offset. A local
 * time skipped by a daylight-saving change moves forward by the gap; a repeated one takes its
 * first instance (Temporal's "compatible", the same as RFC 5545 for explicit times), or its
 * second with `later` (the end of a freeze, which covers the longer reading).
 */
export function toInstantMs(
  text: string,
  tz: string,
  disambiguation: 'compatible' | 'later' = 'compatible',
): number | undefined {
  if (typeof text !== 'string' || LEAP_SECOND.test(text)) return undefined;
  try {
    if (ABSOLUTE.test(text)) return Temporal.Instant.from(text).epochMilliseconds;
    if (!LOCAL.test(text)) return undefined;
    return Temporal.PlainDateTime.from(text, { overflow: 'reject' }).toZonedDateTime(tz, {
      disambiguation,
    }).epochMilliseconds;
  } catch {
    return undefined;
  }
}
