/**
 * Durations as contracts write them: `24h`, `90m`, `1d12h`, `2w`, `30s`. Units are w (7 days),
 * d (days), h, m, s and ms, each at most once, largest first, no spaces: the grammar Prometheus
 * uses for `for:`, one grammar for every duration a user writes.
 *
 * The text has two meanings, each with its own parser:
 * - `parseCalendarDuration`: inside a time zone (promotion windows), a day is a calendar day (23
 *   or 25 hours across a daylight-saving change) and an hour is always 3,600 seconds (RFC 5545), so
 *   the calendar part (weeks and days) is kept apart from the exact part;
 * - `parseExactDuration`: everywhere else (soak, rollback timing, timeouts), a day is 24 hours and
 *   the duration is a number of milliseconds.
 */

const EXACT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };
const UNIT_ORDER = ['w', 'd', 'h', 'm', 's', 'ms'] as const;
const DAY_MS = 86_400_000;

/** The shape a duration must have, for schemas and messages. */
export const DURATION_PATTERN = /^(?:\d+(?:ms|[wdhms]))+$/;

/** Words for messages: what a valid duration looks like. */
export const DURATION_EXAMPLES = '"24h", "90m" or "1d12h" (units w, d, h, m, s, ms; largest first)';

export interface CalendarDuration {
  /** Calendar days (weeks count 7). */
  days: number;
  /** Hours, minutes, seconds and milliseconds, as exact milliseconds. */
  exactMs: number;
  /** The text it was parsed from, in canonical form. */
  text: string;
}

/**
 * Parses `text` as a calendar duration (days apart from exact time), or returns undefined when it
 * is not a duration.
 * @example parseCalendarDuration('1d12h') // { days: 1, exactMs: 43_200_000, text: '1d12h' }
 */
export function parseCalendarDuration(text: string): CalendarDuration | undefined {
  if (typeof text !== 'string' || !DURATION_PATTERN.test(text)) return undefined;
  let days = 0;
  let exactMs = 0;
  let lastRank = -1;
  for (const match of text.matchAll(/(\d+)(ms|[wdhms])/g)) {
    const unit = match[2] as (typeof UNIT_ORDER)[number];
    const rank = UNIT_ORDER.indexOf(unit);
    // "30m1h" or "1h1h" is almost certainly a typo; refuse rather than guess.
    if (rank <= lastRank) return undefined;
    lastRank = rank;
    const count = Number(match[1]);
    if (unit === 'w') days += count * 7;
    else if (unit === 'd') days += count;
    else exactMs += count * (EXACT_MS[unit] as number);
  }
  if (!Number.isSafeInteger(days * DAY_MS + exactMs)) return undefined;
  return { days, exactMs, text };
}

/**
 * Parses `text` as exact milliseconds, a day counting 24 hours, or returns undefined when it is not
 * a duration.
 * @example parseExactDuration('1h30m') // 5_400_000
 */
export function parseExactDuration(text: string): number | undefined {
  const duration = parseCalendarDuration(text);
  return duration === undefined ? undefined : duration.days * DAY_MS + duration.exactMs;
}

/** A duration as a contract holds it once loaded: its text, for people, and its length. */
export interface ExactDuration {
  text: string;
  ms: number;
}

/**
 * Formats milliseconds for people, largest units first: `0s`, `45s`, `1h30m`, `2d3h`. Below one
 * minute, seconds keep one decimal; above, the value is rounded to whole seconds.
 * @example formatDuration(5_400_000) // '1h30m'
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return '0s';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) {
    const seconds = ms / 1000;
    return Number.isInteger(seconds) ? `${seconds}s` : `${seconds.toFixed(1)}s`;
  }
  let rest = Math.round(ms / 1000) * 1000;
  let text = '';
  for (const [unit, size] of [
    ['d', DAY_MS],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return text;
}
