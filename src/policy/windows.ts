/**
 * Promotion windows: when a stage may be entered. A window is either recurring (an RFC 5545 RRULE
 * plus a duration, in a time zone) or a one-off range of local date-times. `allow` windows, when
 * any are given, are the only times a promotion may happen; `deny` windows (freezes) always win.
 *
 * Everything here is a pure function of the window specs and an instant: the clock is handed in.
 *
 * Daylight-saving time follows RFC 5545, verified by tests rather than assumed:
 * - an occurrence is a wall-clock time in the window's zone (`BYHOUR=15` is 15:00 in summer and
 *   in winter);
 * - an ambiguous wall time (the repeated hour in autumn) is its first instance;
 * - an occurrence whose wall time does not exist (the skipped hour in spring) is left out, as
 *   RFC 5545 requires; one-off ranges instead move such a time forward by the gap;
 * - in a duration, days are calendar days in the zone and hours are exact: `2d17h` from Friday
 *   15:00 ends Monday 08:00 local even when the clocks change that weekend, `65h` ends an hour
 *   later or earlier.
 */
import { RRuleTemporal } from 'rrule-temporal';
import { Temporal } from 'temporal-polyfill';
import { TollgateError } from '../errors.js';
import { DURATION_EXAMPLES, type Duration, formatDuration, parseDuration } from './duration.js';
import { parseRecurrence } from './recurrence.js';
import { describeBadTimeZone, isTimeZone } from './time-zone.js';

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

/** A checked, ready-to-evaluate window. */
export interface CompiledWindow {
  kind: WindowKind;
  index: number;
  /** For people: the name, or the rule and duration, with the zone. */
  label: string;
  tz: string;
  /** Occurrences `[start, end)` in epoch milliseconds that overlap `[fromMs, toMs)`, in start order. */
  intervals(fromMs: number, toMs: number): Array<[number, number]>;
}

export interface CompiledWindows {
  allow: CompiledWindow[];
  deny: CompiledWindow[];
}

/** A stretch of time in which promotion is uniformly open or closed. */
export interface WindowPeriod {
  open: boolean;
  from: Date;
  /** End of the period; undefined when it lasts past the end of what was computed. */
  until?: Date;
  /** Why: the deny windows in force, "outside every allow window", or the allow windows in force. */
  reasons: string[];
}

/** The answer for one instant. */
export interface WindowState {
  open: boolean;
  reasons: string[];
  /** When open: when the current open period ends, if within the horizon. */
  closesAt?: Date;
  /** When closed: when promotion next becomes possible, if within the horizon. */
  opensAt?: Date;
}

const DAY_MS = 86_400_000;
/** How far ahead the next opening is looked for. */
export const DEFAULT_HORIZON_MS = 366 * DAY_MS;
/** Occurrences are expanded and cached in stretches of this length (see compileWindow). */
const CHUNK_MS = 16 * DAY_MS;
/** Stretches kept per window: a little over two years. */
const MAX_CHUNKS = 50;
/** A rule without `start` is anchored here: a Monday, the first of a month and of a year. */
const DEFAULT_START = '2001-01-01T00:00:00';

/** The latest year, no later than the one of `ms` (UTC), whose 1 January is a Monday, as 2001's is. */
export function alignedYearBefore(ms: number): number {
  let year = new Date(ms).getUTCFullYear();
  while (new Date(Date.UTC(year, 0, 1)).getUTCDay() !== 1 || Date.UTC(year, 0, 1) > ms) year--;
  return year;
}

/**
 * The local date-time (midnight, read in the rule's zone) from which a rule without its own start,
 * COUNT or INTERVAL is expanded to find its occurrences after `ms`. It must give the occurrences
 * the 2001 anchor gives, so it starts a whole period of the rule's frequency and keeps the
 * defaults RFC 5545 takes from DTSTART for parts the rule leaves out: a Monday for WEEKLY, the
 * 1st for MONTHLY, 1 January for YEARLY, 00:00:00 for all. It lies before `ms` in every zone (a
 * UTC date read in a zone moves by at most 14 hours). The nearer it is, the fewer occurrences
 * rrule-temporal walks (a daily rule anchored in 2024 walks a thousand to answer "now"); the
 * fewer anchors a year, the fewer rules are built (~0.1 ms each), so most anchor on quarters:
 * - YEARLY: the latest 1 January that is a Monday (`alignedYearBefore`);
 * - MONTHLY and DAILY: the first day of the quarter of the day before `ms`;
 * - WEEKLY: the Monday at least a week before that day (a whole week whatever WKST);
 * - HOURLY: the day before `ms`.
 */
export function anchorBefore(freq: string, ms: number): string {
  const day = (at: Date) =>
    `${at.getUTCFullYear().toString().padStart(4, '0')}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}T00:00:00`;
  const at = new Date(ms - DAY_MS);
  if (freq === 'HOURLY') return day(at);
  if (freq === 'YEARLY') return `${alignedYearBefore(ms).toString().padStart(4, '0')}-01-01T00:00:00`;
  const first = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - (at.getUTCMonth() % 3), 1);
  if (freq !== 'WEEKLY') return day(new Date(first));
  const weekBefore = new Date(first - 7 * DAY_MS);
  const sinceMonday = (weekBefore.getUTCDay() + 6) % 7;
  return day(new Date(weekBefore.getTime() - sinceMonday * DAY_MS));
}

/**
 * Every problem in a `windows` section, each with its path, without stopping at the first.
 * @example checkWindows({ deny: [{ rrule: 'FREQ=WEEKLY;BYDAY=FR', duration: '3d', tz: 'Europe/Berlin' }] }) // []
 */
export function checkWindows(spec: WindowsSpec): WindowIssue[] {
  const issues: WindowIssue[] = [];
  if (spec.tz !== undefined && !isTimeZone(spec.tz))
    issues.push({ path: ['tz'], message: describeBadTimeZone(spec.tz) });
  for (const kind of ['allow', 'deny'] as const) {
    (spec[kind] ?? []).forEach((window, index) => {
      for (const issue of checkWindow(window, spec.tz))
        issues.push({ ...issue, path: [kind, index, ...issue.path] });
    });
  }
  return issues;
}

function checkWindow(window: WindowSpec, defaultTz: string | undefined): WindowIssue[] {
  const issues: WindowIssue[] = [];
  const tz = window.tz ?? defaultTz ?? 'UTC';
  if (window.tz !== undefined && !isTimeZone(window.tz))
    issues.push({ path: ['tz'], message: describeBadTimeZone(window.tz) });
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
      const duration = parseDuration(window.duration);
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
      const from = toInstantMs(window.from, tz);
      const until = toInstantMs(window.until, tz);
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
  return `invalid ${key} ${JSON.stringify(value)}; expected a date (2026-12-20), a local date-time (2026-12-20T18:00) or an instant (2026-12-20T17:00:00Z)`;
}

const cache = new Map<string, CompiledWindows>();

/**
 * Checks and compiles a `windows` section. Results are cached by content, so a contract's windows
 * are compiled once per process however many decisions use them.
 * @throws TollgateError CONTRACT_INVALID naming the first problem and its path.
 */
export function compileWindows(spec: WindowsSpec): CompiledWindows {
  const key = JSON.stringify(spec);
  const cached = cache.get(key);
  if (cached) return cached;
  const issues = checkWindows(spec);
  if (issues.length > 0) {
    const issue = issues[0]!;
    throw new TollgateError(
      'CONTRACT_INVALID',
      `windows${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}: ${issue.message}`,
    );
  }
  const compiled: CompiledWindows = {
    allow: (spec.allow ?? []).map((w, i) => compileWindow(w, 'allow', i, spec.tz)),
    deny: (spec.deny ?? []).map((w, i) => compileWindow(w, 'deny', i, spec.tz)),
  };
  cache.set(key, compiled);
  return compiled;
}

function compileWindow(
  window: WindowSpec,
  kind: WindowKind,
  index: number,
  defaultTz: string | undefined,
): CompiledWindow {
  const tz = window.tz ?? defaultTz ?? 'UTC';
  if (window.rrule !== undefined) {
    const recurrence = parseRecurrence(window.rrule);
    if (!recurrence.ok) throw new TollgateError('CONTRACT_INVALID', recurrence.message);
    const duration = parseDuration(window.duration ?? '') as Duration;
    const ruleFrom = (startText: string) => {
      const start = Temporal.PlainDateTime.from(startText);
      const dtstart = `${start.year.toString().padStart(4, '0')}${pad(start.month)}${pad(start.day)}T${pad(start.hour)}${pad(start.minute)}${pad(start.second)}`;
      return new RRuleTemporal({
        rruleString: `DTSTART;TZID=${tz}:${dtstart}\nRRULE:${recurrence.value.text}`,
      });
    };
    // rrule-temporal expands from DTSTART on every query, so a rule anchored in 2001 walks 25 years
    // of occurrences to answer "now". Without its own start, COUNT or INTERVAL, a rule has the same
    // occurrences from any later day that starts one of its periods and keeps its defaults, so each
    // stretch is expanded from a near such day instead (`anchorBefore`).
    const { parts } = recurrence.value;
    const phaseFree =
      window.start === undefined && parts.COUNT === undefined && (parts.INTERVAL ?? '1') === '1';
    const fixedRule = phaseFree ? undefined : ruleFrom(window.start ?? DEFAULT_START);
    const anchoredRules = new Map<string, RRuleTemporal>();
    const ruleFor = (fromMs: number): RRuleTemporal => {
      if (fixedRule) return fixedRule;
      const anchor = anchorBefore(parts.FREQ!, fromMs);
      let rule = anchoredRules.get(anchor);
      if (!rule) {
        rule = ruleFrom(anchor);
        if (anchoredRules.size >= MAX_CHUNKS)
          anchoredRules.delete(anchoredRules.keys().next().value as string);
        anchoredRules.set(anchor, rule);
      }
      return rule;
    };
    // A calendar day lasts at most 25 hours, so this reaches back to every occurrence still running.
    const lookBackMs = duration.days * (DAY_MS + 3_600_000) + duration.exactMs;
    const label = `${window.name ? `${window.name}: ` : ''}${recurrence.value.text} for ${duration.text} (${tz})`;
    // Expanding an RRULE in a time zone costs microseconds per occurrence (Temporal arithmetic), so
    // occurrences are expanded once per fixed stretch of time and kept: a process that evaluates
    // many decisions, or a long timeline, pays for each stretch once.
    const chunks = new Map<number, Array<[number, number]>>();
    const chunkIntervals = (chunk: number): Array<[number, number]> => {
      const cached = chunks.get(chunk);
      if (cached) return cached;
      const startMs = chunk * CHUNK_MS;
      const endMs = startMs + CHUNK_MS;
      const out: Array<[number, number]> = [];
      // Two days of margin: the anchor is a local date in any zone, the chunk an instant.
      const rule = ruleFor(startMs - 2 * DAY_MS);
      for (const occurrence of rule.between(new Date(startMs), new Date(endMs), true)) {
        const at = occurrence.epochMilliseconds;
        if (at < startMs || at >= endMs) continue;
        // Days are added on the calendar of the zone, hours as exact time (RFC 5545 §3.3.6).
        const end =
          (duration.days > 0 ? occurrence.add({ days: duration.days }).epochMilliseconds : at) +
          duration.exactMs;
        out.push([at, end]);
      }
      if (chunks.size >= MAX_CHUNKS) chunks.delete(chunks.keys().next().value as number);
      chunks.set(chunk, out);
      return out;
    };
    return {
      kind,
      index,
      label,
      tz,
      intervals(fromMs, toMs) {
        const out: Array<[number, number]> = [];
        const last = Math.floor((toMs - 1) / CHUNK_MS);
        for (let chunk = Math.floor((fromMs - lookBackMs) / CHUNK_MS); chunk <= last; chunk++) {
          for (const interval of chunkIntervals(chunk)) {
            if (interval[0] < toMs && interval[1] > fromMs) out.push(interval);
          }
        }
        return out;
      },
    };
  }
  const fromMs = toInstantMs(window.from ?? '', tz) as number;
  const untilMs = toInstantMs(window.until ?? '', tz) as number;
  const label = `${window.name ? `${window.name}: ` : ''}${window.from} until ${window.until} (${tz})`;
  return {
    kind,
    index,
    label,
    tz,
    intervals: (a, b) => (untilMs > a && fromMs < b ? [[fromMs, untilMs]] : []),
  };
}

function pad(n: number): string {
  return n.toString().padStart(2, '0');
}

const LOCAL = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?$/;
const ABSOLUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

function isLocalDateTime(text: string): boolean {
  if (!LOCAL.test(text)) return false;
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
 * first instance (Temporal's "compatible", the same as RFC 5545 for explicit times).
 */
export function toInstantMs(text: string, tz: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    if (ABSOLUTE.test(text)) return Temporal.Instant.from(text).epochMilliseconds;
    if (!LOCAL.test(text)) return undefined;
    return Temporal.PlainDateTime.from(text, { overflow: 'reject' }).toZonedDateTime(tz, {
      disambiguation: 'compatible',
    }).epochMilliseconds;
  } catch {
    return undefined;
  }
}

/** A period being built: the windows that kept it open or closed, in order of appearance. */
interface OpenPeriod {
  open: boolean;
  from: number;
  /** Indexes of the windows seen in the period, in order of appearance. */
  seen: number[];
  outsideAllow: boolean;
}

/**
 * The open and closed periods between `from` and `to`, in order, adjacent periods of the same
 * state merged; each lists every window that kept it so. The last period's `until` is undefined
 * (it may go on past `to`).
 */
export function windowTimeline(windows: CompiledWindows, from: Date, to: Date): WindowPeriod[] {
  const fromMs = from.getTime();
  const toMs = to.getTime();
  const all = [...windows.allow, ...windows.deny];
  // Each edge is one number, (time since `from`) × 2^k + window index × 2 + (1 for a start), so
  // a plain numeric sort orders them; a year of edges sorts in well under a millisecond.
  const shift = 2 ** Math.ceil(Math.log2(2 * all.length + 2));
  const keys: number[] = [];
  all.forEach((window, index) => {
    for (const [start, end] of window.intervals(fromMs, toMs)) {
      keys.push((Math.max(start, fromMs) - fromMs) * shift + index * 2 + 1);
      if (end < toMs) keys.push((end - fromMs) * shift + index * 2);
    }
  });
  const sorted = Float64Array.from(keys).sort();
  const hasAllow = windows.allow.length > 0;
  const count = new Int32Array(all.length);
  let denyActive = 0;
  let allowActive = 0;
  const periods: WindowPeriod[] = [];
  let current: OpenPeriod | undefined;
  const reasonOf = all.map((window) => `${window.kind} ${window.label}`);
  // seenIn[w] is the number of the last period window w was listed in (1-based), to list it once.
  const seenIn = new Int32Array(all.length);
  let periodNumber = 0;
  const finish = (end: number | undefined) => {
    if (!current) return;
    const reasons = current.seen.map((w) => reasonOf[w]!);
    if (!current.open && current.outsideAllow) reasons.push('outside every allow window');
    if (current.open && reasons.length === 0) reasons.push('no deny window in force');
    const period: WindowPeriod = { open: current.open, from: new Date(current.from), reasons };
    if (end !== undefined) period.until = new Date(end);
    periods.push(period);
  };
  // Called at the start of each elementary stretch, after the edges at `at` were applied.
  const enter = (at: number) => {
    const open = denyActive === 0 && (!hasAllow || allowActive > 0);
    if (!current || current.open !== open) {
      finish(at);
      current = { open, from: at, seen: [], outsideAllow: false };
      periodNumber++;
    }
    if (!open && denyActive === 0) current.outsideAllow = true;
    for (let w = 0; w < all.length; w++) {
      if (count[w]! > 0 && seenIn[w] !== periodNumber && (all[w]!.kind === 'deny') !== open) {
        seenIn[w] = periodNumber;
        current.seen.push(w);
      }
    }
  };
  const apply = (key: number) => {
    const low = key % shift;
    const index = low >> 1;
    const delta = low & 1 ? 1 : -1;
    const before = count[index]!;
    count[index] = before + delta;
    // Counters change only when a window switches between active and inactive.
    if ((delta === 1 && before === 0) || (delta === -1 && before === 1)) {
      if (all[index]!.kind === 'deny') denyActive += delta;
      else allowActive += delta;
    }
  };
  const timeOf = (key: number) => Math.floor(key / shift) + fromMs;
  let i = 0;
  // Edges at the very start are applied before the first stretch begins.
  while (i < sorted.length && timeOf(sorted[i]!) <= fromMs) apply(sorted[i++]!);
  enter(fromMs);
  while (i < sorted.length) {
    const at = timeOf(sorted[i]!);
    while (i < sorted.length && timeOf(sorted[i]!) === at) apply(sorted[i++]!);
    enter(at);
  }
  finish(undefined);
  return periods;
}

/**
 * Whether promotion is possible at `now`, and when that changes. Looks a week ahead first and up
 * to `horizonMs` (default 366 days) only when nothing changes within the week.
 * @example windowState(compileWindows(spec), new Date('2026-11-27T15:30:00Z')).opensAt
 */
export function windowState(
  windows: CompiledWindows,
  now: Date,
  horizonMs = DEFAULT_HORIZON_MS,
): WindowState {
  let periods = windowTimeline(windows, now, new Date(now.getTime() + Math.min(8 * DAY_MS, horizonMs)));
  if (periods.length === 1 && horizonMs > 8 * DAY_MS) {
    periods = windowTimeline(windows, now, new Date(now.getTime() + horizonMs));
  }
  const current = periods[0]!;
  if (current.open)
    return { open: true, reasons: current.reasons, ...(current.until ? { closesAt: current.until } : {}) };
  return { open: false, reasons: current.reasons, ...(current.until ? { opensAt: current.until } : {}) };
}

/** The periods from `now` over the next `horizonMs` (default 14 days), for `tollgate windows`. */
export function upcomingPeriods(
  windows: CompiledWindows,
  now: Date,
  horizonMs = 14 * DAY_MS,
): WindowPeriod[] {
  return windowTimeline(windows, now, new Date(now.getTime() + horizonMs));
}

/** "closed until 2026-11-30T07:00:00.000Z (in 2d16h)" style text for a period boundary. */
export function describeAt(at: Date, now: Date): string {
  return `${at.toISOString()} (in ${formatDuration(at.getTime() - now.getTime())})`;
}
