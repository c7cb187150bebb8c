/**
 * Promotion windows, compiled: when a stage may be entered. A window is either recurring (an RFC
 * 5545 RRULE plus a duration, in a time zone) or a one-off range of local date-times. `allow` windows, when
 * any are given, are the only times a promotion may happen; `deny` windows (freezes) always win.
 *
 * A compiled window gives its occurrences in any span of time; expanding RRULEs is the costly part,
 * so each compiled window keeps what it expanded (it belongs to the contract that compiled it).
 *
 * Daylight-saving time follows RFC 5545, verified by tests rather than assumed:
 * - an occurrence is a wall-clock time in the window's zone (`BYHOUR=15` is 15:00 in summer and
 *   in winter);
 * - an ambiguous wall time (the repeated hour in autumn) is its first instance, except that a
 *   deny window ends after the second: a freeze covers the longer reading;
 * - a wall time that does not exist (the skipped hour in spring) moves forward by the gap, as
 *   RFC 5545 §3.3.5 reads such a DATE-TIME and Temporal's "compatible" does, for occurrences and
 *   one-off ranges alike: a freeze from 02:30 on the spring-forward night starts at 03:30 instead
 *   of vanishing (§3.3.10 would drop the occurrence; a freeze must never vanish);
 * - in a duration, days are calendar days in the zone and hours are exact: `2d17h` from Friday
 *   15:00 ends Monday 08:00 local even when the clocks change that weekend, `65h` ends an hour
 *   later or earlier.
 */
import { RRuleTemporal } from 'rrule-temporal';
import { Temporal } from 'temporal-polyfill';
import { TollgateError } from '../errors.js';
import { parseCalendarDuration } from './duration.js';
import { parseRecurrence } from './recurrence.js';
import {
  checkWindows,
  DEFAULT_WINDOW_START,
  expansionBudget,
  toInstantMs,
  type WindowKind,
  type WindowSpec,
  type WindowsSpec,
} from './window-spec.js';

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

const DAY_MS = 86_400_000;
/** Occurrences are expanded and cached in stretches of this length (see compileWindow). */
const CHUNK_MS = 16 * DAY_MS;
/** Stretches kept per window: a little over two years. */
const MAX_CHUNKS = 50;

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
 * Checks and compiles a `windows` section (library use; a loaded contract holds its windows
 * compiled already).
 * @throws TollgateError CONTRACT_INVALID naming the first problem and its path.
 */
export function compileWindows(spec: WindowsSpec): CompiledWindows {
  const issues = checkWindows(spec, expansionBudget());
  if (issues.length > 0) {
    const issue = issues[0]!;
    throw new TollgateError(
      'CONTRACT_INVALID',
      `windows${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}: ${issue.message}`,
    );
  }
  return buildWindows(spec);
}

/** Compiles a section `checkWindows` found no problem in; it is not checked again. */
export function buildWindows(spec: WindowsSpec): CompiledWindows {
  return {
    allow: (spec.allow ?? []).map((w, i) => compileWindow(w, 'allow', i, spec.tz)),
    deny: (spec.deny ?? []).map((w, i) => compileWindow(w, 'deny', i, spec.tz)),
  };
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
    const duration = parseCalendarDuration(window.duration ?? '');
    // checkWindows refused both already; a caller that skipped it gets the same refusal.
    if (!recurrence.ok || duration === undefined)
      throw new TollgateError(
        'CONTRACT_INVALID',
        recurrence.ok ? 'invalid window duration' : recurrence.message,
      );
    const ruleFrom = (startText: string, zone = tz, ruleText = recurrence.value.text) => {
      const start = Temporal.PlainDateTime.from(startText);
      const dtstart = `${start.year.toString().padStart(4, '0')}${pad(start.month)}${pad(start.day)}T${pad(start.hour)}${pad(start.minute)}${pad(start.second)}`;
      return new RRuleTemporal({
        rruleString: `DTSTART;TZID=${zone}:${dtstart}\nRRULE:${ruleText}`,
      });
    };
    // rrule-temporal expands from DTSTART on every query, so a rule anchored in 2001 walks 25 years
    // of occurrences to answer "now". Without its own start, COUNT or INTERVAL, a rule has the same
    // occurrences from any later day that starts one of its periods and keeps its defaults, so each
    // stretch is expanded from a near such day instead (`anchorBefore`).
    const { parts } = recurrence.value;
    const phaseFree =
      window.start === undefined && parts.COUNT === undefined && (parts.INTERVAL ?? '1') === '1';
    const fixedRule = phaseFree ? undefined : ruleFrom(window.start ?? DEFAULT_WINDOW_START);
    const anchoredRules = new Map<string, RRuleTemporal>();
    const ruleFor = (fromMs: number, wall = false): RRuleTemporal => {
      if (wall)
        return wallRule(
          window.start ?? (phaseFree ? anchorBefore(parts.FREQ!, fromMs) : DEFAULT_WINDOW_START),
        );
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
    // The same rule on the wall clock alone (UTC has no gaps), to find the occurrences whose local
    // time the zone skips. UNTIL is an instant, so it is checked on the real time instead.
    const wallRules = new Map<string, RRuleTemporal>();
    const wallText = Object.entries(parts)
      .filter(([key]) => key !== 'UNTIL')
      .map(([key, value]) => `${key}=${value}`)
      .join(';');
    const wallRule = (anchor: string): RRuleTemporal => {
      let rule = wallRules.get(anchor);
      if (!rule) {
        rule = ruleFrom(anchor, 'UTC', wallText);
        if (wallRules.size >= MAX_CHUNKS) wallRules.delete(wallRules.keys().next().value as string);
        wallRules.set(anchor, rule);
      }
      return rule;
    };
    const untilPart = parts.UNTIL;
    const beforeUntil = (start: Temporal.ZonedDateTime): boolean => {
      if (untilPart === undefined) return true;
      const date = `${untilPart.slice(0, 4)}-${untilPart.slice(4, 6)}-${untilPart.slice(6, 8)}`;
      if (untilPart.length === 8)
        return Temporal.PlainDate.compare(start.toPlainDate(), Temporal.PlainDate.from(date)) <= 0;
      const time = `${untilPart.slice(9, 11)}:${untilPart.slice(11, 13)}:${untilPart.slice(13, 15)}`;
      return start.epochMilliseconds <= Date.parse(`${date}T${time}Z`);
    };
    // Where the wall clock repeats an hour, a deny window covers both readings of its times (it
    // starts at the first and ends after the last); an allow window takes the first, as RFC 5545
    // reads an ambiguous DATE-TIME. A time the clock skips moves forward by the gap either way.
    const endOf = (start: Temporal.ZonedDateTime): number => {
      if (kind === 'allow')
        return (
          (duration.days > 0
            ? start.add({ days: duration.days }).epochMilliseconds
            : start.epochMilliseconds) + duration.exactMs
        );
      const local = start.toPlainDateTime();
      const last = duration.days > 0 ? local.add({ days: duration.days }) : local;
      return last.toZonedDateTime(tz, { disambiguation: 'later' }).epochMilliseconds + duration.exactMs;
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
        out.push([at, endOf(occurrence)]);
      }
      // The expansion library leaves out an occurrence whose wall time the zone skips (RFC 5545
      // §3.3.10), so a freeze starting at 02:30 on the spring-forward night would vanish. Such an
      // occurrence is kept, moved forward by the gap as RFC 5545 §3.3.5 reads a DATE-TIME in a gap.
      // A gap just before the stretch can move an occurrence into it, hence the day before.
      // An allow window with COUNT is the exception: the library's COUNT occurrences already leave
      // the skipped one out without counting it (§3.3.10), so keeping it too would open the window
      // COUNT + 1 times. Each reading errs towards "closed".
      const gaps = kind === 'allow' && parts.COUNT !== undefined ? [] : wallGaps(tz, startMs - DAY_MS, endMs);
      for (const [gapStart, gapEnd] of gaps) {
        const wall = ruleFor(startMs - 2 * DAY_MS, true);
        for (const occurrence of wall.between(new Date(gapStart), new Date(gapEnd), true)) {
          if (occurrence.epochMilliseconds >= gapEnd) continue;
          const start = occurrence.toPlainDateTime().toZonedDateTime(tz, { disambiguation: 'compatible' });
          const at = start.epochMilliseconds;
          if (at < startMs || at >= endMs || !beforeUntil(start) || out.some(([s]) => s === at)) continue;
          out.push([at, endOf(start)]);
        }
      }
      out.sort((a, b) => a[0] - b[0]);
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
  // Read in the zone when first asked, not when the contract loads: a command that evaluates no
  // window (`check staging` of a contract with windows only in prod) then never starts ICU's zone
  // rules (~20 ms). checkWindows has refused a from or until that does not read in the zone.
  let instants: [number, number] | undefined;
  const label = `${window.name ? `${window.name}: ` : ''}${window.from} until ${window.until} (${tz})`;
  return {
    kind,
    index,
    label,
    tz,
    intervals: (a, b) => {
      instants ??= [
        toInstantMs(window.from ?? '', tz) as number,
        // A freeze ending in the repeated hour ends at its second reading, the longer freeze.
        toInstantMs(window.until ?? '', tz, kind === 'deny' ? 'later' : 'compatible') as number,
      ];
      const [fromMs, untilMs] = instants;
      return untilMs > a && fromMs < b ? [[fromMs, untilMs]] : [];
    },
  };
}

/**
 * The wall-clock stretches `[start, end)` (local time read as UTC, in epoch milliseconds) that the
 * zone skips when its clocks go forward between `fromMs` and `toMs`.
 */
export function wallGaps(tz: string, fromMs: number, toMs: number): Array<[number, number]> {
  const gaps: Array<[number, number]> = [];
  let at = Temporal.Instant.fromEpochMilliseconds(fromMs).toZonedDateTimeISO(tz);
  for (;;) {
    const next = at.getTimeZoneTransition('next');
    if (!next || next.epochMilliseconds >= toMs) return gaps;
    const before = next.subtract({ nanoseconds: 1 }).offsetNanoseconds / 1e6;
    const after = next.offsetNanoseconds / 1e6;
    if (after > before) gaps.push([next.epochMilliseconds + before, next.epochMilliseconds + after]);
    at = next;
  }
}

function pad(n: number): string {
  return n.toString().padStart(2, '0');
}
